#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "logs/log_format.h"
#include "model/records.h"

namespace Nocturne::Engine {

// Follows a log file like `tail -F`: reads appended lines, survives rotation (rename + new file: the old file is read to
// its end first, then the new one from its start) and truncation (copytruncate: restart at 0), waits for a file that
// does not exist yet, and never splits a line (a partial last line waits for its newline). Lines over maxLineBytes are
// cut there and counted. The header is learned from the first lines (or given as `format`): records carry the message
// without the header and the header's level, and continuation lines (stack traces) join the record they belong to; a
// record in progress is emitted once the file has been quiet for one poll. Runs on its own thread; batches go to the
// callback.
class LogFileFollower
{
public:
    struct Options {
        std::string path;
        std::string source;              // LogRecord::source; default: the file name
        bool fromStart = false;          // read what is already there (default: only new lines, like tail -F)
        Duration pollInterval = 200 * kMillisecond;
        std::size_t maxLineBytes = 1 << 20;
        std::size_t maxBatch = 4096;
        std::string format = "auto"; // see LogFormat::fromSpec
        std::size_t learnLines = 64;  // lines the header is learned from (fewer when the file goes quiet first)
    };
    struct Stats {
        std::uint64_t lines = 0;
        std::uint64_t bytes = 0;
        std::uint64_t rotations = 0;
        std::uint64_t truncations = 0;
        std::uint64_t oversizedLines = 0;
        std::uint64_t records = 0;
        std::string format;                         // the learned or configured header layout
    };
    using Sink = std::function<void(std::vector<LogRecord> batch)>;

    LogFileFollower(Options options, Sink sink, const Clock &clock);
    ~LogFileFollower();

    void start();
    void stop();
    // One polling round on the caller's thread (tests drive the follower deterministically with it).
    void pollOnce();
    Stats stats() const;

    // Level from the usual markers in a line ("ERROR", "[warn]", "level=info", …); Info when none.
    static LogLevel guessLevel(std::string_view line);

private:
    bool openCurrent(bool atEnd);
    void readAvailable(std::vector<LogRecord> &batch);
    void emitLine(std::string line, std::vector<LogRecord> &batch);
    void learnFormat(std::vector<LogRecord> &batch);
    void emitRecord(const LogRecordAssembler::Record &record, std::vector<LogRecord> &batch);

    Options m_options;
    Sink m_sink;
    const Clock &m_clock;
    std::FILE *m_file = nullptr; // owned by the polling thread (or the test calling pollOnce)
    std::uint64_t m_inode = 0, m_device = 0;
    long long m_offset = 0;
    std::string m_partial;
    bool m_firstOpen = true;
    std::atomic<std::uint64_t> m_lines{0}, m_bytes{0}, m_rotations{0}, m_truncations{0}, m_oversized{0}, m_records{0};
    // Owned by the polling thread: the header format (once learned), the lines it is learned from, the assembler.
    std::optional<LogFormat> m_format;
    std::vector<std::string> m_learning;
    std::unique_ptr<LogRecordAssembler> m_assembler;
    mutable std::mutex m_formatMutex; // guards m_formatText (read by stats() from other threads)
    std::string m_formatText;
    std::jthread m_thread;
};

} // namespace Nocturne::Engine
