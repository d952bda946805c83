#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace Nocturne::Engine {

// The error classes operators name in incidents (product brief), most specific first.
enum class ErrorClass : std::uint8_t {
    None,
    LockWaitTimeout,
    ConnectionPoolExhausted,
    OutOfMemory,
    DiskFull,
    AuthenticationFailed,
    NullPointer,
    ConnectionRefused,
    ConnectionTimeout,
    DnsFailure,
    CertificateError,
    RateLimited,
    NetworkUnreachable,
};
const char *errorClassName(ErrorClass c);

// Rule-based classification of a message or template (case-insensitive phrases; general, not per source).
ErrorClass classifyError(std::string_view message);

// Learned association of templates with confirmed incidents: how much more often a template shows up in confirmed
// incidents of a class than overall (lift), so evidence ranking can prefer templates that were right before.
class TemplateIncidentAssociation
{
public:
    void recordSeen(std::uint32_t templateId);
    void recordConfirmed(std::uint32_t templateId, const std::string &incidentClass);
    // P(template | confirmed incidents of the class) / P(template overall); 0 when unknown.
    double lift(std::uint32_t templateId, const std::string &incidentClass) const;
    // The class this template was most associated with, and that lift (empty, 0 when none).
    std::pair<std::string, double> bestClass(std::uint32_t templateId) const;

    // Counts as rows for storage: class "" holds the overall (seen) counts.
    struct Row
    {
        std::string incidentClass;
        std::uint32_t templateId = 0;
        std::uint64_t count = 0;
    };
    std::vector<Row> exportRows() const;
    void importRows(const std::vector<Row> &rows);

private:
    std::unordered_map<std::uint32_t, std::uint64_t> m_seen;
    std::uint64_t m_seenTotal = 0;
    std::unordered_map<std::string, std::unordered_map<std::uint32_t, std::uint64_t>> m_confirmed;
    std::unordered_map<std::string, std::uint64_t> m_confirmedTotal;
};

} // namespace Nocturne::Engine
