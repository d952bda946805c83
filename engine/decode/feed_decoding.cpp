#include "feed_decoding.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "decode/decoders_internal.h"

namespace Nocturne::Engine {

namespace {
constexpr std::pair<Signal, const char *> kSignals[] = {
    {Signal::Metrics, "metrics"}, {Signal::Logs, "logs"}, {Signal::Traces, "traces"}, {Signal::Events, "events"}};
constexpr std::pair<Encoding, const char *> kEncodings[] = {{Encoding::OtlpProto, "otlp_proto"},
                                                            {Encoding::OtlpJson, "otlp_json"},
                                                            {Encoding::JsonLines, "json_lines"},
                                                            {Encoding::RawText, "raw"}};

bool validNameChar(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

void appendSanitised(std::string &out, std::string_view name)
{
    for (std::size_t i = 0; i < name.size(); ++i)
        out += validNameChar(name[i], i == 0) ? name[i] : '_';
}

void appendLengthPrefixed(std::string &out, std::string_view s)
{
    const auto n = static_cast<std::uint32_t>(s.size());
    out.append(reinterpret_cast<const char *>(&n), sizeof n);
    out.append(s);
}

// Length of a valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8Length(std::string_view s, std::size_t i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
            return 0;
    }
    return n;
}
} // namespace

const char *signalName(Signal signal)
{
    for (const auto &[s, name] : kSignals) {
        if (s == signal)
            return name;
    }
    return "?";
}

const char *encodingName(Encoding encoding)
{
    for (const auto &[e, name] : kEncodings) {
        if (e == encoding)
            return name;
    }
    return "?";
}

Result<Signal> parseSignal(std::string_view text)
{
    for (const auto &[s, name] : kSignals) {
        if (text == name)
            return s;
    }
    return makeError(ErrorCode::InvalidArgument,
                     "unknown signal '" + std::string(text) + "' (expected metrics, logs, traces or events)");
}

Result<Encoding> parseEncoding(std::string_view text)
{
    for (const auto &[e, name] : kEncodings) {
        if (text == name)
            return e;
    }
    if (text == "text" || text == "raw_text")
        return Encoding::RawText;
    return makeError(ErrorCode::InvalidArgument,
                     "unknown encoding '" + std::string(text) + "' (expected otlp_proto, otlp_json, json_lines or raw)");
}

Status checkSupported(Signal signal, Encoding encoding)
{
    const bool ok = (encoding == Encoding::OtlpProto || encoding == Encoding::OtlpJson) ? signal != Signal::Events
                  : encoding == Encoding::JsonLines                                      ? signal != Signal::Traces
                                                                                         : signal == Signal::Logs;
    if (ok)
        return {};
    return makeError(ErrorCode::InvalidArgument, std::string("encoding ") + encodingName(encoding)
                                                     + " is not supported for " + signalName(signal));
}

std::string printableExcerpt(std::string_view raw, std::size_t maxBytes)
{
    std::string out;
    out.reserve(std::min(raw.size(), maxBytes) + 8);
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t i = 0;
    while (i < raw.size() && out.size() < maxBytes) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (c >= 0x20 && c < 0x7F) {
            out += char(c);
            ++i;
        } else if (std::size_t n = c >= 0x80 ? utf8Length(raw, i) : 0) {
            out.append(raw.substr(i, n));
            i += n;
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
            ++i;
        }
    }
    if (i < raw.size())
        out += "…";
    return out;
}

std::optional<Timestamp> timestampFromNumber(double v)
{
    if (!std::isfinite(v) || v < 0)
        return std::nullopt;
    double ns = v < 1e11 ? v * 1e9 : v < 1e14 ? v * 1e6 : v < 1e17 ? v * 1e3 : v;
    if (ns > 9.2e18)
        return std::nullopt;
    return static_cast<Timestamp>(std::llround(ns));
}

SeriesResolver::SeriesResolver(SeriesStore &store, Limits limits)
    : m_store(store)
    , m_limits(limits)
{
}

SeriesResolver::Resolved SeriesResolver::resolve(std::string_view name, std::vector<LabelView> &labels)
{
    if (name.empty())
        return {std::nullopt, RejectReason::MissingField};
    if (labels.size() > m_limits.maxLabels || name.size() > m_limits.maxNameBytes)
        return {std::nullopt, RejectReason::LabelLimit};
    m_rawKey.clear();
    appendLengthPrefixed(m_rawKey, name);
    for (const LabelView &l : labels) {
        appendLengthPrefixed(m_rawKey, l.name);
        appendLengthPrefixed(m_rawKey, l.value);
    }
    if (auto it = m_rawIds.find(std::string_view(m_rawKey)); it != m_rawIds.end())
        return {it->second, nullptr};
    auto resolved = resolveSlow(name, labels);
    if (resolved.id) {
        if (m_rawIds.size() >= 4 * m_limits.maxSeries)
            m_rawIds.clear();
        m_rawIds.emplace(m_rawKey, *resolved.id);
    }
    return resolved;
}

SeriesResolver::Resolved SeriesResolver::resolveSlow(std::string_view name, std::vector<LabelView> &labels)
{
    // Sanitised names, then a stable order by sanitised name so that the last duplicate wins.
    if (m_names.size() < labels.size())
        m_names.resize(labels.size());
    m_order.clear();
    for (std::uint32_t i = 0; i < labels.size(); ++i) {
        if (labels[i].name.size() > m_limits.maxNameBytes || labels[i].value.size() > m_limits.maxValueBytes)
            return {std::nullopt, RejectReason::LabelLimit};
        if (labels[i].value.empty() || labels[i].name.empty())
            continue;
        m_names[i].clear();
        appendSanitised(m_names[i], labels[i].name);
        m_order.push_back(i);
    }
    std::stable_sort(m_order.begin(), m_order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return m_names[a] < m_names[b]; });
    m_key.clear();
    appendSanitised(m_key, name);
    const std::size_t nameEnd = m_key.size();
    m_key += '\0';
    for (std::size_t k = 0; k < m_order.size(); ++k) {
        const std::uint32_t i = m_order[k];
        if (k + 1 < m_order.size() && m_names[m_order[k + 1]] == m_names[i])
            continue; // a later duplicate wins
        appendLengthPrefixed(m_key, m_names[i]);
        appendLengthPrefixed(m_key, labels[i].value);
    }
    if (auto it = m_ids.find(std::string_view(m_key)); it != m_ids.end())
        return {it->second, nullptr};
    if (m_ids.size() >= m_limits.maxSeries)
        return {std::nullopt, RejectReason::SeriesLimit};
    Labels owned;
    owned.reserve(m_order.size());
    for (std::size_t k = 0; k < m_order.size(); ++k) {
        const std::uint32_t i = m_order[k];
        if (k + 1 < m_order.size() && m_names[m_order[k + 1]] == m_names[i])
            continue;
        owned.push_back({m_names[i], std::string(labels[i].value)});
    }
    const SeriesId id = m_store.intern(SeriesKey::make(m_key.substr(0, nameEnd), std::move(owned)));
    m_ids.emplace(m_key, id);
    return {id, nullptr};
}

Result<std::unique_ptr<FeedDecoder>> FeedDecoder::make(Signal signal, Encoding encoding, SeriesStore &store,
                                                      SeriesResolver::Limits limits)
{
    if (auto ok = checkSupported(signal, encoding); !ok)
        return tl::unexpected(ok.error());
    switch (encoding) {
    case Encoding::OtlpProto:
        return Detail::makeOtlpProtoDecoder(signal, store, limits);
    case Encoding::OtlpJson:
        return Detail::makeOtlpJsonDecoder(signal, store, limits);
    case Encoding::JsonLines:
        return Detail::makeJsonLinesDecoder(signal, store, limits);
    case Encoding::RawText:
        return Detail::makeRawTextDecoder();
    }
    return makeError(ErrorCode::InvalidArgument, "unknown encoding");
}

} // namespace Nocturne::Engine
