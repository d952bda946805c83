// webhook: configuration { url, secret, signature_header (X-Nocturne-Signature), retries (3), timeout_ms (5000),
// rollback (false) }. With rollback: true the receiver supports undo: rollback posts the same body with
// "action": "rollback".
// The body is {"target", "action", "message", "fields", "requested_by"}; the header carries
// "sha256=" + hex(HMAC-SHA256(secret, body)) so the receiver can check it came from Nocturne unchanged.
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QObject>
#include <QUrl>

#include "common/http.h"

using namespace Nocturne::PluginApi;

class WebhookPlugin final : public QObject, public RemediationAction
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "webhook.json")
    Q_INTERFACES(Nocturne::PluginApi::RemediationAction)

public:
    Result initialize(const HostContext &context) override
    {
        m_url = QUrl(context.config.value(QLatin1String("url")).toString());
        if (!m_url.isValid() || (m_url.scheme() != QLatin1String("http") && m_url.scheme() != QLatin1String("https")))
            return Result::failure(QStringLiteral("configuration needs an http(s) url"));
        m_secret = context.config.value(QLatin1String("secret")).toString().toUtf8();
        if (m_secret.isEmpty())
            return Result::failure(QStringLiteral("configuration needs a secret for the signature"));
        m_header = context.config.value(QLatin1String("signature_header")).toString(QStringLiteral("X-Nocturne-Signature")).toUtf8();
        m_retries = context.config.value(QLatin1String("retries")).toInt(3);
        m_timeoutMs = context.config.value(QLatin1String("timeout_ms")).toInt(5000);
        m_rollback = context.config.value(QLatin1String("rollback")).toBool(false);
        return Result::success();
    }

    Result plan(const ActionRequest &request, Plan &plan) override
    {
        const QJsonObject body{{QStringLiteral("target"), request.target},
                               {QStringLiteral("action"), request.action},
                               {QStringLiteral("message"), request.parameters.value(QLatin1String("message")).toString()},
                               {QStringLiteral("fields"), request.parameters.value(QLatin1String("fields")).toObject()},
                               {QStringLiteral("requested_by"), request.requestedBy}};
        plan.action = request.action;
        plan.target = request.target;
        // The URL without credentials or query (they may hold secrets).
        plan.summary = QStringLiteral("POST a signed JSON message to %1").arg(m_url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery));
        plan.changes << QStringLiteral("no state changes here; the receiver decides what to do");
        plan.dryRunOutput = QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Indented));
        plan.state = QJsonObject{{QStringLiteral("body"), body}};
        return Result::success();
    }

    Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) override
    {
        return post(plan.state.value(QLatin1String("body")).toObject(), cancel, outcome);
    }

    Result post(const QJsonObject &json, const CancelToken &cancel, QJsonObject &outcome)
    {
        const QByteArray body = QJsonDocument(json).toJson(QJsonDocument::Compact);
        const QByteArray signature = "sha256=" + QMessageAuthenticationCode::hash(body, m_secret, QCryptographicHash::Sha256).toHex();
        const auto r = Nocturne::Plugins::httpRequest("POST", m_url, body,
                                                      {{"Content-Type", "application/json"}, {m_header, signature}}, m_timeoutMs,
                                                      m_retries, &cancel);
        outcome = QJsonObject{{QStringLiteral("status"), r.status}, {QStringLiteral("attempts"), r.attempts},
                              {QStringLiteral("error"), r.error}};
        return r.ok() ? Result::success(QStringLiteral("HTTP %1").arg(r.status))
                      : Result::failure(QStringLiteral("HTTP %1 after %2 attempt(s) %3").arg(r.status).arg(r.attempts).arg(r.error));
    }

    Result verify(const Plan &, const QJsonObject &outcome) override
    {
        const int status = outcome.value(QLatin1String("status")).toInt();
        return status >= 200 && status < 300 ? Result::success() : Result::failure(QStringLiteral("not delivered"));
    }

    Result rollback(const Plan &plan, const QJsonObject &) override
    {
        if (!m_rollback)
            return Result::failure(QStringLiteral("this receiver has no undo (set rollback: true when it does)"));
        QJsonObject body = plan.state.value(QLatin1String("body")).toObject();
        body.insert(QStringLiteral("action"), QStringLiteral("rollback"));
        QJsonObject outcome;
        return post(body, CancelToken(), outcome);
    }

private:
    QUrl m_url;
    QByteArray m_secret, m_header;
    int m_retries = 3, m_timeoutMs = 5000;
    bool m_rollback = false;
};

#include "webhook_plugin.moc"
