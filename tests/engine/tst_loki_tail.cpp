#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

#include "feeds/loki_tail_client.h"

using namespace Nocturne::Engine;

namespace {
QString frame(const QString &service, const std::vector<std::pair<qint64, QString>> &lines)
{
    QString values;
    for (const auto &[ts, text] : lines)
        values += (values.isEmpty() ? QString() : QStringLiteral(",")) + QStringLiteral("[\"%1\",\"%2\"]").arg(ts).arg(text);
    return QStringLiteral("{\"streams\":[{\"stream\":{\"service\":\"%1\",\"level\":\"error\"},\"values\":[%2]}],\"dropped_entries\":[]}")
        .arg(service, values);
}
} // namespace

// A test peer that speaks Loki's documented tail protocol (Debian ships no Loki binary).
class TestLokiTail : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tailResumeAndBadFrames()
    {
        QWebSocketServer server(QStringLiteral("loki-test"), QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        std::vector<QUrl> requests;
        std::vector<QByteArray> tenants;
        int connection = 0;
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            QWebSocket *peer = server.nextPendingConnection();
            requests.push_back(peer->requestUrl());
            tenants.push_back(peer->request().rawHeader("X-Scope-OrgID"));
            if (connection++ == 0) {
                peer->sendTextMessage(frame(QStringLiteral("order"), {{100, QStringLiteral("first")}, {200, QStringLiteral("second")}}));
                peer->sendTextMessage(QStringLiteral("{not json"));
                peer->sendTextMessage(frame(QStringLiteral("order"), {{300, QStringLiteral("third")}}));
                peer->flush();
                QTimer::singleShot(50, peer, [peer] { peer->abort(); }); // the connection drops
            } else {
                // After the reconnect the server repeats 300 (already delivered) and continues.
                peer->sendTextMessage(frame(QStringLiteral("order"), {{300, QStringLiteral("third")}, {400, QStringLiteral("fourth")},
                                                                      {500, QStringLiteral("fifth")}}));
            }
        });

        std::vector<LogRecord> got;
        LokiTailClient::Options options;
        options.baseUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort()));
        options.query = QStringLiteral("{job=\"shop\"}");
        options.tenant = QStringLiteral("team-a");
        options.minBackoffMs = 50;
        LokiTailClient client(options, [&](std::vector<LogRecord> batch) { got.insert(got.end(), batch.begin(), batch.end()); });
        client.start();
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), std::size_t(5), 10000);

        std::vector<qint64> ts;
        for (const auto &r : got)
            ts.push_back(r.ts);
        QCOMPARE(ts, (std::vector<qint64>{100, 200, 300, 400, 500})); // exactly once, in order
        QCOMPARE(QString::fromStdString(got[0].source), QStringLiteral("order"));
        QCOMPARE(got[0].level, LogLevel::Error);
        QCOMPARE(QString::fromStdString(got[3].message), QStringLiteral("fourth"));
        QCOMPARE(client.stats().rejectedFrames, quint64(1));
        QVERIFY(client.stats().lastError.contains(QStringLiteral("invalid JSON")));
        QVERIFY(client.stats().reconnects >= 1);

        QVERIFY(requests.size() >= 2);
        QCOMPARE(requests[0].path(), QStringLiteral("/loki/api/v1/tail"));
        QCOMPARE(QUrlQuery(requests[0]).queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded), options.query);
        QCOMPARE(QUrlQuery(requests[1]).queryItemValue(QStringLiteral("start")), QStringLiteral("301")); // resume after 300
        QCOMPARE(tenants[0], QByteArray("team-a"));
        client.stop();
    }

    void hostileFrames()
    {
        const QByteArray frames[] = {"", "[]", "{\"streams\":5}", "{\"streams\":[{\"values\":[[1,2],[\"x\",\"y\"],[\"10\"]]}]}",
                                     QByteArray(1 << 20, '{'), "{\"streams\":[{\"stream\":{},\"values\":[[\"7\",\"ok\"]]}]}"};
        int parsed = 0;
        for (const QByteArray &f : frames) {
            QString error;
            parsed += int(LokiTailClient::parseFrame(f, QStringLiteral("service"), 0, &error).size());
        }
        QCOMPARE(parsed, 1); // only the last frame holds a valid entry
    }
};

QTEST_GUILESS_MAIN(TestLokiTail)
#include "tst_loki_tail.moc"
