#include "series_key.h"

#include <algorithm>

#include "core/pattern.h"

namespace Nocturne::Engine {

SeriesKey SeriesKey::make(std::string name, Labels labels)
{
    std::sort(labels.begin(), labels.end(), [](const Label &a, const Label &b) { return a.name < b.name; });
    // Last writer wins for duplicate names, matching how Prometheus relabelling treats repeats.
    Labels unique;
    unique.reserve(labels.size());
    for (auto &label : labels) {
        if (!unique.empty() && unique.back().name == label.name)
            unique.back().value = std::move(label.value);
        else
            unique.push_back(std::move(label));
    }
    return SeriesKey{std::move(name), std::move(unique)};
}

static void appendEscaped(std::string &out, std::string_view value)
{
    for (char c : value) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
}

std::string SeriesKey::canonical() const
{
    std::string out = name;
    out += '{';
    bool first = true;
    for (const auto &label : labels) {
        if (!first)
            out += ',';
        first = false;
        out += label.name;
        out += "=\"";
        appendEscaped(out, label.value);
        out += '"';
    }
    out += '}';
    return out;
}

std::string_view SeriesKey::label(std::string_view labelName) const
{
    if (labelName == "__name__")
        return name;
    for (const auto &label : labels) {
        if (label.name == labelName)
            return label.value;
    }
    return {};
}

Result<LabelMatcher> LabelMatcher::make(std::string name, Op op, std::string value)
{
    LabelMatcher m;
    m.name = std::move(name);
    m.op = op;
    m.value = std::move(value);
    if (op == Op::RegexMatch || op == Op::RegexNoMatch) {
        // Selectors come from users, rule files and alert silences: RE2 keeps matching linear in the label length.
        const std::string where = m.name + (op == Op::RegexMatch ? "=~\"" : "!~\"") + m.value + "\"";
        auto pattern = Pattern::compile(m.value, where);
        if (!pattern)
            return makeError(ErrorCode::InvalidArgument, "invalid regex: " + pattern.error().message, where);
        m.m_regex = std::move(*pattern);
    }
    return m;
}

bool LabelMatcher::matches(std::string_view actual) const
{
    switch (op) {
    case Op::Equal: return actual == value;
    case Op::NotEqual: return actual != value;
    // Prometheus anchors regex matchers at both ends.
    case Op::RegexMatch: return m_regex.fullMatch(actual);
    case Op::RegexNoMatch: return !m_regex.valid() || !m_regex.fullMatch(actual);
    }
    return false;
}

namespace {
bool isNameChar(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}
} // namespace

Result<std::vector<LabelMatcher>> parseSelector(std::string_view text)
{
    std::vector<LabelMatcher> out;
    std::size_t i = 0;
    auto skipSpace = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
            ++i;
    };
    auto fail = [&](const std::string &what) {
        return makeError(ErrorCode::ParseError, what, "selector at offset " + std::to_string(i));
    };
    skipSpace();
    std::string metric;
    while (i < text.size() && isNameChar(text[i], metric.empty()))
        metric += text[i++];
    if (!metric.empty()) {
        auto m = LabelMatcher::make("__name__", LabelMatcher::Op::Equal, metric);
        out.push_back(std::move(*m));
    }
    skipSpace();
    if (i == text.size()) {
        if (out.empty())
            return fail("empty selector");
        return out;
    }
    if (text[i] != '{')
        return fail(std::string("expected '{' but found '") + text[i] + "'");
    ++i;
    for (;;) {
        skipSpace();
        if (i < text.size() && text[i] == '}') {
            ++i;
            break;
        }
        std::string name;
        while (i < text.size() && isNameChar(text[i], name.empty()))
            name += text[i++];
        if (name.empty())
            return fail("expected a label name");
        skipSpace();
        LabelMatcher::Op op;
        if (text.substr(i, 2) == "=~") {
            op = LabelMatcher::Op::RegexMatch;
            i += 2;
        } else if (text.substr(i, 2) == "!~") {
            op = LabelMatcher::Op::RegexNoMatch;
            i += 2;
        } else if (text.substr(i, 2) == "!=") {
            op = LabelMatcher::Op::NotEqual;
            i += 2;
        } else if (text.substr(i, 1) == "=") {
            op = LabelMatcher::Op::Equal;
            i += 1;
        } else {
            return fail("expected one of = != =~ !~");
        }
        skipSpace();
        if (i >= text.size() || text[i] != '"')
            return fail("expected a quoted value");
        ++i;
        std::string value;
        bool closed = false;
        while (i < text.size()) {
            char c = text[i++];
            if (c == '\\' && i < text.size()) {
                char e = text[i++];
                value += e == 'n' ? '\n' : e;
            } else if (c == '"') {
                closed = true;
                break;
            } else {
                value += c;
            }
        }
        if (!closed)
            return fail("unterminated string");
        auto matcher = LabelMatcher::make(name, op, value);
        if (!matcher)
            return tl::unexpected(matcher.error());
        out.push_back(std::move(*matcher));
        skipSpace();
        if (i < text.size() && text[i] == ',') {
            ++i;
            continue;
        }
        if (i < text.size() && text[i] == '}') {
            ++i;
            break;
        }
        return fail("expected ',' or '}'");
    }
    skipSpace();
    if (i != text.size())
        return fail("trailing characters");
    return out;
}

} // namespace Nocturne::Engine
