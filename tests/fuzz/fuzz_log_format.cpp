// Header learning, header matching, record assembly and Loghub-notation patterns on arbitrary bytes: no crash, no
// undefined behaviour, no unbounded time (libFuzzer's -timeout catches a hang), and the invariants below.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "logs/log_format.h"

using namespace Nocturne::Engine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    std::vector<std::string> lines;
    for (std::size_t start = 0; start <= input.size();) {
        const std::size_t nl = input.find('\n', start);
        lines.emplace_back(input.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    const LogFormat learned = LogFormat::learn(lines);
    LogRecordAssembler assembler(learned, {8, 4096});
    std::size_t records = 0;
    for (const std::string &line : lines) {
        if (auto content = learned.contentView(line)) {
            // The message is a suffix of the line: it never invents or reorders bytes.
            if (content->size() > line.size() || line.compare(line.size() - content->size(), content->size(), *content) != 0)
                __builtin_trap();
        }
        (void)learned.level(line);
        (void)learned.startsRecord(line);
        if (auto r = assembler.add(line); r && r->text.size() > 4096)
            __builtin_trap();
        records += 1;
    }
    (void)assembler.flush();
    // The first line as a user-typed pattern in Loghub notation: compiled (RE2) or refused with an error.
    if (!lines.empty() && lines.front().size() < 512) {
        if (auto spec = LogFormat::fromSpec(lines.front()); spec && *spec) {
            for (std::size_t i = 1; i < lines.size() && i < 16; ++i)
                (void)(*spec)->contentView(lines[i]);
        }
    }
    return records == lines.size() ? 0 : 1;
}
