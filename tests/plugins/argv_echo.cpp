// Test helper: writes its arguments (not argv[0]) NUL-terminated to $ARGV_ECHO_OUT (appending a record per run,
// separated by a 0x1e byte), prints $ARGV_ECHO_STDOUT, exits with $ARGV_ECHO_EXIT (default 0). It lets tests see
// exactly the argv a plugin passed — no shell is ever involved.
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv)
{
    if (const char *path = std::getenv("ARGV_ECHO_OUT")) {
        if (FILE *f = std::fopen(path, "ab")) {
            for (int i = 1; i < argc; ++i) {
                std::fputs(argv[i], f);
                std::fputc('\0', f);
            }
            std::fputc('\x1e', f);
            std::fclose(f);
        }
    }
    if (const char *out = std::getenv("ARGV_ECHO_STDOUT"))
        std::fputs(out, stdout);
    const char *code = std::getenv("ARGV_ECHO_EXIT");
    return code ? std::atoi(code) : 0;
}
