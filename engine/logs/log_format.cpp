#include "log_format.h"

namespace Nocturne::Engine {

namespace {
std::string escapeRegex(char c)
{
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos)
        return std::string("\\") + c;
    return std::string(1, c);
}

struct BuiltinSpec {
    const char *name;
    const char *pattern;
};

// Header layouts as published with the Loghub benchmark, plus two generic ones: presets a user can pick by name.
constexpr BuiltinSpec kBuiltins[] = {
    {"HDFS", "<Date> <Time> <Pid> <Level> <Component>: <Content>"},
    {"Hadoop", "<Date> <Time> <Level> [<Process>] <Component>: <Content>"},
    {"Spark", "<Date> <Time> <Level> <Component>: <Content>"},
    {"BGL", "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>"},
    {"Linux", "<Month> <Date> <Time> <Level> <Component>: <Content>"},
    {"OpenSSH", "<Date> <Day> <Time> <Component> sshd[<Pid>]: <Content>"},
    {"HealthApp", "<Time>|<Component>|<Pid>|<Content>"},
    {"Mac", "<Month> <Date> <Time> <User> <Component>: <Content>"},
    {"syslog", "<Month> <Date> <Time> <Host> <Component>: <Content>"},
    {"iso", "<Timestamp> <Level> <Content>"},
};
} // namespace

Result<LogFormat> LogFormat::make(std::string name, const std::string &pattern)
{
    LogFormat format;
    format.m_kind = Kind::Pattern;
    format.m_name = std::move(name);
    format.m_pattern = pattern;
    std::string regex;
    int group = 0;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == '<') {
            const std::size_t close = pattern.find('>', i);
            if (close == std::string::npos)
                return makeError(ErrorCode::ParseError, "unterminated <Field> at offset " + std::to_string(i) + " in log format", pattern);
            const std::string field = pattern.substr(i + 1, close - i - 1);
            if (field.find_first_of("< ") != std::string::npos)
                return makeError(ErrorCode::ParseError, "unterminated <Field> at offset " + std::to_string(i) + " in log format", pattern);
            if (field.empty())
                return makeError(ErrorCode::ParseError, "empty <> at offset " + std::to_string(i) + " in log format", pattern);
            ++group;
            if (field == "Content")
                format.m_contentGroup = group;
            if (field == "Level")
                format.m_levelGroup = group;
            // Fields never hold the text that follows them: non-greedy (RE2 keeps this linear).
            regex += field == "Content" ? "(.*)" : "(.*?)";
            i = close + 1;
        } else if (pattern[i] == ' ') {
            regex += " +";
            while (i < pattern.size() && pattern[i] == ' ')
                ++i;
        } else {
            regex += escapeRegex(pattern[i]);
            ++i;
        }
    }
    if (format.m_contentGroup == 0)
        return makeError(ErrorCode::ParseError, "log format has no <Content> field", pattern);
    auto compiled = Pattern::compile(regex, "log format '" + format.m_name + "'");
    if (!compiled)
        return tl::unexpected(compiled.error());
    format.m_regex = std::move(*compiled);
    return format;
}

LogFormat LogFormat::learn(const std::vector<std::string> &sample)
{
    LogFormat format;
    format.m_layout = HeaderLayout::learn(sample);
    if (format.m_layout.empty())
        return raw();
    format.m_kind = Kind::Learned;
    format.m_name = "auto";
    format.m_pattern = format.m_layout.describe();
    return format;
}

LogFormat LogFormat::raw()
{
    return LogFormat{};
}

Result<std::optional<LogFormat>> LogFormat::fromSpec(std::string_view spec)
{
    if (spec.empty() || spec == "auto")
        return std::optional<LogFormat>();
    if (spec == "raw")
        return std::optional<LogFormat>(raw());
    if (const LogFormat *preset = builtin(spec))
        return std::optional<LogFormat>(*preset);
    if (spec.find('<') != std::string_view::npos) {
        auto made = make("custom", std::string(spec));
        if (!made)
            return tl::unexpected(made.error());
        return std::optional<LogFormat>(std::move(*made));
    }
    return makeError(ErrorCode::InvalidArgument,
                     "unknown log format '" + std::string(spec) + "' (auto, raw, a preset or a pattern such as '<Date> <Time> <Level> <Content>')");
}

std::optional<std::string_view> LogFormat::contentView(std::string_view line) const
{
    switch (m_kind) {
    case Kind::Raw: return line;
    case Kind::Learned: return m_layout.content(line);
    case Kind::Pattern: {
        std::vector<std::string_view> groups;
        if (!m_regex.fullMatchGroups(line, groups))
            return std::nullopt;
        return groups[std::size_t(m_contentGroup - 1)];
    }
    }
    return line;
}

std::optional<std::string> LogFormat::content(std::string_view line) const
{
    auto view = contentView(line);
    if (!view)
        return std::nullopt;
    return std::string(*view);
}

bool LogFormat::startsRecord(std::string_view line) const
{
    switch (m_kind) {
    case Kind::Raw: return !line.empty() && line.front() != ' ' && line.front() != '\t';
    case Kind::Learned: return m_layout.startsRecord(line);
    case Kind::Pattern: return contentView(line).has_value();
    }
    return true;
}

std::string_view LogFormat::level(std::string_view line) const
{
    switch (m_kind) {
    case Kind::Raw: return {};
    case Kind::Learned: return m_layout.level(line);
    case Kind::Pattern: {
        if (m_levelGroup == 0)
            return {};
        std::vector<std::string_view> groups;
        if (!m_regex.fullMatchGroups(line, groups))
            return {};
        return groups[std::size_t(m_levelGroup - 1)];
    }
    }
    return {};
}

const std::vector<LogFormat> &LogFormat::builtins()
{
    static const std::vector<LogFormat> formats = [] {
        std::vector<LogFormat> out;
        for (const auto &spec : kBuiltins)
            out.push_back(*LogFormat::make(spec.name, spec.pattern));
        return out;
    }();
    return formats;
}

const LogFormat *LogFormat::builtin(std::string_view name)
{
    for (const auto &f : builtins()) {
        if (f.name() == name)
            return &f;
    }
    return nullptr;
}

LogRecordAssembler::LogRecordAssembler(const LogFormat &format, Limits limits)
    : m_format(format)
    , m_limits(limits)
{
}

std::optional<LogRecordAssembler::Record> LogRecordAssembler::add(std::string_view line)
{
    const std::size_t index = m_index++;
    if (m_pending && !line.empty() && !m_format.startsRecord(line)) {
        if (m_pending->lines >= m_limits.maxLines || m_pending->text.size() + line.size() + 1 > m_limits.maxBytes) {
            ++m_dropped;
            return std::nullopt;
        }
        m_pending->text += '\n';
        m_pending->text.append(line);
        ++m_pending->lines;
        return std::nullopt;
    }
    std::optional<Record> done = std::move(m_pending);
    m_pending = Record{std::string(line.substr(0, m_limits.maxBytes)), index, 1};
    return done;
}

std::optional<LogRecordAssembler::Record> LogRecordAssembler::flush()
{
    std::optional<Record> done = std::move(m_pending);
    m_pending.reset();
    return done;
}

} // namespace Nocturne::Engine
