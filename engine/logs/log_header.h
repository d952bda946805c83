#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Nocturne::Engine {

// What a leading field of a log line looks like. The learner decides a column's kind by consensus over sample lines.
enum class HeaderField : std::uint8_t {
    Timestamp, // dates, times, epochs, month and weekday names, "[Sun Dec 04 04:47:44 2005]"
    Number,    // pids, thread ids, sequence numbers
    Level,     // INFO, warn, [notice], E (logcat), level=info
    Bracket,   // [main], [req-… - - -], [QuorumPeer[myid=1]/…:774]
    Dash,      // a lone "-" or "|" separating header from message
    Component, // "sshd[24200]:", "dfs.DataNode$PacketResponder:", "crond(pam_unix)[2915]:": ends the header
    Word,      // a host, a node, a logger name without colon, an aligned column ("CBS    ")
    KeyValue,  // logfmt header keys: time=…, level=…, logger=…
};
const char *headerFieldName(HeaderField field);

// A header layout learned from the first lines of an unknown source, with no table of known formats: timestamp forms
// (ISO, syslog, epoch, "yyyy-MM-dd HH:mm:ss,SSS", with or without date), level words in any case, pid/thread/component
// fields, bracketed and key=value prefixes, '|'-delimited headers. Matching is a linear scan (no regular expression).
class HeaderLayout
{
public:
    // Learns the layout from sample lines (the first ~200 lines of a source). Lines that look like continuations
    // (leading white space) are ignored. Bounded: only the first kMaxHeaderColumns fields and kMaxScanBytes bytes of
    // each line are looked at.
    static HeaderLayout learn(const std::vector<std::string> &sample);

    // The message part of a line; nothing when the line does not carry this header (a continuation line, another
    // source's line). An empty layout (no header found) returns the whole line.
    std::optional<std::string_view> content(std::string_view line) const;
    // The header's level field of a line when the layout has one ("" otherwise).
    std::string_view level(std::string_view line) const;
    // Whether the line starts a new record: it carries the header's timestamp (or, without a timestamp column, its
    // delimiters). Lines that do not are continuations of the record before them (stack traces, wrapped messages).
    bool startsRecord(std::string_view line) const;

    bool empty() const { return m_columns.empty() && m_delimitedFields == 0; }
    bool hasTimestamp() const { return m_timestampColumn >= 0 || m_delimitedTimestamp; }
    // The layout in Loghub-like notation, e.g. "<Timestamp> <Timestamp> <Number> <Level> <Component>: <Content>".
    std::string describe() const;
    const std::vector<HeaderField> &columns() const { return m_columns; }

    static constexpr std::size_t kMaxHeaderColumns = 16;
    static constexpr std::size_t kMaxScanBytes = 512;

private:
    std::vector<HeaderField> m_columns;
    int m_timestampColumn = -1; // first Timestamp column (record starts are recognised by it)
    int m_levelColumn = -1;
    char m_delimiter = 0;              // '|' headers: the first m_delimitedFields fields are the header
    std::size_t m_delimitedFields = 0;
    bool m_delimitedTimestamp = false;
};

// Token classification, exposed for tests and for the level guess of the log follower.
bool looksLikeTimestamp(std::string_view token);
bool looksLikeLevel(std::string_view token);

} // namespace Nocturne::Engine
