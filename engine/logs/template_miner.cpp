#include "template_miner.h"

#include "logs/log_header.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <unordered_map>

namespace Nocturne::Engine {

namespace {

const std::string kWild = "<*>";

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
bool isHex(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Characters that separate the parts of a token (kept verbatim around masked parts); a table, this is the hot path.
constexpr auto kDelimiterTable = [] {
    std::array<bool, 256> table{};
    for (char c : std::string_view(":=,;()[]{}\"'<>|#"))
        table[static_cast<unsigned char>(c)] = true;
    return table;
}();

bool isDelimiter(char c)
{
    return kDelimiterTable[static_cast<unsigned char>(c)];
}

bool isStructural(char c)
{
    return isDelimiter(c);
}

// A token part is a variable when it is number-like (digits with . - + , and optional unit-free sign), hexadecimal
// with digits (0x…, or 8+ hex characters), an IP, a UUID, a path with two or more segments, or an identifier whose
// digits dominate (blk_123…, attempt_14451…_0020, R02-M1-N0).
bool isVariablePart(std::string_view part)
{
    if (part.empty())
        return false;
    if (part == "true" || part == "false" || part == "True" || part == "False" || part == "TRUE" || part == "FALSE")
        return true; // flags are values
    // One pass over the characters (this runs for every token of every line).
    std::size_t digits = 0, hex = 0, slashes = 0, dashes = 0;
    bool numeric = true, joined = false;
    for (char c : part) {
        const bool digit = isDigit(c);
        digits += digit;
        hex += isHex(c);
        slashes += c == '/';
        dashes += c == '-';
        joined |= c == '_' || c == '-';
        numeric &= digit || c == '.' || c == '-' || c == '+' || c == '/';
    }
    if (digits == 0) {
        // Absolute paths ("/default-rack", "/var/log/x") are data, not message text.
        return slashes >= 1 && part.front() == '/' && part.size() >= 2;
    }
    // Pure numbers, dates, versions, IPs: digits and . - + / only (':' separates parts: "ip:port" → "<*>:<*>").
    if (numeric)
        return true;
    if (slashes == 0 && part.find('.') != std::string_view::npos) {
        // A dotted name with a word segment ("core.2275", "node.12.state"): only its numeric segments vary.
        std::size_t from = 0;
        for (std::size_t k = 0; k <= part.size(); ++k) {
            if (k == part.size() || part[k] == '.') {
                const std::string_view sub = part.substr(from, k - from);
                if (sub.size() >= 2 && std::all_of(sub.begin(), sub.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }))
                    return false;
                from = k + 1;
            }
        }
    }
    if (part.size() > 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X'))
        return true;
    if (hex == part.size() - dashes && part.size() >= 8)
        return true; // hex blobs and UUIDs
    if (const std::size_t at = part.rfind('@'); at != std::string_view::npos && at + 1 < part.size()
        && std::all_of(part.begin() + std::ptrdiff_t(at) + 1, part.end(), isHex))
        return true; // an object's identity: com.example.Foo@3f2a1c
    if (slashes >= 1)
        return true; // paths and URLs that carry ids
    // Identifiers: an underscore or dash joined id with digits (blk_-123, job_1445_0001), or mostly digits.
    return (joined && digits >= 2) || digits * 2 >= part.size();
}

// A word with no digits and no variable: message text (or a name) rather than a value.
bool isPlainWord(const std::string &token)
{
    bool letter = false;
    for (char c : token) {
        if (isDigit(c) || c == '<')
            return false;
        letter |= std::isalpha(static_cast<unsigned char>(c)) != 0;
    }
    return letter;
}

// An upper-case constant such as a state or an event type (NEW, TASK_ABORT, android.intent.action.SCREEN_ON).
bool isEnumWord(const std::string &whole)
{
    const std::size_t dot = whole.rfind('.');
    const std::string_view token = std::string_view(whole).substr(dot == std::string::npos ? 0 : dot + 1);
    std::size_t letters = 0;
    for (char c : token) {
        if (c >= 'A' && c <= 'Z')
            ++letters;
        else if (c != '_')
            return false;
    }
    return letters >= 2;
}

bool isHexColonAddress(std::string_view token)
{
    while (!token.empty() && (token.back() == ',' || token.back() == ';' || token.back() == ')' || token.back() == ']'))
        token.remove_suffix(1);
    std::size_t colons = 0, hexLetters = 0, digits = 0;
    bool doubleColon = false;
    for (std::size_t i = 0; i < token.size(); ++i) {
        const char c = token[i];
        if (c == ':') {
            ++colons;
            doubleColon |= i > 0 && token[i - 1] == ':';
        } else if (isDigit(c)) {
            ++digits;
        } else if (isHex(c)) {
            ++hexLetters;
        } else {
            return false;
        }
    }
    return colons >= 3 && (hexLetters > 0 || doubleColon) && hexLetters + digits >= 4;
}

bool isUnit(std::string_view token)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "kB", "KiB", "MiB", "GiB"};
    for (const char *u : units) {
        if (token == u)
            return true;
    }
    return false;
}

std::string maskToken(std::string_view token)
{
    // URLs: the scheme is message text, the rest is a value ("hdfs://<*>").
    if (const std::size_t scheme = token.find("://"); scheme != std::string_view::npos && scheme > 0 && scheme + 3 < token.size())
        return std::string(token.substr(0, scheme + 3)) + kWild;
    // Fast path: a token without digits and with fewer than two slashes can hold no variable part.
    std::size_t digits = 0, slashes = 0;
    for (char c : token) {
        digits += isDigit(c);
        slashes += c == '/';
    }
    if (digits == 0 && (slashes == 0 || token.front() != '/')) {
        const std::string_view bare = token.substr(0, token.find_last_not_of(".,;") + 1);
        return bare.size() >= 4 && isVariablePart(bare) ? kWild + std::string(token.substr(bare.size())) : std::string(token);
    }
    // MAC addresses and IPv6: hex groups joined by ':' (at least one hex letter or "::", so times stay "<*>:<*>:<*>").
    if (isHexColonAddress(token))
        return kWild;
    // A sentence's full stop is not part of the value before it: "host:8030." → "<*>:<*>.".
    if (token.size() > 1 && token.back() == '.' && isDigit(token[token.size() - 2]) && token.find('/') == std::string_view::npos)
        return maskToken(token.substr(0, token.size() - 1)) + '.';
    // Tokens with structure (key=value, ip:port, call(args), [x]) are masked part by part so the structure stays.
    if (std::none_of(token.begin(), token.end(), isStructural) && isVariablePart(token))
        return kWild;
    // Mask delimited parts inside the token, keeping the delimiters: "mice.c(1234)]:" → "mice.c(<*>)]:".
    std::string out;
    std::size_t start = 0;
    bool masked = false;
    for (std::size_t i = 0; i <= token.size(); ++i) {
        if (i == token.size() || isDelimiter(token[i])) {
            const std::string_view part = token.substr(start, i - start);
            const std::size_t slash = part.find('/');
            if (slash != std::string_view::npos && slash > 0 && slash + 1 < part.size() && part.find('/', slash + 1) == std::string_view::npos
                && isVariablePart(part.substr(0, slash)) && isVariablePart(part.substr(slash + 1))) {
                // "host-41/10.190.173.170": a host and its address are two values.
                out += kWild;
                out += '/';
                out += kWild;
                masked = true;
            } else if (isVariablePart(part)) {
                out += kWild;
                masked = true;
            } else if (part.find('.') != std::string_view::npos && std::any_of(part.begin(), part.end(), isDigit)) {
                // Dotted names with a numeric component: "core.2275" → "core.<*>".
                std::size_t from = 0;
                for (std::size_t k = 0; k <= part.size(); ++k) {
                    if (k == part.size() || part[k] == '.') {
                        const std::string_view sub = part.substr(from, k - from);
                        if (isVariablePart(sub)) {
                            out += kWild;
                            masked = true;
                        } else {
                            out.append(sub);
                        }
                        if (k < part.size())
                            out += '.';
                        from = k + 1;
                    }
                }
            } else {
                out.append(part);
            }
            if (i < token.size())
                out += token[i];
            start = i + 1;
        }
    }
    // "key=<*>" style tokens stay as they are; a token that was all variable collapses to one <*>.
    return masked ? out : std::string(token);
}

// Merges two different tokens keeping what they share up to a delimiter: "rhost=a.example" and "rhost=<*>" give
// "rhost=<*>"; "LOGIN(uid=<*>)" and "(uid=<*>)" give "<*>(uid=<*>)"; nothing in common gives "<*>".
std::string mergeTokens(const std::string &a, const std::string &b)
{
    if (a == b)
        return a;
    std::size_t prefix = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()) && a[i] == b[i]; ++i) {
        if (isDelimiter(a[i]))
            prefix = i + 1;
    }
    std::size_t suffix = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()) - std::min(prefix, std::min(a.size(), b.size())) && a[a.size() - 1 - i] == b[b.size() - 1 - i]; ++i) {
        if (isDelimiter(a[a.size() - 1 - i]))
            suffix = i + 1;
    }
    if (prefix + suffix == 0)
        return kWild;
    std::string merged = a.substr(0, prefix) + kWild + a.substr(a.size() - suffix);
    // The shared prefix or suffix may end in a variable already: "<*><*>" is one variable.
    for (std::size_t pos; (pos = merged.find("<*><*>")) != std::string::npos;)
        merged.erase(pos, kWild.size());
    return merged;
}

// Calls fn(offset, token) for every white-space separated token of a message.
template<typename Fn>
void forEachToken(std::string_view content, Fn fn)
{
    std::size_t i = 0;
    while (i < content.size()) {
        while (i < content.size() && std::isspace(static_cast<unsigned char>(content[i])))
            ++i;
        const std::size_t start = i;
        while (i < content.size() && !std::isspace(static_cast<unsigned char>(content[i])))
            ++i;
        if (i > start)
            fn(start, content.substr(start, i - start));
    }
}

} // namespace

std::string MinedTemplate::text() const
{
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i)
            out += ' ';
        out += tokens[i];
    }
    return out;
}

// Whether a word could be a month or weekday name (its first three letters are one's): a cheap filter before the
// full timestamp test.
bool mayBeDateName(std::string_view t)
{
    if (t.size() < 3 || t.size() > 9)
        return false;
    const auto lower = [](char c) { return char(c | 0x20); };
    const std::uint32_t key = std::uint32_t(std::uint8_t(lower(t[0]))) << 16 | std::uint32_t(std::uint8_t(lower(t[1]))) << 8
                            | std::uint32_t(std::uint8_t(lower(t[2])));
    static constexpr std::array<std::string_view, 19> names = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                                               "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (std::string_view n : names) {
        if (key == (std::uint32_t(std::uint8_t(n[0])) << 16 | std::uint32_t(std::uint8_t(n[1])) << 8 | std::uint32_t(std::uint8_t(n[2]))))
            return true;
    }
    return false;
}

std::vector<std::string> TemplateMiner::maskedTokens(std::string_view content)
{
    // Bounds: past kMaxTokens the rest of the line is one variable; a token longer than kMaxTokenBytes is data.
    thread_local std::vector<std::string_view> raw; // reused: this runs for every line
    raw.clear();
    bool capped = false;
    forEachToken(content, [&](std::size_t, std::string_view token) {
        if (raw.size() < TemplateMiner::kMaxTokens + 8)
            raw.push_back(token);
        else
            capped = true;
    });
    auto dateWord = [](std::string_view t) {
        return looksLikeTimestamp(t) || (!t.empty() && t.size() <= 4 && std::all_of(t.begin(), t.end(), isDigit));
    };
    std::vector<std::string> tokens;
    tokens.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (tokens.size() == TemplateMiner::kMaxTokens) {
            tokens.back() = kWild;
            break;
        }
        std::string_view token = raw[i];
        // An embedded date-time ("at Fri Jun 17 07:07:00 2005") is one value: the time's mask stands for all of it.
        const bool maybeName = mayBeDateName(token);
        // (A date has a number within the next two tokens: checked before the name lookup, which is dearer.)
        if (maybeName && i + 2 < raw.size()
            && (std::any_of(raw[i + 1].begin(), raw[i + 1].end(), isDigit) || std::any_of(raw[i + 2].begin(), raw[i + 2].end(), isDigit))
            && looksLikeTimestamp(token)) {
            std::size_t j = i, timeAt = raw.size();
            while (j < raw.size() && j < i + 6 && dateWord(raw[j])) {
                if (raw[j].find(':') != std::string_view::npos && timeAt == raw.size())
                    timeAt = j;
                ++j;
            }
            if (timeAt != raw.size() && j - i >= 3) {
                token = raw[timeAt];
                i = j - 1;
            }
        }
        std::string masked = token.size() > TemplateMiner::kMaxTokenBytes ? kWild : maskToken(token);
        if (!tokens.empty() && tokens.back() == kWild) {
            // "<*> KB" and "<*> KB)," are one value with its unit.
            const std::size_t unitEnd = masked.find_first_of(",;)]}");
            if (isUnit(std::string_view(masked).substr(0, unitEnd))) {
                if (unitEnd != std::string::npos)
                    tokens.back() += masked.substr(unitEnd);
                continue;
            }
            // A long run of variables (a list of channels or ids) is one variable; short runs stay, they are
            // usually distinct fields ("REPORT : <*> <*> <*> <*>").
            if (masked == kWild && tokens.size() >= 4 && tokens[tokens.size() - 2] == kWild && tokens[tokens.size() - 3] == kWild
                && tokens[tokens.size() - 4] == kWild)
                continue;
        }
        tokens.push_back(std::move(masked));
    }
    if (capped && !tokens.empty())
        tokens.back() = kWild;
    return tokens;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> TemplateMiner::variableSpans(std::string_view content)
{
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
    forEachToken(content, [&](std::size_t start, std::string_view token) {
        if (maskToken(token) == token)
            return;
        // Same decision as maskToken: the whole token, or each delimited part (and dotted sub-part).
        if (std::none_of(token.begin(), token.end(), isStructural) && isVariablePart(token)) {
            spans.emplace_back(std::uint32_t(start), std::uint32_t(token.size()));
            return;
        }
        std::size_t partStart = 0;
        for (std::size_t k = 0; k <= token.size(); ++k) {
            if (k == token.size() || isDelimiter(token[k])) {
                const std::string_view part = token.substr(partStart, k - partStart);
                if (isVariablePart(part)) {
                    spans.emplace_back(std::uint32_t(start + partStart), std::uint32_t(part.size()));
                } else if (part.find('.') != std::string_view::npos) {
                    std::size_t from = 0;
                    for (std::size_t d = 0; d <= part.size(); ++d) {
                        if (d == part.size() || part[d] == '.') {
                            if (isVariablePart(part.substr(from, d - from)))
                                spans.emplace_back(std::uint32_t(start + partStart + from), std::uint32_t(d - from));
                            from = d + 1;
                        }
                    }
                }
                partStart = k + 1;
            }
        }
    });
    return spans;
}

struct TemplateMiner::Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    std::vector<std::uint32_t> templates; // at leaves
    // Leaves past kIndexFrom templates (a source of very many distinct messages) compare a line with the templates
    // that share a constant token at the same position, not with every template: postings by (position, token), the
    // newest kMaxPosting of each list scanned. Entries may be stale after a merge; similarity is always recomputed.
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings;
    std::vector<std::uint32_t> allWild; // templates with no constant token left (they match any line of the length)
    bool indexed = false;
};

namespace {
constexpr std::size_t kIndexFrom = 64;
constexpr std::size_t kMaxPosting = 64;
constexpr std::size_t kWordValues = 3; // distinct words at one position before it is a variable

std::uint64_t postingKey(std::size_t position, const std::string &token)
{
    return std::hash<std::string>{}(token) ^ (std::uint64_t(position + 1) * 0x9E3779B97F4A7C15ULL);
}
} // namespace

void TemplateMiner::indexTemplate(Node &node, std::uint32_t index)
{
    const MinedTemplate &t = m_templates[index];
    bool constant = false;
    for (std::size_t i = 0; i < t.tokens.size(); ++i) {
        if (t.tokens[i] == kWild)
            continue;
        constant = true;
        node.postings[postingKey(i, t.tokens[i])].push_back(index);
    }
    if (!constant)
        node.allWild.push_back(index);
}

bool TemplateMiner::keepApart(const std::vector<std::uint32_t> &candidates, std::uint32_t best, const std::vector<std::string> &tokens)
{
    // A line that differs from its best template in one word only (both plain words, the template's still a
    // constant) is a variable only once that position has shown kWordValues different words: "state 'Active'" and
    // "state 'Inactive'" stay two messages, user names become <*> once a third one appears. The family is the
    // templates equal to the best one but for that position; when it is large enough they all become one text.
    const MinedTemplate &t = m_templates[best];
    std::size_t position = tokens.size();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (t.tokens[i] == tokens[i] || t.tokens[i] == kWild)
            continue;
        if (position != tokens.size() || !isPlainWord(t.tokens[i]) || !isPlainWord(tokens[i]))
            return false;
        position = i;
    }
    if (position == tokens.size())
        return false;
    std::vector<std::uint32_t> family;
    for (std::uint32_t index : candidates) {
        const MinedTemplate &u = m_templates[index];
        bool same = u.tokens.size() == t.tokens.size() && isPlainWord(u.tokens[position]);
        for (std::size_t i = 0; same && i < tokens.size(); ++i)
            same = i == position || u.tokens[i] == t.tokens[i];
        if (same)
            family.push_back(index);
    }
    if (family.size() + 1 < kWordValues)
        return true;
    for (std::uint32_t index : family)
        m_templates[index].tokens[position] = mergeTokens(m_templates[index].tokens[position], tokens[position]);
    return false;
}

void TemplateMiner::addToLeaf(Node &node, std::uint32_t index)
{
    node.templates.push_back(index);
    if (node.indexed) {
        indexTemplate(node, index);
    } else if (node.templates.size() >= kIndexFrom) {
        node.indexed = true;
        for (std::uint32_t i : node.templates)
            indexTemplate(node, i);
    }
}

TemplateMiner::TemplateMiner(MinerConfig config)
    : m_config(config)
{
}

TemplateMiner::~TemplateMiner() = default;
TemplateMiner::TemplateMiner(TemplateMiner &&) noexcept = default;
TemplateMiner &TemplateMiner::operator=(TemplateMiner &&) noexcept = default;

TemplateMiner::Node *TemplateMiner::leafFor(const std::vector<std::string> &tokens)
{
    // Route: token count (indexed directly), then up to prefixDepth leading tokens; a variable-looking token or an
    // over-full node routes through <*>.
    if (m_byLength.size() <= tokens.size())
        m_byLength.resize(tokens.size() + 1);
    if (!m_byLength[tokens.size()])
        m_byLength[tokens.size()] = std::make_unique<Node>();
    Node *node = m_byLength[tokens.size()].get();
    for (int depth = 0; depth < m_config.prefixDepth && std::size_t(depth) < tokens.size(); ++depth) {
        const std::string &token = tokens[std::size_t(depth)];
        const bool variable = token.find(kWild) != std::string::npos || std::any_of(token.begin(), token.end(), isDigit);
        std::string key = variable ? kWild : token;
        auto it = node->children.find(key);
        if (it == node->children.end()) {
            if (node->children.size() >= m_config.maxChildren)
                key = kWild;
            auto &slot = node->children[key];
            if (!slot)
                slot = std::make_unique<Node>();
            node = slot.get();
        } else {
            node = it->second.get();
        }
    }
    return node;
}

void TemplateMiner::restore(std::vector<MinedTemplate> saved)
{
    m_byLength.clear();
    m_overflow.clear();
    m_templates.clear();
    for (std::size_t i = 0; i < saved.size(); ++i) {
        MinedTemplate t = std::move(saved[i]);
        t.id = TemplateId{std::uint32_t(i)};
        const std::size_t length = t.tokens.size();
        Node *node = leafFor(t.tokens);
        const bool overflow = length > 0 && std::all_of(t.tokens.begin(), t.tokens.end(), [](const std::string &x) { return x == kWild; })
                           && m_overflow.find(length) == m_overflow.end() && i >= m_config.maxTemplates;
        const std::uint32_t index = t.id.value;
        m_templates.push_back(std::move(t));
        if (overflow)
            m_overflow[length] = index;
        else
            addToLeaf(*node, index);
    }
}

TemplateId TemplateMiner::add(std::string_view content)
{
    std::vector<std::string> tokens = maskedTokens(content);

    Node *node = leafFor(tokens);

    // Most similar template in the leaf: share of positions with the same token (variables count as matches but
    // are not evidence), ties to the one with more constant tokens.
    std::int64_t best = -1;
    double bestScore = -1;
    std::size_t bestWild = 0;
    const std::vector<std::uint32_t> *candidates = &node->templates;
    if (node->indexed) {
        // Candidates from the postings, in template order so ties break as in a full scan.
        m_candidates.clear();
        ++m_epoch;
        if (m_stamp.size() < m_templates.size())
            m_stamp.resize(m_templates.size(), 0);
        auto take = [&](const std::vector<std::uint32_t> &list) {
            for (std::size_t k = list.size() > kMaxPosting ? list.size() - kMaxPosting : 0; k < list.size(); ++k) {
                if (m_stamp[list[k]] != m_epoch) {
                    m_stamp[list[k]] = m_epoch;
                    m_candidates.push_back(list[k]);
                }
            }
        };
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (tokens[i] == kWild)
                continue;
            if (auto it = node->postings.find(postingKey(i, tokens[i])); it != node->postings.end())
                take(it->second);
        }
        take(node->allWild);
        std::sort(m_candidates.begin(), m_candidates.end());
        candidates = &m_candidates;
    }
    for (std::uint32_t index : *candidates) {
        const MinedTemplate &t = m_templates[index];
        std::size_t same = 0, wild = 0, words = 0;
        bool enumeration = false;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (t.tokens[i] == kWild) {
                ++wild;
            } else if (t.tokens[i] == tokens[i]) {
                ++same;
            } else if (isPlainWord(t.tokens[i]) && isPlainWord(tokens[i])) {
                ++words;
                enumeration |= isEnumWord(t.tokens[i]) && isEnumWord(tokens[i]);
            }
        }
        // Different words in two places, or two different upper-case constants ("from NEW to ASSIGNED", "EventType:
        // JOB_SETUP"), are different messages, not one message with a variable: values carry digits or vary alone.
        if (words >= 2 || enumeration)
            continue;
        // Positions that are already variables carry no evidence either way: similarity is the share of the
        // template's constant positions that this line repeats.
        const std::size_t constants = tokens.size() - wild;
        const double score = constants == 0 ? 1.0 : double(same) / double(constants);
        if (score > bestScore || (score == bestScore && wild < bestWild)) {
            bestScore = score;
            best = index;
            bestWild = wild;
        }
    }
    const bool capacity = m_templates.size() >= m_config.maxTemplates;
    if (capacity && best < 0) {
        // Memory bound reached and nothing to join here: the line goes to its length's overflow template.
        auto [it, inserted] = m_overflow.try_emplace(tokens.size(), 0);
        if (inserted) {
            MinedTemplate t;
            t.id = TemplateId{static_cast<std::uint32_t>(m_templates.size())};
            t.tokens.assign(tokens.size(), kWild);
            m_templates.push_back(std::move(t));
            it->second = m_templates.back().id.value;
        }
        ++m_templates[it->second].count;
        return m_templates[it->second].id;
    }
    m_lastVariant = false;
    if (best >= 0 && bestScore >= m_config.similarity && !capacity && keepApart(*candidates, std::uint32_t(best), tokens)) {
        best = -1; // a word with too few values yet to be a variable: its own template for now
        m_lastVariant = true;
    }
    if (best >= 0 && (bestScore >= m_config.similarity || tokens.empty() || capacity)) {
        MinedTemplate &t = m_templates[std::size_t(best)];
        bool constant = false;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (t.tokens[i] != tokens[i])
                t.tokens[i] = mergeTokens(t.tokens[i], tokens[i]);
            constant |= t.tokens[i] != kWild;
        }
        if (node->indexed && !constant && bestWild < tokens.size())
            node->allWild.push_back(t.id.value); // just lost its last constant token
        ++t.count;
        return t.id;
    }
    MinedTemplate t;
    t.id = TemplateId{static_cast<std::uint32_t>(m_templates.size())};
    t.tokens = std::move(tokens);
    t.count = 1;
    const std::uint32_t index = t.id.value;
    m_templates.push_back(std::move(t));
    addToLeaf(*node, index);
    return m_templates.back().id;
}

} // namespace Nocturne::Engine
