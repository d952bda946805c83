#include "prometheus_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace Nocturne::Engine {

namespace {

bool isNameStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool isNameChar(char c)
{
    return isNameStart(c) || (c >= '0' && c <= '9');
}

struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
    void skipBlanks()
    {
        while (!done() && (s[i] == ' ' || s[i] == '\t'))
            ++i;
    }
};

struct LineError {
    std::size_t column;
    std::string reason;
};

std::optional<double> parseValue(std::string_view text)
{
    if (text == "NaN" || text == "nan")
        return std::numeric_limits<double>::quiet_NaN();
    if (text == "+Inf" || text == "Inf" || text == "+inf" || text == "inf")
        return std::numeric_limits<double>::infinity();
    if (text == "-Inf" || text == "-inf")
        return -std::numeric_limits<double>::infinity();
    if (text.empty() || text.size() > 64)
        return std::nullopt;
    char buffer[80];
    text.copy(buffer, text.size());
    buffer[text.size()] = '\0';
    char *end = nullptr;
    errno = 0;
    const double v = std::strtod(buffer, &end);
    if (end != buffer + text.size())
        return std::nullopt;
    return v;
}

// One sample line; throws nothing, returns the error with its column instead.
std::optional<LineError> parseSample(std::string_view line, const ExpositionOptions &options, ExpositionResult &out)
{
    Cursor c{line};
    if (!isNameStart(c.peek()))
        return LineError{c.i + 1, "expected a metric name"};
    std::string name;
    while (!c.done() && isNameChar(c.peek()))
        name += line[c.i++];
    Labels labels;
    if (c.peek() == '{') {
        ++c.i;
        for (;;) {
            c.skipBlanks();
            if (c.peek() == '}') {
                ++c.i;
                break;
            }
            if (!isNameStart(c.peek()))
                return LineError{c.i + 1, c.done() ? "unterminated label set" : "expected a label name"};
            std::string labelName;
            while (!c.done() && isNameChar(c.peek()))
                labelName += line[c.i++];
            c.skipBlanks();
            if (c.peek() != '=')
                return LineError{c.i + 1, "expected '=' after label name '" + labelName + "'"};
            ++c.i;
            c.skipBlanks();
            if (c.peek() != '"')
                return LineError{c.i + 1, "expected a quoted label value"};
            ++c.i;
            std::string value;
            bool closed = false;
            while (!c.done()) {
                const char ch = line[c.i++];
                if (ch == '"') {
                    closed = true;
                    break;
                }
                if (ch == '\\') {
                    if (c.done())
                        break;
                    const char e = line[c.i++];
                    if (e == 'n')
                        value += '\n';
                    else if (e == '\\' || e == '"')
                        value += e;
                    else
                        return LineError{c.i, std::string("invalid escape '\\") + e + "' in label value"};
                } else {
                    value += ch;
                }
            }
            if (!closed)
                return LineError{c.i + 1, "unterminated label value"};
            for (const Label &l : labels) {
                if (l.name == labelName)
                    return LineError{c.i, "duplicate label '" + labelName + "'"};
            }
            labels.push_back({std::move(labelName), std::move(value)});
            if (labels.size() > options.maxLabels)
                return LineError{c.i, "more than " + std::to_string(options.maxLabels) + " labels"};
            c.skipBlanks();
            if (c.peek() == ',') {
                ++c.i;
                continue;
            }
            if (c.peek() == '}') {
                ++c.i;
                break;
            }
            return LineError{c.i + 1, "expected ',' or '}' in label set"};
        }
    }
    if (c.peek() != ' ' && c.peek() != '\t')
        return LineError{c.i + 1, "expected a space before the value"};
    c.skipBlanks();
    const std::size_t valueStart = c.i;
    while (!c.done() && c.peek() != ' ' && c.peek() != '\t')
        ++c.i;
    const std::string_view valueText = line.substr(valueStart, c.i - valueStart);
    const auto value = parseValue(valueText);
    if (!value)
        return LineError{valueStart + 1, "invalid sample value '" + std::string(valueText.substr(0, 40)) + "'"};
    ParsedSample sample;
    c.skipBlanks();
    if (!c.done()) {
        const std::size_t tsStart = c.i;
        while (!c.done() && c.peek() != ' ' && c.peek() != '\t')
            ++c.i;
        const std::string_view tsText = line.substr(tsStart, c.i - tsStart);
        char *end = nullptr;
        const std::string tsCopy(tsText);
        errno = 0;
        const long long ms = std::strtoll(tsCopy.c_str(), &end, 10);
        if (end != tsCopy.c_str() + tsCopy.size() || errno == ERANGE || tsCopy.empty())
            return LineError{tsStart + 1, "invalid timestamp '" + std::string(tsText.substr(0, 40)) + "'"};
        if (ms > std::numeric_limits<long long>::max() / kMillisecond || ms < std::numeric_limits<long long>::min() / kMillisecond)
            return LineError{tsStart + 1, "timestamp out of range"};
        sample.ts = ms * kMillisecond;
        c.skipBlanks();
        if (!c.done())
            return LineError{c.i + 1, "unexpected text after the timestamp"};
    }
    // DCGM's blank sentinels sit just below INT64_MAX.
    if (options.skipDcgmBlank && *value >= 9.2233720368547e18 && *value < 9.3e18) {
        ++out.skippedSentinels;
        return std::nullopt;
    }
    sample.key = SeriesKey::make(std::move(name), std::move(labels));
    sample.value = *value;
    out.samples.push_back(std::move(sample));
    return std::nullopt;
}

void parseComment(std::string_view line, ExpositionResult &out, std::size_t lineNumber)
{
    // "# HELP name text" and "# TYPE name type"; any other comment is ignored.
    Cursor c{line};
    c.i = 1;
    c.skipBlanks();
    const std::size_t keywordStart = c.i;
    while (!c.done() && c.peek() != ' ' && c.peek() != '\t')
        ++c.i;
    const std::string_view keyword = line.substr(keywordStart, c.i - keywordStart);
    if (keyword != "HELP" && keyword != "TYPE")
        return;
    c.skipBlanks();
    const std::size_t nameStart = c.i;
    while (!c.done() && isNameChar(c.peek()))
        ++c.i;
    const std::string name(line.substr(nameStart, c.i - nameStart));
    if (name.empty()) {
        out.issues.push_back({lineNumber, nameStart + 1, "expected a metric name after # " + std::string(keyword)});
        return;
    }
    c.skipBlanks();
    const std::string_view rest = line.substr(c.i);
    MetricFamily &family = out.families[name];
    if (keyword == "HELP") {
        std::string help;
        for (std::size_t k = 0; k < rest.size(); ++k) {
            if (rest[k] == '\\' && k + 1 < rest.size() && (rest[k + 1] == 'n' || rest[k + 1] == '\\')) {
                help += rest[k + 1] == 'n' ? '\n' : '\\';
                ++k;
            } else {
                help += rest[k];
            }
        }
        family.help = std::move(help);
        return;
    }
    if (rest == "counter")
        family.type = MetricType::Counter;
    else if (rest == "gauge")
        family.type = MetricType::Gauge;
    else if (rest == "histogram")
        family.type = MetricType::Histogram;
    else if (rest == "summary")
        family.type = MetricType::Summary;
    else if (rest == "gaugehistogram") // OpenMetrics
        family.type = MetricType::GaugeHistogram;
    else if (rest == "info" || rest == "stateset") // OpenMetrics: values that describe, never counts
        family.type = MetricType::Gauge;
    else if (rest == "untyped" || rest == "unknown")
        family.type = MetricType::Untyped;
    else
        out.issues.push_back({lineNumber, c.i + 1, "unknown metric type '" + std::string(rest.substr(0, 40)) + "'"});
}

// A family's samples are named after it (text format 0.0.4 counters: the family name itself) or after it plus a suffix
// (histogram _bucket/_sum/_count, OpenMetrics counter _total). A sample keeps its own family when both exist.
void assignFamilyTypes(ExpositionResult &out)
{
    if (out.families.empty())
        return;
    const std::string *lastName = nullptr;
    MetricType lastType = MetricType::Untyped;
    for (ParsedSample &sample : out.samples) {
        // Samples of one family are adjacent: one lookup per family, not per sample.
        if (!lastName || *lastName != sample.key.name) {
            lastName = &sample.key.name;
            auto it = out.families.find(sample.key.name);
            if (it == out.families.end()) {
                const std::string_view base = familyBaseName(sample.key.name);
                if (!base.empty())
                    it = out.families.find(std::string(base));
            }
            lastType = it == out.families.end() ? MetricType::Untyped : it->second.type;
        }
        sample.type = lastType;
    }
}

} // namespace

ExpositionResult parseExposition(std::string_view text, const ExpositionOptions &options)
{
    ExpositionResult out;
    std::size_t lineNumber = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? text.size() : end + 1;
        ++lineNumber;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        std::size_t first = 0;
        while (first < line.size() && (line[first] == ' ' || line[first] == '\t'))
            ++first;
        line.remove_prefix(first);
        if (line.empty())
            continue;
        if (line.size() > options.maxLineBytes) {
            out.issues.push_back({lineNumber, options.maxLineBytes + 1, "line longer than " + std::to_string(options.maxLineBytes) + " bytes"});
            continue;
        }
        if (line.front() == '#') {
            parseComment(line, out, lineNumber);
            continue;
        }
        if (auto error = parseSample(line, options, out))
            out.issues.push_back({lineNumber, error->column + first, std::move(error->reason)});
    }
    assignFamilyTypes(out);
    return out;
}

} // namespace Nocturne::Engine
