#include "http_reply.h"

#include <QNetworkReply>

namespace Nocturne::Engine {

QString httpReplyProblem(QNetworkReply *reply, qint64 maxBodyBytes)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0 && status != 200)
        return QStringLiteral("HTTP %1 %2").arg(status).arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()).trimmed();
    if (reply->error() != QNetworkReply::NoError)
        return reply->errorString();
    if (status == 0)
        return QStringLiteral("no HTTP status in the reply");
    if (reply->bytesAvailable() > maxBodyBytes)
        return QStringLiteral("body larger than %1 bytes").arg(maxBodyBytes);
    return {};
}

} // namespace Nocturne::Engine
