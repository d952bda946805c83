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
        // Phrases in English, simplified and traditional Chinese (the wording Chinese operations teams' services log).
        {ErrorClass::LockWaitTimeout,
         {"lock wait timeout", "deadlock found", "waiting for lock", "lock timeout", "行锁等待超时", "锁等待超时", "等待锁超时", "获取锁超时",
          "死锁", "鎖等待逾時", "死鎖"}},
        {ErrorClass::ConnectionPoolExhausted,
         {"pool exhausted", "connection pool", "too many connections", "could not get connection", "unable to acquire connection",
          "no available connection", "连接池耗尽", "连接池已满", "连接池满", "连接池不足", "无可用连接", "没有可用连接", "连接数过多",
          "连接数已满", "连接数超限", "連接池耗盡", "連線池耗盡", "無可用連線"}},
        {ErrorClass::OutOfMemory,
         {"outofmemory", "out of memory", "java heap space", "cannot allocate memory", "oom-kill", "oomkilled", "memory exhausted",
          "内存溢出", "内存不足", "内存耗尽", "堆内存溢出", "无法分配内存", "内存泄漏", "記憶體不足", "記憶體溢位", "記憶體耗盡"}},
        {ErrorClass::DiskFull,
         {"no space left on device", "disk full", "disk quota exceeded", "filesystem full", "磁盘已满", "磁盘空间不足", "磁盘满", "磁盘写满",
          "设备上没有空间", "存储空间不足", "磁碟已滿", "磁碟空間不足"}},
        {ErrorClass::AuthenticationFailed,
         {"authentication fail", "auth fail", "failed password", "invalid user", "permission denied", "unauthorized", "access denied",
          "login failed", "认证失败", "鉴权失败", "身份验证失败", "密码错误", "权限不足", "拒绝访问", "登录失败", "未授权", "無權限", "認證失敗",
          "登入失敗", "密碼錯誤", "拒絕存取"}},
        {ErrorClass::NullPointer, {"nullpointerexception", "null pointer", "nil pointer dereference", "segmentation fault", "null reference",
                                   "空指针", "段错误", "空指標", "記憶體區段錯誤"}},
        {ErrorClass::ConnectionRefused, {"connection refused", "econnrefused", "连接被拒绝", "拒绝连接", "連線被拒", "拒絕連線"}},
        {ErrorClass::ConnectionTimeout,
         {"timed out", "timeout", "deadline exceeded", "etimedout", "connection reset by peer", "read timeout", "连接超时", "请求超时",
          "读取超时", "响应超时", "调用超时", "连接被重置", "超时", "連線逾時", "請求逾時", "逾時"}},
        {ErrorClass::DnsFailure,
         {"name or service not known", "unknown host", "nxdomain", "could not resolve", "temporary failure in name resolution", "域名解析失败",
          "dns解析失败", "无法解析主机", "无法解析域名", "未知主机", "網域名稱解析失敗"}},
        {ErrorClass::CertificateError, {"certificate", "x509", "ssl handshake", "tls handshake", "证书", "ssl握手失败", "tls握手失败", "憑證"}},
        {ErrorClass::RateLimited, {"too many requests", "rate limit", "throttl", "限流", "请求过于频繁", "请求太频繁", "触发限流", "請求過於頻繁"}},
        {ErrorClass::NetworkUnreachable,
         {"network is unreachable", "no route to host", "host unreachable", "网络不可达", "没有到主机的路由", "主机不可达", "網路無法連線",
          "主機無法連線"}},
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
