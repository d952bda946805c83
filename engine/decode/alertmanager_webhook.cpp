#include "alertmanager_webhook.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Nocturne::Engine {

namespace {
std::map<std::string, std::string> stringMap(const QJsonObject &object)
{
    std::map<std::string, std::string> out;
    for (auto it = object.begin(); it != object.end(); ++it)
        out[it.key().toStdString()] = it.value().toString().toStdString();
    return out;
}

// RFC 3339 with fractional seconds; Alertmanager's zero time ("0001-01-01T00:00:00Z") means "not set".
Result<Timestamp> rfc3339(const QString &text)
{
    if (text.isEmpty() || text.startsWith(QStringLiteral("0001-01-01")))
        return Timestamp(0);
    return parseIso8601(text.toStdString());
}
} // namespace

Result<WebhookPayload> decodeAlertmanagerWebhook(std::string_view json)
{
    if (json.size() > 16 * 1024 * 1024)
        return makeError(ErrorCode::LimitExceeded, "webhook body larger than 16 MiB");
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json.data(), qsizetype(json.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::ParseError, parseError.errorString().toStdString(), "offset " + std::to_string(parseError.offset));
    if (!doc.isObject())
        return makeError(ErrorCode::ParseError, "the payload is not a JSON object");
    const QJsonObject root = doc.object();
    const QString version = root.value(QStringLiteral("version")).toString();
    if (version != QStringLiteral("4"))
        return makeError(ErrorCode::Unsupported, "webhook payload version '" + version.toStdString() + "' (expected \"4\")");
    if (!root.value(QStringLiteral("alerts")).isArray())
        return makeError(ErrorCode::ParseError, "missing \"alerts\" array");
    WebhookPayload payload;
    payload.receiver = root.value(QStringLiteral("receiver")).toString().toStdString();
    payload.status = root.value(QStringLiteral("status")).toString().toStdString();
    payload.groupKey = root.value(QStringLiteral("groupKey")).toString().toStdString();
    payload.truncatedAlerts = root.value(QStringLiteral("truncatedAlerts")).toInt();
    const QJsonArray alerts = root.value(QStringLiteral("alerts")).toArray();
    for (qsizetype i = 0; i < alerts.size(); ++i) {
        const QJsonObject a = alerts.at(i).toObject();
        const std::string where = "alerts[" + std::to_string(i) + "]";
        ReceivedAlert alert;
        alert.status = a.value(QStringLiteral("status")).toString().toStdString();
        if (alert.status != "firing" && alert.status != "resolved")
            return makeError(ErrorCode::ParseError, "status must be firing or resolved, got '" + alert.status + "'", where + ".status");
        if (!a.value(QStringLiteral("labels")).isObject())
            return makeError(ErrorCode::ParseError, "missing labels", where + ".labels");
        alert.labels = stringMap(a.value(QStringLiteral("labels")).toObject());
        alert.annotations = stringMap(a.value(QStringLiteral("annotations")).toObject());
        auto starts = rfc3339(a.value(QStringLiteral("startsAt")).toString());
        if (!starts)
            return makeError(ErrorCode::ParseError, starts.error().message, where + ".startsAt");
        auto ends = rfc3339(a.value(QStringLiteral("endsAt")).toString());
        if (!ends)
            return makeError(ErrorCode::ParseError, ends.error().message, where + ".endsAt");
        alert.startsAt = *starts;
        alert.endsAt = *ends;
        alert.fingerprint = a.value(QStringLiteral("fingerprint")).toString().toStdString();
        alert.generatorUrl = a.value(QStringLiteral("generatorURL")).toString().toStdString();
        payload.alerts.push_back(std::move(alert));
    }
    return payload;
}

} // namespace Nocturne::Engine
