#include "log_format.h"

namespace Nocturne::Engine {

namespace {
std::string escapeRegex(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos)
            out += '\\';
        out += c;
    }
    return out;
}

struct BuiltinSpec {
    const char *name;
    const char *pattern;
};

// Header layouts as published with the Loghub benchmark, plus two generic ones.
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
    format.m_name = std::move(name);
    format.m_pattern = pattern;
    std::string regex = "^";
    int group = 0;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == '<') {
            const std::size_t close = pattern.find('>', i);
            if (close == std::string::npos)
                return makeError(ErrorCode::ParseError, "unterminated <Field> in log format", pattern);
            const std::string field = pattern.substr(i + 1, close - i - 1);
            if (field.empty())
                return makeError(ErrorCode::ParseError, "empty <> in log format", pattern);
            ++group;
            if (field == "Content") {
                regex += "(.*?)";
                format.m_contentGroup = group;
            } else {
                regex += "(.*?)";
            }
            i = close + 1;
        } else if (pattern[i] == ' ') {
            regex += " +";
            while (i < pattern.size() && pattern[i] == ' ')
                ++i;
        } else {
            regex += escapeRegex(std::string_view(&pattern[i], 1));
            ++i;
        }
    }
    regex += "$";
    if (format.m_contentGroup == 0)
        return makeError(ErrorCode::ParseError, "log format has no <Content> field", pattern);
    try {
        format.m_regex = std::regex(regex, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error &e) {
        return makeError(ErrorCode::ParseError, e.what(), pattern);
    }
    return format;
}

std::optional<std::string> LogFormat::content(std::string_view line) const
{
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_match(line.begin(), line.end(), match, m_regex))
        return std::nullopt;
    return match[m_contentGroup].str();
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

const LogFormat *LogFormat::detect(const std::vector<std::string> &sample)
{
    const LogFormat *best = nullptr;
    std::size_t bestMatches = 0;
    for (const auto &f : builtins()) {
        std::size_t matches = 0;
        for (const auto &line : sample)
            matches += f.content(line).has_value();
        // Ties go to the earlier, more specific format.
        if (matches > bestMatches) {
            best = &f;
            bestMatches = matches;
        }
    }
    return bestMatches * 2 >= sample.size() && bestMatches > 0 ? best : nullptr;
}

} // namespace Nocturne::Engine
