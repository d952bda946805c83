#include "log_file_follower.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace Nocturne::Engine {

LogFileFollower::LogFileFollower(Options options, Sink sink, const Clock &clock)
    : m_options(std::move(options))
    , m_sink(std::move(sink))
    , m_clock(clock)
{
    if (m_options.source.empty()) {
        const auto slash = m_options.path.find_last_of('/');
        m_options.source = slash == std::string::npos ? m_options.path : m_options.path.substr(slash + 1);
    }
}

LogFileFollower::~LogFileFollower()
{
    stop();
    if (m_file)
        std::fclose(m_file);
}

void LogFileFollower::start()
{
    m_thread = std::jthread([this](std::stop_token stop) {
        while (!stop.stop_requested()) {
            pollOnce();
            std::this_thread::sleep_for(std::chrono::nanoseconds(m_options.pollInterval));
        }
    });
}

void LogFileFollower::stop()
{
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
}

LogFileFollower::Stats LogFileFollower::stats() const
{
    Stats s{m_lines.load(), m_bytes.load(), m_rotations.load(), m_truncations.load(), m_oversized.load(), m_records.load(), {}};
    std::lock_guard lock(m_formatMutex);
    s.format = m_formatText;
    return s;
}

LogLevel LogFileFollower::guessLevel(std::string_view line)
{
    // Only the head of the line: a message that mentions "error" later is not an error line.
    std::string head(line.substr(0, 160));
    std::transform(head.begin(), head.end(), head.begin(), [](char c) { return char(std::toupper(static_cast<unsigned char>(c))); });
    auto has = [&](const char *word) {
        for (std::size_t pos = head.find(word); pos != std::string::npos; pos = head.find(word, pos + 1)) {
            const bool leftOk = pos == 0 || !std::isalpha(static_cast<unsigned char>(head[pos - 1]));
            const std::size_t end = pos + std::char_traits<char>::length(word);
            const bool rightOk = end >= head.size() || !std::isalpha(static_cast<unsigned char>(head[end]));
            if (leftOk && rightOk)
                return true;
        }
        return false;
    };
    if (has("FATAL") || has("CRITICAL") || has("PANIC"))
        return LogLevel::Fatal;
    if (has("ERROR") || has("ERR"))
        return LogLevel::Error;
    if (has("WARN") || has("WARNING"))
        return LogLevel::Warn;
    if (has("DEBUG"))
        return LogLevel::Debug;
    if (has("TRACE"))
        return LogLevel::Trace;
    return LogLevel::Info;
}

bool LogFileFollower::openCurrent(bool atEnd)
{
    std::FILE *file = std::fopen(m_options.path.c_str(), "rb");
    if (!file)
        return false;
    struct stat st {};
    if (::fstat(fileno(file), &st) != 0) {
        std::fclose(file);
        return false;
    }
    if (m_file)
        std::fclose(m_file);
    m_file = file;
    m_inode = std::uint64_t(st.st_ino);
    m_device = std::uint64_t(st.st_dev);
    m_offset = atEnd ? static_cast<long long>(st.st_size) : 0;
    std::fseek(m_file, static_cast<long>(m_offset), SEEK_SET);
    return true;
}

void LogFileFollower::emitLine(std::string line, std::vector<LogRecord> &batch)
{
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    ++m_lines;
    if (!m_format) {
        m_learning.push_back(std::move(line));
        if (m_learning.size() >= m_options.learnLines)
            learnFormat(batch);
        return;
    }
    if (auto record = m_assembler->add(line))
        emitRecord(*record, batch);
}

void LogFileFollower::learnFormat(std::vector<LogRecord> &batch)
{
    if (!m_format) {
        auto spec = LogFormat::fromSpec(m_options.format);
        // The configuration was validated when loaded; an unknown spelling here falls back to learning.
        m_format = spec && *spec ? std::move(**spec) : LogFormat::learn(m_learning);
        m_assembler = std::make_unique<LogRecordAssembler>(*m_format);
        std::lock_guard lock(m_formatMutex);
        m_formatText = m_format->name() == "auto" ? "auto: " + m_format->pattern() : m_format->name();
    }
    std::vector<std::string> pending = std::move(m_learning);
    m_learning.clear();
    for (const std::string &line : pending) {
        if (auto record = m_assembler->add(line))
            emitRecord(*record, batch);
    }
}

void LogFileFollower::emitRecord(const LogRecordAssembler::Record &record, std::vector<LogRecord> &batch)
{
    ++m_records;
    const std::string_view text = record.text;
    const std::size_t newline = text.find('\n');
    const std::string_view first = text.substr(0, newline);
    LogRecord out;
    out.ts = m_clock.now();
    out.source = m_options.source;
    const std::string_view level = m_format->level(first);
    out.level = level.empty() ? guessLevel(first) : parseLogLevel(std::string(level));
    const std::optional<std::string_view> content = m_format->contentView(first);
    out.message = std::string(content ? *content : first);
    if (newline != std::string_view::npos)
        out.message.append(text.substr(newline));
    batch.push_back(std::move(out));
    if (batch.size() >= m_options.maxBatch) {
        m_sink(std::move(batch));
        batch.clear();
    }
}

void LogFileFollower::readAvailable(std::vector<LogRecord> &batch)
{
    char buffer[64 * 1024];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, m_file);
        if (n == 0) {
            std::clearerr(m_file);
            return;
        }
        m_offset += static_cast<long long>(n);
        m_bytes += n;
        std::size_t start = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (buffer[i] != '\n')
                continue;
            m_partial.append(buffer + start, i - start);
            emitLine(std::move(m_partial), batch);
            m_partial.clear();
            start = i + 1;
        }
        m_partial.append(buffer + start, n - start);
        if (m_partial.size() > m_options.maxLineBytes) {
            // A line longer than the limit: keep its first maxLineBytes, drop the rest up to the next newline.
            ++m_oversized;
            m_partial.resize(m_options.maxLineBytes);
            emitLine(std::move(m_partial), batch);
            m_partial.clear();
            int c;
            while ((c = std::fgetc(m_file)) != EOF && c != '\n')
                ++m_offset;
            if (c == '\n')
                ++m_offset;
        }
    }
}

void LogFileFollower::pollOnce()
{
    std::vector<LogRecord> batch;
    const std::uint64_t bytesBefore = m_bytes.load();
    if (!m_file) {
        // Waiting for the file: once it appears, a file that did not exist at start is read from its beginning.
        if (!openCurrent(m_firstOpen && !m_options.fromStart)) {
            m_firstOpen = false;
            return;
        }
        m_firstOpen = false;
    }
    readAvailable(batch);
    struct stat st {};
    if (::stat(m_options.path.c_str(), &st) == 0) {
        if (std::uint64_t(st.st_ino) != m_inode || std::uint64_t(st.st_dev) != m_device) {
            // Rotated: the old file was read to its end above; the new one is read from its start.
            ++m_rotations;
            if (!m_partial.empty()) {
                emitLine(std::move(m_partial), batch);
                m_partial.clear();
            }
            if (openCurrent(false))
                readAvailable(batch);
        } else if (static_cast<long long>(st.st_size) < m_offset) {
            // Truncated in place (copytruncate): start over.
            ++m_truncations;
            m_partial.clear();
            m_offset = 0;
            std::fseek(m_file, 0, SEEK_SET);
            readAvailable(batch);
        }
    }
    // Quiet since the last poll: learn from what there is and emit the record in progress (a stack trace written in
    // one go arrives within one poll).
    if (m_bytes.load() == bytesBefore) {
        if (!m_format && !m_learning.empty())
            learnFormat(batch);
        if (m_assembler) {
            if (auto record = m_assembler->flush())
                emitRecord(*record, batch);
        }
    }
    if (!batch.empty())
        m_sink(std::move(batch));
}

} // namespace Nocturne::Engine
