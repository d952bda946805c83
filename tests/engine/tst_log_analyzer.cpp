#include <QTest>

#include "logs/error_classifier.h"
#include "logs/log_analyzer.h"

using namespace Nocturne::Engine;

namespace {
constexpr Timestamp kStart = 1'772'524'800LL * kSecond;

// `perMinute` lines of one message per minute from `from` for `minutes`.
void feed(LogAnalyzer &a, const std::string &source, const std::string &message, int perMinute, int fromMinute, int minutes,
          LogLevel level = LogLevel::Info)
{
    for (int m = fromMinute; m < fromMinute + minutes; ++m) {
        for (int i = 0; i < perMinute; ++i)
            a.add(kStart + m * kMinute + i * (kMinute / std::max(1, perMinute)), source, level,
                  message + " id=" + std::to_string(m * 1000 + i));
    }
}

std::vector<LogAnomaly> advance(LogAnalyzer &a, int minute)
{
    return a.advance(kStart + minute * kMinute);
}
} // namespace

class TestLogAnalyzer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void errorClasses_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("cls");
        QTest::newRow("lock") << QStringLiteral("Lock wait timeout exceeded; try restarting transaction") << QStringLiteral("lock_wait_timeout");
        QTest::newRow("pool") << QStringLiteral("[ERROR] DB connection pool exhausted (active=50)") << QStringLiteral("connection_pool_exhausted");
        QTest::newRow("oom") << QStringLiteral("java.lang.OutOfMemoryError: Java heap space") << QStringLiteral("out_of_memory");
        QTest::newRow("disk") << QStringLiteral("write failed: No space left on device") << QStringLiteral("disk_full");
        QTest::newRow("auth") << QStringLiteral("Failed password for invalid user admin from 1.2.3.4") << QStringLiteral("authentication_failed");
        QTest::newRow("npe") << QStringLiteral("java.lang.NullPointerException at Foo.bar") << QStringLiteral("null_pointer");
        QTest::newRow("refused") << QStringLiteral("dial tcp 10.0.0.1:5432: connect: connection refused") << QStringLiteral("connection_refused");
        QTest::newRow("timeout") << QStringLiteral("upstream request timed out after 3000ms") << QStringLiteral("connection_timeout");
        QTest::newRow("none") << QStringLiteral("GET /api/items 200 12ms") << QStringLiteral("none");
        // The same classes in Chinese (simplified and traditional), as services of Chinese operations teams log them.
        QTest::newRow("zh lock") << QStringLiteral("下单失败：行锁等待超时") << QStringLiteral("lock_wait_timeout");
        QTest::newRow("zh pool") << QStringLiteral("获取数据库连接失败，连接池耗尽 (active=50)") << QStringLiteral("connection_pool_exhausted");
        QTest::newRow("zh oom") << QStringLiteral("订单服务内存溢出，进程被终止") << QStringLiteral("out_of_memory");
        QTest::newRow("zh disk") << QStringLiteral("写入日志失败：磁盘空间不足") << QStringLiteral("disk_full");
        QTest::newRow("zh auth") << QStringLiteral("用户 admin 认证失败，来源 1.2.3.4") << QStringLiteral("authentication_failed");
        QTest::newRow("zh npe") << QStringLiteral("处理请求时发生空指针异常") << QStringLiteral("null_pointer");
        QTest::newRow("zh refused") << QStringLiteral("连接 10.0.0.1:5432 被拒绝：连接被拒绝") << QStringLiteral("connection_refused");
        QTest::newRow("zh timeout") << QStringLiteral("调用库存服务超时（3000ms）") << QStringLiteral("connection_timeout");
        QTest::newRow("zh dns") << QStringLiteral("域名解析失败: redis.internal") << QStringLiteral("dns_failure");
        QTest::newRow("zh rate") << QStringLiteral("触发限流，请稍后再试") << QStringLiteral("rate_limited");
        QTest::newRow("zh unreachable") << QStringLiteral("网络不可达，无法连接支付网关") << QStringLiteral("network_unreachable");
        QTest::newRow("zh-tw timeout") << QStringLiteral("連線逾時，重試中") << QStringLiteral("connection_timeout");
        QTest::newRow("zh none") << QStringLiteral("用户 42 下单成功，耗时 35ms") << QStringLiteral("none");
    }
    void errorClasses()
    {
        QFETCH(QString, message);
        QFETCH(QString, cls);
        QCOMPARE(QString::fromLatin1(errorClassName(classifyError(message.toUtf8().toStdString()))), cls);
    }

    void association()
    {
        TemplateIncidentAssociation assoc;
        for (int i = 0; i < 90; ++i)
            assoc.recordSeen(1);
        for (int i = 0; i < 10; ++i)
            assoc.recordSeen(2);
        assoc.recordConfirmed(2, "row_lock_contention");
        assoc.recordConfirmed(2, "row_lock_contention");
        assoc.recordConfirmed(1, "row_lock_contention");
        QVERIFY(assoc.lift(2, "row_lock_contention") > assoc.lift(1, "row_lock_contention"));
        QCOMPARE(assoc.lift(2, "unknown_class"), 0.0);
    }

    void burstNewTemplateAndErrorRatio()
    {
        LogAnalyzer a;
        feed(a, "order", "request completed", 10, 0, 30);
        feed(a, "order", "cache lookup", 20, 0, 30);
        QVERIFY(advance(a, 30).empty());
        // Minute 30: a burst of one template, a new error template, and the error ratio jumps.
        feed(a, "order", "request completed", 80, 30, 1);
        feed(a, "order", "cache lookup", 20, 30, 1);
        feed(a, "order", "Lock wait timeout exceeded; try restarting transaction", 15, 30, 1, LogLevel::Error);
        const auto anomalies = advance(a, 31);
        bool burst = false, fresh = false, ratio = false;
        for (const auto &x : anomalies) {
            burst |= x.kind == LogAnomalyKind::Burst && x.templateText.find("request completed") != std::string::npos && !x.samples.empty();
            fresh |= x.kind == LogAnomalyKind::NewTemplate && x.errorClass == ErrorClass::LockWaitTimeout && x.score >= 0.9;
            ratio |= x.kind == LogAnomalyKind::ErrorRatio;
        }
        QVERIFY(burst);
        QVERIFY(fresh);
        QVERIFY(ratio);
        // The steady template did not alarm.
        for (const auto &x : anomalies)
            QVERIFY(x.templateText.find("cache lookup") == std::string::npos);
    }

    void dropOfAVolumeTemplate()
    {
        LogAnalyzer a;
        feed(a, "web", "heartbeat ok", 30, 0, 40);
        QVERIFY(advance(a, 40).empty());
        feed(a, "web", "something else entirely here", 2, 40, 1); // the heartbeat stops
        bool drop = false;
        for (const auto &x : advance(a, 41))
            drop |= x.kind == LogAnomalyKind::Drop && x.templateText.find("heartbeat") != std::string::npos;
        QVERIFY(drop);
    }

    void warmUpSuppressesNewTemplates()
    {
        LogAnalyzer a;
        feed(a, "svc", "first kind of line", 5, 0, 2);
        feed(a, "svc", "second kind of message text", 5, 2, 1);
        for (const auto &x : advance(a, 3))
            QVERIFY(x.kind != LogAnomalyKind::NewTemplate);
        const auto stats = a.templateStats();
        QCOMPARE(stats.size(), std::size_t(2));
        QCOMPARE(stats.front().count, std::uint64_t(10));
        QCOMPARE(a.lines(), std::uint64_t(15));
    }
};

QTEST_GUILESS_MAIN(TestLogAnalyzer)
#include "tst_log_analyzer.moc"
