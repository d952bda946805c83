#include "prometheus_api.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace Nocturne::Engine {

namespace {
Result<QJsonObject> envelope(std::string_view json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json.data(), qsizetype(json.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::ParseError, parseError.errorString().toStdString(), "offset " + std::to_string(parseError.offset));
    if (!doc.isObject())
        return makeError(ErrorCode::ParseError, "the answer is not a JSON object");
    const QJsonObject root = doc.object();
    const QString status = root.value(QStringLiteral("status")).toString();
    if (status == QStringLiteral("error"))
        return makeError(ErrorCode::InvalidArgument,
                         root.value(QStringLiteral("errorType")).toString().toStdString() + ": "
                             + root.value(QStringLiteral("error")).toString().toStdString(),
                         "prometheus");
    if (status != QStringLiteral("success"))
        return makeError(ErrorCode::ParseError, "unexpected status '" + status.toStdString() + "'");
    return root;
}
} // namespace

Result<RangeQueryResult> decodeRangeQuery(std::string_view json, const std::string &fallbackName)
{
    auto root = envelope(json);
    if (!root)
        return tl::unexpected(root.error());
    const QJsonObject data = root->value(QStringLiteral("data")).toObject();
    if (data.value(QStringLiteral("resultType")).toString() != QStringLiteral("matrix"))
        return makeError(ErrorCode::Unsupported, "expected resultType matrix, got '" + data.value(QStringLiteral("resultType")).toString().toStdString() + "'");
    RangeQueryResult out;
    for (const QJsonValue &w : root->value(QStringLiteral("warnings")).toArray())
        out.warnings.push_back(w.toString().toStdString());
    const QJsonArray result = data.value(QStringLiteral("result")).toArray();
    for (qsizetype i = 0; i < result.size(); ++i) {
        const QJsonObject series = result.at(i).toObject();
        const QJsonObject metric = series.value(QStringLiteral("metric")).toObject();
        std::string name = fallbackName;
        Labels labels;
        for (auto it = metric.begin(); it != metric.end(); ++it) {
            if (it.key() == QStringLiteral("__name__"))
                name = it.value().toString().toStdString();
            else
                labels.push_back({it.key().toStdString(), it.value().toString().toStdString()});
        }
        const SeriesKey key = SeriesKey::make(name, std::move(labels));
        // A result without __name__ is a function's output (rate(), sum()): already what the query asked for, so a
        // fallback name ending in _total must not make it a counter. A named result is typed by its name.
        const MetricType type = metric.contains(QStringLiteral("__name__")) ? MetricType::Untyped : MetricType::Gauge;
        const QJsonArray values = series.value(QStringLiteral("values")).toArray();
        for (qsizetype k = 0; k < values.size(); ++k) {
            const QJsonArray pair = values.at(k).toArray();
            bool ok = false;
            const double value = pair.at(1).toString().toDouble(&ok);
            if (pair.size() != 2 || !pair.at(0).isDouble() || !ok)
                return makeError(ErrorCode::ParseError, "malformed sample", "result[" + std::to_string(i) + "].values[" + std::to_string(k) + "]");
            // Timestamps are float seconds; round to the millisecond like Prometheus does.
            const Timestamp ts = Timestamp(std::llround(pair.at(0).toDouble() * 1000.0)) * kMillisecond;
            out.samples.push_back(ParsedSample{key, value, ts, type});
        }
        ++out.series;
    }
    return out;
}

Result<std::vector<TargetHealth>> decodeTargets(std::string_view json)
{
    auto root = envelope(json);
    if (!root)
        return tl::unexpected(root.error());
    std::vector<TargetHealth> out;
    const QJsonArray active = root->value(QStringLiteral("data")).toObject().value(QStringLiteral("activeTargets")).toArray();
    for (const QJsonValue &v : active) {
        const QJsonObject t = v.toObject();
        const QJsonObject labels = t.value(QStringLiteral("labels")).toObject();
        out.push_back({labels.value(QStringLiteral("job")).toString().toStdString(), labels.value(QStringLiteral("instance")).toString().toStdString(),
                       t.value(QStringLiteral("health")).toString().toStdString(), t.value(QStringLiteral("lastError")).toString().toStdString()});
    }
    return out;
}

Result<std::vector<RuleAlert>> decodeRuleAlerts(std::string_view json)
{
    auto root = envelope(json);
    if (!root)
        return tl::unexpected(root.error());
    std::vector<RuleAlert> out;
    const QJsonArray alerts = root->value(QStringLiteral("data")).toObject().value(QStringLiteral("alerts")).toArray();
    for (const QJsonValue &v : alerts) {
        const QJsonObject a = v.toObject();
        RuleAlert alert;
        const QJsonObject labels = a.value(QStringLiteral("labels")).toObject();
        for (auto it = labels.begin(); it != labels.end(); ++it)
            alert.labels.emplace(it.key().toStdString(), it.value().toString().toStdString());
        const QJsonObject annotations = a.value(QStringLiteral("annotations")).toObject();
        for (auto it = annotations.begin(); it != annotations.end(); ++it)
            alert.annotations.emplace(it.key().toStdString(), it.value().toString().toStdString());
        alert.state = a.value(QStringLiteral("state")).toString().toStdString();
        if (auto ts = parseIso8601(a.value(QStringLiteral("activeAt")).toString().toStdString()))
            alert.activeAt = *ts;
        out.push_back(std::move(alert));
    }
    return out;
}

} // namespace Nocturne::Engine
