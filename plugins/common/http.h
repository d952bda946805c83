#pragma once
// Blocking HTTP for plugin calls (which run on a worker thread with a deadline): one request with a timeout and
// retries with exponential backoff on network errors and 5xx answers. 4xx answers are final.
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QTimer>

#include "api/remediation_action.h"

namespace Nocturne::Plugins {

struct HttpResult {
    int status = 0;          // 0: no answer
    QByteArray body;
    QString error;           // network error text, when any
    int attempts = 0;
    bool ok() const { return status >= 200 && status < 300; }
};

inline HttpResult httpRequest(const QByteArray &method, const QUrl &url, const QByteArray &body,
                              const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs, int retries,
                              const PluginApi::CancelToken *cancel = nullptr)
{
    HttpResult r;
    QNetworkAccessManager manager;
    int backoffMs = 200;
    for (int attempt = 0; attempt <= retries; ++attempt) {
        if (cancel && cancel->isCancelled()) {
            r.error = QStringLiteral("cancelled");
            return r;
        }
        r.attempts = attempt + 1;
        QNetworkRequest request(url);
        request.setTransferTimeout(timeoutMs);
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        QNetworkReply *reply = manager.sendCustomRequest(request, method, body);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.error = reply->error() == QNetworkReply::NoError ? QString() : reply->errorString();
        reply->deleteLater();
        if (r.ok() || (r.status >= 400 && r.status < 500))
            return r;
        QThread::msleep(static_cast<unsigned long>(backoffMs));
        backoffMs *= 2;
    }
    return r;
}

} // namespace Nocturne::Plugins
