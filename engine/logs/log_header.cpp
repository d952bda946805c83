#include "log_header.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace Nocturne::Engine {

namespace {

constexpr double kConsensus = 0.8; // share of sample lines that must agree on a column's kind
constexpr std::size_t kLookahead = 4; // tokens searched for a component's colon or a separating dash
constexpr std::size_t kMaxBracket = 256;
constexpr std::size_t kMaxTimestampColumn = 10;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}
char lower(char c)
{
    return char(std::tolower(static_cast<unsigned char>(c)));
}
bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

std::string_view trimPunctuation(std::string_view t)
{
    while (!t.empty() && (t.front() == '[' || t.front() == '(' || t.front() == '"'))
        t.remove_prefix(1);
    while (!t.empty() && (t.back() == ']' || t.back() == ')' || t.back() == ',' || t.back() == ':' || t.back() == '"' || t.back() == ';'))
        t.remove_suffix(1);
    return t;
}

bool isNameOfMonthOrDay(std::string_view t)
{
    static constexpr std::array<std::string_view, 19> names = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                                               "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    static constexpr std::array<std::string_view, 19> full = {"january", "february", "march", "april", "may", "june", "july",
                                                              "august", "september", "october", "november", "december",
                                                              "monday", "tuesday", "wednesday", "thursday", "friday",
                                                              "saturday", "sunday"};
    if (t.size() == 3 || t.size() == 4) { // "Sept"
        for (std::string_view n : names) {
            if (equalsIgnoreCase(t.substr(0, 3), n) && (t.size() == 3 || equalsIgnoreCase(t, "sept")))
                return true;
        }
    }
    for (std::string_view n : full) {
        if (equalsIgnoreCase(t, n))
            return true;
    }
    return false;
}

int toInt(std::string_view digits)
{
    int v = 0;
    for (char c : digits)
        v = v * 10 + (c - '0');
    return v;
}

bool validDate(int month, int day)
{
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool allDigitsTimestamp(std::string_view t)
{
    switch (t.size()) {
    case 6: // yyMMdd or HHmmss
        return validDate(toInt(t.substr(2, 2)), toInt(t.substr(4, 2)))
            || (toInt(t.substr(0, 2)) < 24 && toInt(t.substr(2, 2)) < 60 && toInt(t.substr(4, 2)) < 60);
    case 8: { // yyyyMMdd
        const int year = toInt(t.substr(0, 4));
        return year >= 1970 && year <= 2099 && validDate(toInt(t.substr(4, 2)), toInt(t.substr(6, 2)));
    }
    case 10: { // epoch seconds, 2000-01-01 .. 2040-01-01
        const long long v = std::stoll(std::string(t));
        return v >= 946684800LL && v < 2208988800LL;
    }
    case 13: {
        const long long v = std::stoll(std::string(t.substr(0, 10)));
        return v >= 946684800LL && v < 2208988800LL;
    }
    default: return false;
    }
}

bool isDottedQuad(std::string_view t)
{
    int groups = 1, digits = 0;
    for (char c : t) {
        if (c == '.') {
            if (digits == 0)
                return false;
            ++groups;
            digits = 0;
        } else if (isDigit(c)) {
            ++digits;
        } else if (c == ':') {
            break; // ip:port
        } else {
            return false;
        }
    }
    return groups == 4;
}

} // namespace

bool looksLikeTimestamp(std::string_view token)
{
    std::string_view t = token;
    // Syslog priority "<34>Oct".
    if (!t.empty() && t.front() == '<') {
        const std::size_t close = t.find('>');
        if (close != std::string_view::npos && close <= 4)
            t.remove_prefix(close + 1);
    }
    t = trimPunctuation(t);
    if (t.empty() || t.size() > 40)
        return false;
    if (isNameOfMonthOrDay(t))
        return true;
    // glog: I0115 (level letter and MMdd).
    if (t.size() == 5 && std::string_view("IWEFD").find(t[0]) != std::string_view::npos
        && std::all_of(t.begin() + 1, t.end(), isDigit))
        return validDate(toInt(t.substr(1, 2)), toInt(t.substr(3, 2)));
    std::size_t digits = 0, colons = 0, dashes = 0, slashes = 0, dots = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (isDigit(c))
            ++digits;
        else if (c == ':')
            ++colons;
        else if (c == '-')
            ++dashes;
        else if (c == '/')
            ++slashes;
        else if (c == '.')
            ++dots;
        else if (c == ',' || c == '_' || c == '+')
            continue;
        else if ((c == 'T' || c == 't') && i > 0 && i + 1 < t.size() && isDigit(t[i - 1]) && isDigit(t[i + 1]))
            continue;
        else if ((c == 'Z' || c == 'z') && i + 1 == t.size())
            continue;
        else
            return false;
    }
    if (digits == t.size())
        return allDigitsTimestamp(t);
    if (digits < 4 || isDottedQuad(t))
        return false;
    if (colons > 0) {
        // A time: some ':' with 1-2 digits on both sides ("22:15:29", "23:1:5:778").
        for (std::size_t i = 1; i + 2 < t.size() + 1; ++i) {
            if (t[i] != ':')
                continue;
            std::size_t before = 0;
            for (std::size_t k = i; k > 0 && isDigit(t[k - 1]); --k)
                ++before;
            std::size_t after = 0;
            for (std::size_t k = i + 1; k < t.size() && isDigit(t[k]); ++k)
                ++after;
            if (before >= 1 && before <= 2 && after >= 1 && after <= 2)
                return true;
        }
        return false;
    }
    if (dashes > 0 || slashes > 0) {
        // A date: 2-3 groups, the first of 2 or 4 digits, the second of 1-2 ("03-17", "2015-10-18", "17/06/09",
        // "2005-06-03-15.42.50.675872").
        std::size_t first = 0;
        while (first < t.size() && isDigit(t[first]))
            ++first;
        if (first != 2 && first != 4)
            return false;
        std::size_t second = 0;
        for (std::size_t k = first + 1; k < t.size() && isDigit(t[k]); ++k)
            ++second;
        return second >= 1 && second <= 2;
    }
    if (dots == 2) { // 2005.06.03 or 03.06.2005
        const std::size_t a = t.find('.'), b = t.rfind('.');
        return a == 4 || t.size() - b - 1 == 4;
    }
    return false;
}

bool looksLikeLevel(std::string_view token)
{
    std::string_view t = trimPunctuation(token);
    if (t.size() < 3 || t.size() > 13)
        return false;
    static constexpr std::array<std::string_view, 24> levels = {
        "trace",  "debug", "dbg",   "verbose", "info",   "information", "informational", "notice", "warn",  "warning", "error", "err",
        "severe", "fatal", "crit",  "critical", "alert", "emerg",       "emergency",     "panic",  "failure", "fine",  "finer", "finest"};
    for (std::string_view l : levels) {
        if (equalsIgnoreCase(t, l))
            return true;
    }
    return false;
}

const char *headerFieldName(HeaderField field)
{
    switch (field) {
    case HeaderField::Timestamp: return "Timestamp";
    case HeaderField::Number: return "Number";
    case HeaderField::Level: return "Level";
    case HeaderField::Bracket: return "Bracket";
    case HeaderField::Dash: return "Dash";
    case HeaderField::Component: return "Component";
    case HeaderField::Word: return "Word";
    case HeaderField::KeyValue: return "KeyValue";
    }
    return "Word";
}

namespace {

struct Token {
    std::size_t begin = 0, end = 0;
    HeaderField kind = HeaderField::Word;
    bool wideGapAfter = false; // followed by two or more blanks (an aligned column)
    bool singleLetter = false; // "D", "E": a logcat level when a whole column is like this
    std::string_view text;
};

bool isHeaderKey(std::string_view key, HeaderField &kind)
{
    static constexpr std::array<std::string_view, 5> times = {"time", "ts", "timestamp", "date", "datetime"};
    static constexpr std::array<std::string_view, 4> levels = {"level", "lvl", "severity", "loglevel"};
    static constexpr std::array<std::string_view, 9> others = {"logger", "caller", "thread", "pid", "component", "module", "source", "host", "tid"};
    for (auto k : times)
        if (equalsIgnoreCase(key, k))
            return kind = HeaderField::Timestamp, true;
    for (auto k : levels)
        if (equalsIgnoreCase(key, k))
            return kind = HeaderField::Level, true;
    for (auto k : others)
        if (equalsIgnoreCase(key, k))
            return kind = HeaderField::KeyValue, true;
    return false;
}

HeaderField classify(std::string_view t, bool bracketed)
{
    if (bracketed) {
        const std::size_t close = t.rfind(']');
        const std::string_view inner = t.substr(1, close == std::string_view::npos ? t.size() - 1 : close - 1);
        if (t.back() == ':' && close + 1 < t.size())
            return HeaderField::Component;
        if (looksLikeLevel(inner))
            return HeaderField::Level;
        // "[Sun Dec 04 04:47:44 2005]", "[10.30 16:49:06]": a time inside makes the group a timestamp.
        std::size_t i = 0;
        while (i < inner.size()) {
            while (i < inner.size() && isSpace(inner[i]))
                ++i;
            const std::size_t s = i;
            while (i < inner.size() && !isSpace(inner[i]))
                ++i;
            const std::string_view sub = inner.substr(s, i - s);
            if (!sub.empty() && sub.find(':') != std::string_view::npos && looksLikeTimestamp(sub))
                return HeaderField::Timestamp;
        }
        return HeaderField::Bracket;
    }
    if (t == "-" || t == "|")
        return HeaderField::Dash;
    const std::size_t eq = t.find('=');
    if (eq != std::string_view::npos && eq > 0) {
        HeaderField kind{};
        if (isHeaderKey(t.substr(0, eq), kind)) {
            const std::string_view value = t.substr(eq + 1);
            if (kind == HeaderField::Timestamp)
                return looksLikeTimestamp(value) ? HeaderField::Timestamp : HeaderField::KeyValue;
            if (kind == HeaderField::Level)
                return HeaderField::Level;
            return HeaderField::KeyValue;
        }
    }
    if (looksLikeTimestamp(t))
        return HeaderField::Timestamp;
    if (looksLikeLevel(t))
        return HeaderField::Level;
    if (std::all_of(t.begin(), t.end(), isDigit))
        return HeaderField::Number;
    if (t.size() >= 2 && t.back() == ':' && t[t.size() - 2] != ':')
        return HeaderField::Component;
    // glog's "server.go:123]": a source position closing the header.
    if (t.size() >= 3 && t.back() == ']' && t.find('[') == std::string_view::npos && t.find(':') != std::string_view::npos)
        return HeaderField::Component;
    return HeaderField::Word;
}

// The leading tokens of a line: white-space separated, a '[' group (nested, may hold blanks) is one token.
std::vector<Token> tokenize(std::string_view line, std::size_t maxTokens)
{
    std::vector<Token> tokens;
    const std::size_t limit = std::min(line.size(), HeaderLayout::kMaxScanBytes);
    std::size_t i = 0;
    while (tokens.size() < maxTokens) {
        while (i < limit && isSpace(line[i]))
            ++i;
        if (i >= limit)
            break;
        Token t;
        t.begin = i;
        bool bracketed = false;
        if (line[i] == '[') {
            int depth = 0;
            std::size_t k = i;
            for (; k < line.size() && k - i < kMaxBracket; ++k) {
                if (line[k] == '[')
                    ++depth;
                else if (line[k] == ']' && --depth == 0)
                    break;
            }
            if (depth == 0 && k < line.size() && line[k] == ']') {
                bracketed = true;
                i = k + 1;
            }
        }
        while (i < line.size() && !isSpace(line[i]))
            ++i;
        t.end = i;
        t.text = line.substr(t.begin, t.end - t.begin);
        t.kind = classify(t.text, bracketed);
        t.singleLetter = t.text.size() == 1 && std::string_view("VDIWEFA").find(t.text[0]) != std::string_view::npos;
        std::size_t gap = 0;
        while (i + gap < line.size() && isSpace(line[i + gap]))
            ++gap;
        t.wideGapAfter = gap >= 2;
        tokens.push_back(t);
    }
    return tokens;
}

// Per line: the first token at or after `from` (within kLookahead) of the wanted kind.
std::optional<std::size_t> findWithin(const std::vector<Token> &tokens, std::size_t from, HeaderField kind)
{
    for (std::size_t k = from; k < tokens.size() && k < from + kLookahead; ++k) {
        if (tokens[k].kind == kind)
            return k;
    }
    return std::nullopt;
}

bool startsWithBlank(std::string_view line)
{
    return !line.empty() && isSpace(line.front());
}

} // namespace

HeaderLayout HeaderLayout::learn(const std::vector<std::string> &sample)
{
    HeaderLayout layout;
    std::vector<std::string_view> lines;
    for (const std::string &l : sample) {
        if (!l.empty() && !startsWithBlank(l))
            lines.emplace_back(l);
    }
    if (lines.empty())
        return layout;
    // Multi-line sources (stack traces, wrapped messages): when a fair share of lines open with a timestamp but not
    // most, learn from those lines; the others are continuations.
    {
        std::vector<std::string_view> stamped;
        for (std::string_view l : lines) {
            const std::vector<Token> first = tokenize(l, 1);
            const std::size_t bar = l.find('|');
            if ((!first.empty() && first[0].kind == HeaderField::Timestamp)
                || (bar != std::string_view::npos && bar < 40 && looksLikeTimestamp(l.substr(0, bar))))
                stamped.push_back(l);
        }
        if (double(stamped.size()) >= 0.25 * double(lines.size()) && double(stamped.size()) < kConsensus * double(lines.size()))
            lines = std::move(stamped);
    }
    const double n = double(lines.size());

    // 1. '|'-delimited headers: the first field is a timestamp and the first k fields hold no blanks.
    {
        std::size_t timestamped = 0;
        for (std::string_view l : lines) {
            const std::size_t bar = l.find('|');
            const std::size_t blank = l.find(' ');
            if (bar != std::string_view::npos && bar < blank && looksLikeTimestamp(l.substr(0, bar)))
                ++timestamped;
        }
        if (double(timestamped) >= kConsensus * n) {
            std::size_t best = 1;
            for (std::size_t k = 2; k <= 8; ++k) {
                std::size_t ok = 0;
                for (std::string_view l : lines) {
                    std::size_t pos = 0, found = 0;
                    for (; found < k; ++found) {
                        const std::size_t bar = l.find('|', pos);
                        if (bar == std::string_view::npos || l.substr(pos, bar - pos).find(' ') != std::string_view::npos)
                            break;
                        pos = bar + 1;
                    }
                    ok += found == k;
                }
                if (double(ok) < 0.95 * n)
                    break;
                best = k;
            }
            layout.m_delimiter = '|';
            layout.m_delimitedFields = best;
            layout.m_delimitedTimestamp = true;
            return layout;
        }
    }

    // 2. Blank-separated columns.
    std::vector<std::vector<Token>> rows;
    rows.reserve(lines.size());
    for (std::string_view l : lines)
        rows.push_back(tokenize(l, kMaxHeaderColumns + kLookahead));
    auto share = [&](auto predicate) {
        std::size_t hits = 0;
        for (const auto &row : rows)
            hits += predicate(row) ? 1 : 0;
        return double(hits) / n;
    };
    auto kindShare = [&](std::size_t column, HeaderField kind) {
        return share([&](const std::vector<Token> &row) { return column < row.size() && row[column].kind == kind; });
    };

    // The last column (of the first few) where most lines hold a timestamp: everything before it is header.
    int anchor = -1;
    for (std::size_t c = 0; c < kMaxTimestampColumn; ++c) {
        if (kindShare(c, HeaderField::Timestamp) >= kConsensus)
            anchor = int(c);
    }
    for (int c = 0; c <= anchor; ++c) {
        const bool ts = kindShare(std::size_t(c), HeaderField::Timestamp) >= kConsensus;
        layout.m_columns.push_back(ts ? HeaderField::Timestamp : HeaderField::Word);
        if (ts && layout.m_timestampColumn < 0)
            layout.m_timestampColumn = c;
    }

    // After the timestamp: numbers, levels, bracketed fields and dashes that most lines share, words that lead to
    // one of those, aligned columns, and a "component:" that ends the header.
    std::size_t c = std::size_t(anchor + 1);
    while (c < kMaxHeaderColumns) {
        auto add = [&](HeaderField f) {
            if (f == HeaderField::Level && layout.m_levelColumn < 0)
                layout.m_levelColumn = int(layout.m_columns.size());
            layout.m_columns.push_back(f);
            ++c;
        };
        const bool atStart = layout.m_columns.empty();
        if (kindShare(c, HeaderField::Number) >= kConsensus && !atStart) {
            add(HeaderField::Number);
            continue;
        }
        if (kindShare(c, HeaderField::Level) >= kConsensus
            || share([&](const std::vector<Token> &r) { return c < r.size() && r[c].singleLetter; }) >= kConsensus) {
            add(HeaderField::Level);
            continue;
        }
        if (kindShare(c, HeaderField::Bracket) >= kConsensus) {
            add(HeaderField::Bracket);
            continue;
        }
        if (kindShare(c, HeaderField::KeyValue) >= kConsensus) {
            add(HeaderField::KeyValue);
            continue;
        }
        if (kindShare(c, HeaderField::Dash) >= kConsensus && !atStart) {
            add(HeaderField::Dash);
            continue;
        }
        if (atStart)
            break; // no timestamp and no recognisable leading field: no header
        if (share([&](const std::vector<Token> &r) { return findWithin(r, c, HeaderField::Component).has_value(); }) >= kConsensus) {
            layout.m_columns.push_back(HeaderField::Component);
            break;
        }
        if (share([&](const std::vector<Token> &r) { return findWithin(r, c + 1, HeaderField::Dash).has_value(); }) >= kConsensus) {
            // "logger - message", "chrome.exe *64 - message": when the dash sits at the same distance in most lines
            // the columns after it are learned too; otherwise the header ends at the dash.
            std::size_t bestOffset = 1;
            double bestShare = 0;
            for (std::size_t j = 1; j < kLookahead; ++j) {
                const double s = kindShare(c + j, HeaderField::Dash);
                if (s > bestShare)
                    bestShare = s, bestOffset = j;
            }
            layout.m_columns.push_back(HeaderField::Word);
            layout.m_columns.push_back(HeaderField::Dash);
            if (bestShare < kConsensus)
                break;
            c += bestOffset + 1;
            continue;
        }
        // Words (a node, a logger name) followed by a level or a bracketed field at a fixed distance.
        bool joined = false;
        for (std::size_t j = 1; j < kLookahead && !joined; ++j) {
            for (HeaderField f : {HeaderField::Level, HeaderField::Bracket}) {
                if (kindShare(c + j, f) >= kConsensus) {
                    for (std::size_t k = 0; k < j; ++k)
                        add(HeaderField::Word);
                    add(f);
                    joined = true;
                    break;
                }
            }
        }
        if (joined)
            continue;
        if (share([&](const std::vector<Token> &r) { return c < r.size() && r[c].wideGapAfter && r[c].kind == HeaderField::Word; })
            >= kConsensus) {
            add(HeaderField::Word);
            continue;
        }
        break;
    }
    if (layout.m_timestampColumn < 0 && layout.m_columns.empty())
        layout = HeaderLayout{};
    return layout;
}

std::optional<std::string_view> HeaderLayout::content(std::string_view line) const
{
    if (m_delimitedFields > 0) {
        std::size_t pos = 0;
        for (std::size_t k = 0; k < m_delimitedFields; ++k) {
            const std::size_t bar = line.find(m_delimiter, pos);
            if (bar == std::string_view::npos || (k == 0 && m_delimitedTimestamp && !looksLikeTimestamp(line.substr(0, bar))))
                return std::nullopt;
            pos = bar + 1;
        }
        return line.substr(pos);
    }
    if (m_columns.empty())
        return line;
    const std::vector<Token> tokens = tokenize(line, m_columns.size() + kLookahead);
    std::size_t t = 0;
    std::size_t end = 0;
    for (std::size_t col = 0; col < m_columns.size(); ++col) {
        const HeaderField f = m_columns[col];
        if (t >= tokens.size()) {
            if (int(col) <= m_timestampColumn)
                return std::nullopt;
            break;
        }
        if (int(col) == m_timestampColumn && tokens[t].kind != HeaderField::Timestamp)
            return std::nullopt;
        if (f == HeaderField::Component) {
            if (auto k = findWithin(tokens, t, HeaderField::Component)) {
                end = tokens[*k].end;
                t = *k + 1;
            }
            break;
        }
        if (f == HeaderField::Dash) {
            if (auto k = findWithin(tokens, t, HeaderField::Dash)) {
                end = tokens[*k].end;
                t = *k + 1;
            }
            continue;
        }
        if (f == HeaderField::Bracket && tokens[t].text.front() != '[')
            continue; // an optional bracketed field this line does not have
        end = tokens[t].end;
        ++t;
    }
    std::size_t start = end;
    while (start < line.size() && isSpace(line[start]))
        ++start;
    std::string_view rest = line.substr(start);
    return rest;
}

std::string_view HeaderLayout::level(std::string_view line) const
{
    if (m_levelColumn < 0)
        return {};
    const std::vector<Token> tokens = tokenize(line, std::size_t(m_levelColumn) + 1);
    if (std::size_t(m_levelColumn) >= tokens.size())
        return {};
    std::string_view t = tokens[std::size_t(m_levelColumn)].text;
    const std::size_t eq = t.find('=');
    if (eq != std::string_view::npos)
        t.remove_prefix(eq + 1);
    return trimPunctuation(t);
}

bool HeaderLayout::startsRecord(std::string_view line) const
{
    if (line.empty())
        return false;
    if (m_delimitedFields > 0 || m_timestampColumn >= 0)
        return content(line).has_value();
    return !startsWithBlank(line);
}

std::string HeaderLayout::describe() const
{
    if (m_delimitedFields > 0) {
        std::string out;
        for (std::size_t k = 0; k < m_delimitedFields; ++k)
            out += std::string(k == 0 && m_delimitedTimestamp ? "<Timestamp>" : "<Field>") + m_delimiter;
        return out + "<Content>";
    }
    if (m_columns.empty())
        return "<Content>";
    std::string out;
    for (HeaderField f : m_columns) {
        switch (f) {
        case HeaderField::Dash: out += "- "; break;
        case HeaderField::Component: out += "<Component>: "; break;
        case HeaderField::Bracket: out += "[<Bracket>] "; break;
        default: out += std::string("<") + headerFieldName(f) + "> "; break;
        }
    }
    return out + "<Content>";
}

} // namespace Nocturne::Engine
