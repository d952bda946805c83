// alertmanager: configuration { url: "http://127.0.0.1:9093", timeout_ms, retries }. Silences carry the person who
// asked (ActionRequest::requestedBy) as createdBy and the request's comment; rollback expires the silence.
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QObject>
#include <QUrl>
#include <QUrlQuery>
#include <QtNumeric>

#include "common/http.h"
#include "common/validate.h"

using namespace Nocturne::PluginApi;
using Nocturne::Plugins::httpRequest;

namespace {
qint64 parseDurationSeconds(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (!Nocturne::Plugins::isDuration(trimmed, u"smhd"))
        return -1;
    const qint64 n = QStringView(trimmed).chopped(1).toLongLong(); // 0 when out of range: refused by the caller
    const char16_t unit = trimmed.back().unicode();
    const qint64 scale = unit == u's' ? 1 : unit == u'm' ? 60 : unit == u'h' ? 3600 : 86400;
    // A huge count must not wrap around into the accepted range.
    qint64 seconds = 0;
    return qMulOverflow(n, scale, &seconds) ? -1 : seconds;
}
} // namespace

class AlertmanagerPlugin final : public QObject, public RemediationAction
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "alertmanager.json")
    Q_INTERFACES(Nocturne::PluginApi::RemediationAction)

public:
    Result initialize(const HostContext &context) override
    {
        m_base = QUrl(context.config.value(QLatin1String("url")).toString());
        if (!m_base.isValid() || m_base.host().isEmpty())
            return Result::failure(QStringLiteral("configuration needs the Alertmanager url"));
        m_timeoutMs = context.config.value(QLatin1String("timeout_ms")).toInt(5000);
        m_retries = context.config.value(QLatin1String("retries")).toInt(2);
        return Result::success();
    }

    Result plan(const ActionRequest &request, Plan &plan) override
    {
        plan.action = request.action;
        plan.target = request.target;
        if (request.action == QLatin1String("expire_silence")) {
            const QString id = request.parameters.value(QLatin1String("silence_id")).toString();
            plan.summary = QStringLiteral("expire silence %1").arg(id);
            plan.changes << plan.summary;
            plan.state = QJsonObject{{QStringLiteral("silenceID"), id}};
            return Result::success();
        }
        const QJsonObject matchers = request.parameters.value(QLatin1String("matchers")).toObject();
        if (matchers.isEmpty())
            return Result::failure(QStringLiteral("a silence needs at least one matcher"));
        const qint64 seconds = parseDurationSeconds(request.parameters.value(QLatin1String("duration")).toString(QStringLiteral("1h")));
        if (seconds <= 0 || seconds > 7 * 86400)
            return Result::failure(QStringLiteral("duration must be like 30m or 2h, at most 7d"));
        QJsonArray list;
        QStringList shown, filter;
        for (auto it = matchers.begin(); it != matchers.end(); ++it) {
            list.append(QJsonObject{{QStringLiteral("name"), it.key()}, {QStringLiteral("value"), it.value().toString()},
                                    {QStringLiteral("isRegex"), false}, {QStringLiteral("isEqual"), true}});
            shown << QStringLiteral("%1=\"%2\"").arg(it.key(), it.value().toString());
            filter << QStringLiteral("%1=\"%2\"").arg(it.key(), it.value().toString());
        }
        plan.summary = QStringLiteral("silence {%1} for %2").arg(shown.join(QLatin1Char(',')),
                                                                  request.parameters.value(QLatin1String("duration")).toString(QStringLiteral("1h")));
        // Dry run: which alerts firing now would the silence hide?
        QUrl alerts = m_base.resolved(QUrl(QStringLiteral("/api/v2/alerts")));
        QUrlQuery query;
        for (const QString &f : filter)
            query.addQueryItem(QStringLiteral("filter"), f);
        alerts.setQuery(query);
        const auto r = httpRequest("GET", alerts, {}, {}, m_timeoutMs, m_retries);
        if (r.ok()) {
            const QJsonArray firing = QJsonDocument::fromJson(r.body).array();
            plan.dryRunOutput = QStringLiteral("%1 alert(s) firing now would be silenced").arg(firing.size());
            for (const QJsonValue &a : firing)
                plan.changes << QStringLiteral("silences %1").arg(a.toObject().value(QLatin1String("labels")).toObject().value(QLatin1String("alertname")).toString());
        } else {
            plan.dryRunOutput = QStringLiteral("could not list alerts: HTTP %1 %2").arg(r.status).arg(r.error);
        }
        plan.changes.prepend(plan.summary);
        plan.state = QJsonObject{{QStringLiteral("matchers"), list}, {QStringLiteral("seconds"), seconds},
                                 {QStringLiteral("createdBy"), request.requestedBy},
                                 {QStringLiteral("comment"), request.parameters.value(QLatin1String("comment")).toString()}};
        return Result::success();
    }

    Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) override
    {
        if (plan.action == QLatin1String("expire_silence")) {
            const QString id = plan.state.value(QLatin1String("silenceID")).toString();
            const auto r = httpRequest("DELETE", silenceUrl(id), {}, {}, m_timeoutMs, m_retries, &cancel);
            outcome = QJsonObject{{QStringLiteral("silenceID"), id}, {QStringLiteral("status"), r.status}};
            return r.ok() ? Result::success() : Result::failure(QStringLiteral("HTTP %1 %2").arg(r.status).arg(r.error));
        }
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QJsonObject silence{{QStringLiteral("matchers"), plan.state.value(QLatin1String("matchers"))},
                                  {QStringLiteral("startsAt"), now.toString(Qt::ISODateWithMs)},
                                  {QStringLiteral("endsAt"), now.addSecs(plan.state.value(QLatin1String("seconds")).toInteger()).toString(Qt::ISODateWithMs)},
                                  {QStringLiteral("createdBy"), plan.state.value(QLatin1String("createdBy"))},
                                  {QStringLiteral("comment"), plan.state.value(QLatin1String("comment"))}};
        const auto r = httpRequest("POST", m_base.resolved(QUrl(QStringLiteral("/api/v2/silences"))), QJsonDocument(silence).toJson(QJsonDocument::Compact),
                                   {{"Content-Type", "application/json"}}, m_timeoutMs, m_retries, &cancel);
        const QString id = QJsonDocument::fromJson(r.body).object().value(QLatin1String("silenceID")).toString();
        outcome = QJsonObject{{QStringLiteral("silenceID"), id}, {QStringLiteral("status"), r.status}};
        if (!r.ok() || id.isEmpty())
            return Result::failure(QStringLiteral("HTTP %1 %2 %3").arg(r.status).arg(r.error, QString::fromUtf8(r.body.left(300))));
        return Result::success(QStringLiteral("silence %1").arg(id));
    }

    Result verify(const Plan &plan, const QJsonObject &outcome) override
    {
        const QString id = outcome.value(QLatin1String("silenceID")).toString();
        const auto r = httpRequest("GET", silenceUrl(id), {}, {}, m_timeoutMs, m_retries);
        const QString state = QJsonDocument::fromJson(r.body).object().value(QLatin1String("status")).toObject().value(QLatin1String("state")).toString();
        const QString want = plan.action == QLatin1String("expire_silence") ? QStringLiteral("expired") : QStringLiteral("active");
        return state == want ? Result::success() : Result::failure(QStringLiteral("silence %1 is '%2', expected %3").arg(id, state, want));
    }

    Result rollback(const Plan &plan, const QJsonObject &outcome) override
    {
        if (plan.action == QLatin1String("expire_silence"))
            return Result::failure(QStringLiteral("an expired silence cannot be revived; create a new one"));
        const auto r = httpRequest("DELETE", silenceUrl(outcome.value(QLatin1String("silenceID")).toString()), {}, {}, m_timeoutMs, m_retries);
        return r.ok() ? Result::success() : Result::failure(QStringLiteral("HTTP %1 %2").arg(r.status).arg(r.error));
    }

private:
    QUrl silenceUrl(const QString &id) const
    {
        return m_base.resolved(QUrl(QStringLiteral("/api/v2/silence/") + QString::fromLatin1(QUrl::toPercentEncoding(id))));
    }
    QUrl m_base;
    int m_timeoutMs = 5000, m_retries = 2;
};

#include "alertmanager_plugin.moc"
