#include "alertmanager_receiver.h"

#include "alerts/alert_sources.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

namespace {
std::string jsonEscape(const std::string &s)
{
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
            continue;
        }
        out += c;
    }
    return out;
}
} // namespace

AlertmanagerReceiver::AlertmanagerReceiver(Engine &engine, Options options, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_http([this](const HttpServer::Request &request) { return handle(request); }, m_options.maxBodyBytes)
{
}

QString AlertmanagerReceiver::feedName() const
{
    return QStringLiteral("alertmanager-webhook:%1").arg(port());
}

bool AlertmanagerReceiver::listen()
{
    if (!m_http.listen(m_options.address, m_options.port))
        return false;
    m_engine.setFeedState(feedName().toStdString(), FeedState::Healthy);
    m_engine.setFeedEndpoint(feedName().toStdString(), "POST http://" + m_options.address.toString().toStdString() + ":"
                                                           + std::to_string(port()) + m_options.path.toStdString());
    return true;
}

HttpServer::Response AlertmanagerReceiver::refuse(int status, const QByteArray &body)
{
    ++m_rejected;
    const Reject reject{status == 401 ? "unauthorized" : status == 404 ? "unknown_path" : RejectReason::MalformedJson,
                        "HTTP " + std::to_string(status) + ": " + body.toStdString(), {}};
    m_engine.recordRejects(feedName().toStdString(), std::span(&reject, 1), m_options.path.toStdString());
    return {status, body};
}

HttpServer::Response AlertmanagerReceiver::handle(const HttpServer::Request &request)
{
    if (request.method != "POST")
        return refuse(405, "only POST is accepted");
    if (QString::fromLatin1(request.path) != m_options.path)
        return refuse(404, "unknown path");
    if (!m_options.bearerToken.isEmpty() && !constantTimeEquals(request.headers.value("authorization"), "Bearer " + m_options.bearerToken))
        return refuse(401, "missing or wrong bearer token");
    if (!m_options.sharedSecret.isEmpty() && !constantTimeEquals(request.headers.value("x-nocturne-secret"), m_options.sharedSecret))
        return refuse(401, "missing or wrong shared secret");
    const QByteArray &body = request.body;
    auto payload = decodeAlertmanagerWebhook(std::string_view(body.constData(), std::size_t(body.size())));
    if (!payload)
        return refuse(400, QByteArray::fromStdString(payload.error().toString()));
    std::vector<EventRecord> events;
    for (const ReceivedAlert &alert : payload->alerts) {
        EventRecord e;
        e.ts = alert.status == "resolved" && alert.endsAt ? alert.endsAt : alert.startsAt;
        e.kind = "alert";
        const auto name = alert.labels.find("alertname");
        const auto severity = alert.labels.find("severity");
        const auto summary = alert.annotations.find("summary");
        e.severity = severity != alert.labels.end() ? severity->second : "warning";
        e.entity = entityFromLabels(alert.labels);
        e.title = (name != alert.labels.end() ? name->second : std::string("alert")) + " " + alert.status
                + (summary != alert.annotations.end() ? ": " + summary->second : std::string());
        std::string labels;
        for (const auto &[k, v] : alert.labels)
            labels += (labels.empty() ? "" : ",") + std::string("\"") + jsonEscape(k) + "\":\"" + jsonEscape(v) + "\"";
        e.attributes = "{\"fingerprint\":\"" + jsonEscape(alert.fingerprint) + "\",\"status\":\"" + alert.status + "\",\"labels\":{" + labels + "}}";
        e.source = "alertmanager:" + payload->receiver;
        events.push_back(std::move(e));
    }
    m_engine.ingestEvents(events, feedName().toStdString());
    // The same alerts enter the alert book (de-duplicated by fingerprint, grouped into incidents).
    std::vector<AlertInput> alerts;
    for (const ReceivedAlert &alert : payload->alerts) {
        const bool resolved = alert.status == "resolved";
        alerts.push_back(alertFromLabels("alertmanager", alert.labels, alert.annotations,
                                         resolved && alert.endsAt ? alert.endsAt : alert.startsAt, resolved));
    }
    m_engine.ingestAlerts(alerts);
    ++m_accepted;
    Q_EMIT received(int(events.size()));
    return {200, "ok"};
}

} // namespace Nocturne::Engine
