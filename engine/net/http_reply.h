#pragma once

#include <QString>

class QNetworkReply;

namespace Nocturne::Engine {

// Why a polled HTTP reply cannot be used, for a feed's status line: the HTTP status and reason when the server
// answered with one other than 200 ("HTTP 404 Not Found"), else the transport error ("Connection refused"), else a
// body over `maxBodyBytes`. Empty when the reply is usable.
QString httpReplyProblem(QNetworkReply *reply, qint64 maxBodyBytes);

} // namespace Nocturne::Engine
