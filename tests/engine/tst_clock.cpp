#include <QTest>

#include "core/clock.h"

using namespace Nocturne::Engine;

class TestClock : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parseDuration_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("nanos");
        QTest::newRow("seconds") << QStringLiteral("90s") << true << qint64(90 * kSecond);
        QTest::newRow("compound") << QStringLiteral("1h30m") << true << qint64(90 * kMinute);
        QTest::newRow("millis") << QStringLiteral("250ms") << true << qint64(250 * kMillisecond);
        QTest::newRow("days") << QStringLiteral("2d") << true << qint64(2 * kDay);
        QTest::newRow("week") << QStringLiteral("1w") << true << qint64(kWeek);
        QTest::newRow("empty") << QString() << false << qint64(0);
        QTest::newRow("no unit") << QStringLiteral("10") << false << qint64(0);
        QTest::newRow("bad unit") << QStringLiteral("10y") << false << qint64(0);
        QTest::newRow("negative") << QStringLiteral("-5s") << false << qint64(0);
        QTest::newRow("huge") << QStringLiteral("99999999999999s") << false << qint64(0);
    }
    void parseDuration()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qint64, nanos);
        auto parsed = Nocturne::Engine::parseDuration(text.toStdString());
        QCOMPARE(bool(parsed), ok);
        if (ok)
            QCOMPARE(qint64(*parsed), nanos);
        else
            QVERIFY(!parsed.error().message.empty());
    }
    void iso8601_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("nanos");
        QTest::newRow("epoch") << QStringLiteral("1970-01-01T00:00:00Z") << true << qint64(0);
        QTest::newRow("fraction") << QStringLiteral("1970-01-01T00:00:01.5Z") << true << qint64(1500 * kMillisecond);
        QTest::newRow("2026") << QStringLiteral("2026-03-03T08:00:00Z") << true << qint64(1772524800LL * kSecond);
        QTest::newRow("no zone") << QStringLiteral("2026-03-03T08:00:00") << false << qint64(0);
        QTest::newRow("offset") << QStringLiteral("2026-03-03T08:00:00+01:00") << false << qint64(0);
        QTest::newRow("month 13") << QStringLiteral("2026-13-03T08:00:00Z") << false << qint64(0);
        QTest::newRow("garbage") << QStringLiteral("yesterday") << false << qint64(0);
    }
    void iso8601()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qint64, nanos);
        auto parsed = parseIso8601(text.toStdString());
        QCOMPARE(bool(parsed), ok);
        if (ok) {
            QCOMPARE(qint64(*parsed), nanos);
            if (nanos % kSecond == 0)
                QCOMPARE(QString::fromStdString(formatIso8601(*parsed)), text);
        }
    }
    void manualClock()
    {
        ManualClock clock(100);
        QCOMPARE(clock.now(), Timestamp(100));
        clock.advance(kSecond);
        QCOMPARE(clock.now(), Timestamp(100 + kSecond));
        clock.set(5);
        QCOMPARE(clock.now(), Timestamp(5));
    }
    void parseSpeed()
    {
        QCOMPARE(*Nocturne::Engine::parseSpeed("max"), 0.0);
        QCOMPARE(*Nocturne::Engine::parseSpeed("20"), 20.0);
        QCOMPARE(*Nocturne::Engine::parseSpeed("0.5"), 0.5);
        for (const char *bad : {"0", "-1", "fast", "inf", "nan", "20x", ""})
            QVERIFY2(!Nocturne::Engine::parseSpeed(bad), bad);
    }
    void formatDuration()
    {
        QCOMPARE(QString::fromStdString(Nocturne::Engine::formatDuration(90 * kMinute)), QStringLiteral("1h30m"));
        QCOMPARE(QString::fromStdString(Nocturne::Engine::formatDuration(250 * kMillisecond)), QStringLiteral("250ms"));
        QCOMPARE(QString::fromStdString(Nocturne::Engine::formatDuration(0)), QStringLiteral("0ms"));
    }
};

QTEST_GUILESS_MAIN(TestClock)
#include "tst_clock.moc"
