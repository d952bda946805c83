#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace Nocturne::Engine {

// A log line header format in the Loghub notation, e.g. "<Date> <Time> <Pid> <Level> <Component>: <Content>":
// <Field> captures a field, everything else is literal (runs of spaces match one or more spaces). <Content> is the
// message the template miner sees.
class LogFormat
{
public:
    static Result<LogFormat> make(std::string name, const std::string &pattern);

    const std::string &name() const { return m_name; }
    const std::string &pattern() const { return m_pattern; }
    // The message part of a line, or nothing when the line does not match the header.
    std::optional<std::string> content(std::string_view line) const;

    // Formats of common sources (Loghub datasets, syslog, ISO-timestamped application logs).
    static const std::vector<LogFormat> &builtins();
    static const LogFormat *builtin(std::string_view name);
    // The built-in format that matches most of the sample lines (at least half), or nullptr.
    static const LogFormat *detect(const std::vector<std::string> &sample);

private:
    std::string m_name;
    std::string m_pattern;
    std::regex m_regex;
    int m_contentGroup = 0;
};

} // namespace Nocturne::Engine
