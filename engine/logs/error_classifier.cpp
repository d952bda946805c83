#include "error_classifier.h"

#include <algorithm>
#include <cctype>

namespace Nocturne::Engine {

namespace {
struct Rule {
    ErrorClass cls;
    std::vector<std::string_view> phrases; // any of them (lower case)
};

// Most specific first: "Lock wait timeout" is not a generic timeout, a pool exhausted is not a refused connection.
const std::vector<Rule> &rules()
{
    static const std::vector<Rule> r = {
        {ErrorClass::LockWaitTimeout, {"lock wait timeout", "deadlock found", "waiting for lock", "lock timeout"}},
        {ErrorClass::ConnectionPoolExhausted,
         {"pool exhausted", "connection pool", "too many connections", "could not get connection", "unable to acquire connection",
          "no available connection"}},
        {ErrorClass::OutOfMemory,
         {"outofmemory", "out of memory", "java heap space", "cannot allocate memory", "oom-kill", "oomkilled", "memory exhausted"}},
        {ErrorClass::DiskFull, {"no space left on device", "disk full", "disk quota exceeded", "filesystem full"}},
        {ErrorClass::AuthenticationFailed,
         {"authentication fail", "auth fail", "failed password", "invalid user", "permission denied", "unauthorized", "access denied",
          "login failed"}},
        {ErrorClass::NullPointer, {"nullpointerexception", "null pointer", "nil pointer dereference", "segmentation fault", "null reference"}},
        {ErrorClass::ConnectionRefused, {"connection refused", "econnrefused"}},
        {ErrorClass::ConnectionTimeout,
         {"timed out", "timeout", "deadline exceeded", "etimedout", "connection reset by peer", "read timeout"}},
        {ErrorClass::DnsFailure, {"name or service not known", "unknown host", "nxdomain", "could not resolve", "temporary failure in name resolution"}},
        {ErrorClass::CertificateError, {"certificate", "x509", "ssl handshake", "tls handshake"}},
        {ErrorClass::RateLimited, {"too many requests", "rate limit", "throttl"}},
        {ErrorClass::NetworkUnreachable, {"network is unreachable", "no route to host", "host unreachable"}},
    };
    return r;
}
} // namespace

const char *errorClassName(ErrorClass c)
{
    switch (c) {
    case ErrorClass::None: return "none";
    case ErrorClass::LockWaitTimeout: return "lock_wait_timeout";
    case ErrorClass::ConnectionPoolExhausted: return "connection_pool_exhausted";
    case ErrorClass::OutOfMemory: return "out_of_memory";
    case ErrorClass::DiskFull: return "disk_full";
    case ErrorClass::AuthenticationFailed: return "authentication_failed";
    case ErrorClass::NullPointer: return "null_pointer";
    case ErrorClass::ConnectionRefused: return "connection_refused";
    case ErrorClass::ConnectionTimeout: return "connection_timeout";
    case ErrorClass::DnsFailure: return "dns_failure";
    case ErrorClass::CertificateError: return "certificate_error";
    case ErrorClass::RateLimited: return "rate_limited";
    case ErrorClass::NetworkUnreachable: return "network_unreachable";
    }
    return "none";
}

ErrorClass classifyError(std::string_view message)
{
    std::string lower(message.size(), '\0');
    std::transform(message.begin(), message.end(), lower.begin(), [](char c) { return char(std::tolower(static_cast<unsigned char>(c))); });
    for (const Rule &rule : rules()) {
        for (std::string_view phrase : rule.phrases) {
            if (lower.find(phrase) != std::string::npos)
                return rule.cls;
        }
    }
    return ErrorClass::None;
}

void TemplateIncidentAssociation::recordSeen(std::uint32_t templateId)
{
    ++m_seen[templateId];
    ++m_seenTotal;
}

void TemplateIncidentAssociation::recordConfirmed(std::uint32_t templateId, const std::string &incidentClass)
{
    ++m_confirmed[incidentClass][templateId];
    ++m_confirmedTotal[incidentClass];
}

double TemplateIncidentAssociation::lift(std::uint32_t templateId, const std::string &incidentClass) const
{
    auto cls = m_confirmed.find(incidentClass);
    auto seen = m_seen.find(templateId);
    if (cls == m_confirmed.end() || seen == m_seen.end() || m_seenTotal == 0)
        return 0.0;
    auto hit = cls->second.find(templateId);
    if (hit == cls->second.end())
        return 0.0;
    const double inClass = double(hit->second) / double(m_confirmedTotal.at(incidentClass));
    const double overall = double(seen->second) / double(m_seenTotal);
    return overall > 0 ? inClass / overall : 0.0;
}

std::pair<std::string, double> TemplateIncidentAssociation::bestClass(std::uint32_t templateId) const
{
    std::pair<std::string, double> best{{}, 0.0};
    for (const auto &[cls, counts] : m_confirmed) {
        if (!counts.count(templateId))
            continue;
        const double l = lift(templateId, cls);
        if (l > best.second)
            best = {cls, l};
    }
    return best;
}

std::vector<TemplateIncidentAssociation::Row> TemplateIncidentAssociation::exportRows() const
{
    std::vector<Row> rows;
    for (const auto &[id, n] : m_seen)
        rows.push_back({{}, id, n});
    for (const auto &[cls, counts] : m_confirmed)
        for (const auto &[id, n] : counts)
            rows.push_back({cls, id, n});
    return rows;
}

void TemplateIncidentAssociation::importRows(const std::vector<Row> &rows)
{
    m_seen.clear();
    m_confirmed.clear();
    m_seenTotal = 0;
    m_confirmedTotal.clear();
    for (const Row &r : rows) {
        if (r.incidentClass.empty()) {
            m_seen[r.templateId] += r.count;
            m_seenTotal += r.count;
        } else {
            m_confirmed[r.incidentClass][r.templateId] += r.count;
            m_confirmedTotal[r.incidentClass] += r.count;
        }
    }
}

} // namespace Nocturne::Engine
