// notify: configuration { slack_url, dingtalk_url, dingtalk_secret, timeout_ms, retries }. DingTalk's signed form:
// timestamp (ms) and sign = URL-encoded base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) appended to the URL.
// The webhook URLs are secrets (they carry tokens) and never appear in plans or logs.
#include <QDateTime>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QObject>
#include <QUrl>

#include "common/http.h"

using namespace Nocturne::PluginApi;

class NotifyPlugin final : public QObject, public RemediationAction
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID NocturneRemediationAction_iid FILE "notify.json")
    Q_INTERFACES(Nocturne::PluginApi::RemediationAction)

public:
    Result initialize(const HostContext &context) override
    {
        m_slack = QUrl(context.config.value(QLatin1String("slack_url")).toString());
        m_dingtalk = QUrl(context.config.value(QLatin1String("dingtalk_url")).toString());
        m_dingtalkSecret = context.config.value(QLatin1String("dingtalk_secret")).toString().toUtf8();
        m_timeoutMs = context.config.value(QLatin1String("timeout_ms")).toInt(5000);
        m_retries = context.config.value(QLatin1String("retries")).toInt(2);
        if (m_slack.isEmpty() && m_dingtalk.isEmpty())
            return Result::failure(QStringLiteral("configuration needs slack_url and/or dingtalk_url"));
        return Result::success();
    }

    Result plan(const ActionRequest &request, Plan &plan) override
    {
        const QString channel = request.parameters.value(QLatin1String("channel")).toString();
        if (channel != QLatin1String("slack") && channel != QLatin1String("dingtalk"))
            return Result::failure(QStringLiteral("channel is slack or dingtalk"));
        if ((channel == QLatin1String("slack") ? m_slack : m_dingtalk).isEmpty())
            return Result::failure(QStringLiteral("no %1 webhook configured").arg(channel));
        const QString text = request.parameters.value(QLatin1String("text")).toString();
        const QJsonObject body = channel == QLatin1String("slack")
                                     ? QJsonObject{{QStringLiteral("text"), text}}
                                     : QJsonObject{{QStringLiteral("msgtype"), QStringLiteral("text")},
                                                   {QStringLiteral("text"), QJsonObject{{QStringLiteral("content"), text}}}};
        plan.action = request.action;
        plan.target = request.target;
        plan.summary = QStringLiteral("send a %1 message").arg(channel);
        plan.dryRunOutput = QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Indented));
        plan.state = QJsonObject{{QStringLiteral("channel"), channel}, {QStringLiteral("body"), body}};
        return Result::success();
    }

    Result execute(const Plan &plan, const CancelToken &cancel, QJsonObject &outcome) override
    {
        const bool slack = plan.state.value(QLatin1String("channel")).toString() == QLatin1String("slack");
        QUrl url = slack ? m_slack : m_dingtalk;
        if (!slack && !m_dingtalkSecret.isEmpty())
            url = signedDingTalkUrl(url, m_dingtalkSecret, QDateTime::currentMSecsSinceEpoch());
        const QByteArray body = QJsonDocument(plan.state.value(QLatin1String("body")).toObject()).toJson(QJsonDocument::Compact);
        const auto r = Nocturne::Plugins::httpRequest("POST", url, body, {{"Content-Type", "application/json"}}, m_timeoutMs, m_retries, &cancel);
        // DingTalk answers 200 with {"errcode": n}; anything but 0 is a failure.
        const int errcode = slack ? 0 : QJsonDocument::fromJson(r.body).object().value(QLatin1String("errcode")).toInt(0);
        outcome = QJsonObject{{QStringLiteral("status"), r.status}, {QStringLiteral("errcode"), errcode}};
        if (!r.ok() || errcode != 0)
            return Result::failure(QStringLiteral("HTTP %1, errcode %2 %3").arg(r.status).arg(errcode).arg(r.error));
        return Result::success();
    }

    Result verify(const Plan &, const QJsonObject &outcome) override
    {
        const int status = outcome.value(QLatin1String("status")).toInt();
        return status >= 200 && status < 300 && outcome.value(QLatin1String("errcode")).toInt() == 0 ? Result::success()
                                                                                                       : Result::failure(QStringLiteral("not delivered"));
    }

    Result rollback(const Plan &, const QJsonObject &) override { return Result::failure(QStringLiteral("a sent message cannot be unsent")); }

    static QUrl signedDingTalkUrl(QUrl url, const QByteArray &secret, qint64 timestampMs)
    {
        const QByteArray stringToSign = QByteArray::number(timestampMs) + '\n' + secret;
        const QByteArray sign = QMessageAuthenticationCode::hash(stringToSign, secret, QCryptographicHash::Sha256).toBase64();
        // Percent-encode by hand: base64's '+', '/' and '=' must reach DingTalk encoded.
        QString query = url.query(QUrl::FullyEncoded);
        if (!query.isEmpty())
            query += QLatin1Char('&');
        query += QStringLiteral("timestamp=%1&sign=%2").arg(timestampMs).arg(QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(sign))));
        url.setQuery(query, QUrl::StrictMode);
        return url;
    }

private:
    QUrl m_slack, m_dingtalk;
    QByteArray m_dingtalkSecret;
    int m_timeoutMs = 5000, m_retries = 2;
};

#include "notify_plugin.moc"
