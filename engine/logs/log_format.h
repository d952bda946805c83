#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pattern.h"
#include "core/result.h"
#include "logs/log_header.h"

namespace Nocturne::Engine {

// How the header of a source's lines is taken off to leave the message the template miner sees. Three kinds:
//  - learned: a HeaderLayout inferred from the source's first lines (`--format auto`, the default; no table of known
//    datasets is consulted),
//  - a pattern in the Loghub notation, e.g. "<Date> <Time> <Pid> <Level> <Component>: <Content>": <Field> captures a
//    field, everything else is literal, runs of spaces match one or more spaces; compiled to RE2 (linear time),
//  - raw: the whole line is the message.
class LogFormat
{
public:
    static Result<LogFormat> make(std::string name, const std::string &pattern);
    static LogFormat learn(const std::vector<std::string> &sample);
    static LogFormat raw();
    // A format from its user-facing spelling: "raw", a preset name, or a pattern in Loghub notation. "auto" gives
    // nothing (the caller learns the format from the source's first lines). Unknown names are errors.
    static Result<std::optional<LogFormat>> fromSpec(std::string_view spec);

    const std::string &name() const { return m_name; }
    // The pattern in Loghub notation (for a learned format, its description).
    const std::string &pattern() const { return m_pattern; }
    bool learned() const { return m_kind == Kind::Learned; }

    // The message part of a line, or nothing when the line does not carry the header.
    std::optional<std::string_view> contentView(std::string_view line) const;
    std::optional<std::string> content(std::string_view line) const;
    // Whether a line starts a new record (see HeaderLayout::startsRecord); patterns: the line matches.
    bool startsRecord(std::string_view line) const;
    // The header's level field, when the format has one.
    std::string_view level(std::string_view line) const;

    // Named presets a user may choose (`--format HDFS`): the Loghub datasets' published header layouts, syslog and
    // ISO-timestamped application logs. `auto` never uses them.
    static const std::vector<LogFormat> &builtins();
    static const LogFormat *builtin(std::string_view name);

private:
    enum class Kind { Raw, Pattern, Learned };
    Kind m_kind = Kind::Raw;
    std::string m_name = "raw";
    std::string m_pattern = "<Content>";
    Pattern m_regex;
    int m_contentGroup = 0;
    int m_levelGroup = 0;
    HeaderLayout m_layout;
};

// Joins continuation lines (stack traces, wrapped messages) to the record whose header line they follow. Lines before
// the first header line are records of their own. Bounded: a record keeps at most maxLines lines and maxBytes bytes
// (the rest is counted, not kept).
class LogRecordAssembler
{
public:
    struct Record {
        std::string text;    // the lines joined with '\n'
        std::size_t firstLine = 0; // 0-based index of the header line in the input
        std::size_t lines = 1;
    };
    struct Limits {
        std::size_t maxLines = 200;
        std::size_t maxBytes = 64 * 1024;
    };
    explicit LogRecordAssembler(const LogFormat &format, Limits limits);
    explicit LogRecordAssembler(const LogFormat &format) : LogRecordAssembler(format, Limits{}) {}

    // Adds a line; returns the record it completed, if any.
    std::optional<Record> add(std::string_view line);
    // The record in progress (at the end of the input, or after a pause in a followed file).
    std::optional<Record> flush();
    std::size_t droppedLines() const { return m_dropped; }

private:
    const LogFormat &m_format;
    Limits m_limits;
    std::optional<Record> m_pending;
    std::size_t m_index = 0;
    std::size_t m_dropped = 0;
};

} // namespace Nocturne::Engine
