#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

#include "feeds/log_file_follower.h"

using namespace Nocturne::Engine;

namespace {
void append(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    f.write(bytes);
}
// Records complete when the next record starts or the file has been quiet for a poll: read, then one quiet poll.
void settle(LogFileFollower &follower)
{
    follower.pollOnce();
    follower.pollOnce();
}
} // namespace

class TestLogFileFollower : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void followsRotationAndTruncation()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("app.log"));
        ManualClock clock(1000);
        std::vector<LogRecord> got;
        LogFileFollower follower({path.toStdString(), "app", false}, [&](std::vector<LogRecord> batch) {
            got.insert(got.end(), batch.begin(), batch.end());
        }, clock);

        follower.pollOnce(); // no file yet: waits
        QVERIFY(got.empty());
        append(path, "line 1\nline 2\n");
        settle(follower); // a file that appears later is read from its start
        QCOMPARE(got.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(got[0].message), QStringLiteral("line 1"));
        QCOMPARE(QString::fromStdString(got[0].source), QStringLiteral("app"));

        append(path, "ERROR something broke\npart");
        settle(follower);
        QCOMPARE(got.size(), std::size_t(3)); // the partial line waits for its newline
        QCOMPARE(got[2].level, LogLevel::Error);
        append(path, "ial line\n");
        settle(follower);
        QCOMPARE(QString::fromStdString(got[3].message), QStringLiteral("partial line"));

        // Rotation: a last line lands in the old file after the rename, then a new file appears.
        QVERIFY(QFile::rename(path, path + QStringLiteral(".1")));
        append(path + QStringLiteral(".1"), "late line in old file\n");
        append(path, "first line of new file\n");
        settle(follower);
        QCOMPARE(got.size(), std::size_t(6));
        QCOMPARE(QString::fromStdString(got[4].message), QStringLiteral("late line in old file"));
        QCOMPARE(QString::fromStdString(got[5].message), QStringLiteral("first line of new file"));
        QCOMPARE(follower.stats().rotations, std::uint64_t(1));

        // Truncation (copytruncate): start over at the beginning.
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("after truncate\n");
        f.close();
        settle(follower);
        QCOMPARE(QString::fromStdString(got.back().message), QStringLiteral("after truncate"));
        QCOMPARE(follower.stats().truncations, std::uint64_t(1));
        QCOMPARE(follower.stats().lines, std::uint64_t(got.size()));
    }

    void startsAtTheEndOfAnExistingFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("x.log"));
        append(path, "old history\n");
        ManualClock clock;
        std::vector<LogRecord> got;
        LogFileFollower follower({path.toStdString(), {}, false}, [&](std::vector<LogRecord> b) { got.insert(got.end(), b.begin(), b.end()); },
                                 clock);
        settle(follower);
        QVERIFY(got.empty());
        append(path, "new\n");
        settle(follower);
        QCOMPARE(got.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(got[0].source), QStringLiteral("x.log"));
    }

    void hugeAndBinaryLines()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big.log"));
        ManualClock clock;
        std::vector<LogRecord> got;
        LogFileFollower::Options options{path.toStdString(), "big", true};
        options.maxLineBytes = 4096;
        LogFileFollower follower(options, [&](std::vector<LogRecord> b) { got.insert(got.end(), b.begin(), b.end()); }, clock);
        append(path, QByteArray(1 << 20, 'x') + "\n" + QByteArray("\xff\xfe binary \x00 ok\n", 15) + "next\n");
        settle(follower);
        QCOMPARE(got.size(), std::size_t(3));
        QCOMPARE(got[0].message.size(), std::size_t(4096));
        QCOMPARE(follower.stats().oversizedLines, std::uint64_t(1));
        QCOMPARE(QString::fromStdString(got[2].message), QStringLiteral("next"));
    }

    // A Java service's log: the header is learned from the file, stack traces join the record that owns them, the
    // message loses its header and the level comes from the header's level field.
    void learnsHeaderAndJoinsStackTraces()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("order.log"));
        ManualClock clock;
        std::vector<LogRecord> got;
        LogFileFollower::Options options{path.toStdString(), "order", true};
        options.learnLines = 8;
        LogFileFollower follower(options, [&](std::vector<LogRecord> b) { got.insert(got.end(), b.begin(), b.end()); }, clock);
        QByteArray text;
        for (int i = 0; i < 6; ++i)
            text += QByteArray("2026-03-03 10:11:1") + QByteArray::number(i) + " INFO  [main] c.e.OrderService - order " + QByteArray::number(i)
                  + " placed\n";
        text += "2026-03-03 10:11:20 ERROR [main] c.e.OrderService - order 7 failed\n"
                "java.sql.SQLTransientException: Lock wait timeout exceeded\n"
                "\tat c.e.Repo.save(Repo.java:42)\n"
                "\tat c.e.OrderService.place(OrderService.java:17)\n"
                "2026-03-03 10:11:21 WARN  [main] c.e.OrderService - retrying order 7\n";
        append(path, text);
        follower.pollOnce();
        QCOMPARE(got.size(), std::size_t(7)); // the last record may still get continuation lines
        settle(follower);
        QCOMPARE(got.size(), std::size_t(8));
        QCOMPARE(QString::fromStdString(got[0].message), QStringLiteral("order 0 placed"));
        QCOMPARE(got[6].level, LogLevel::Error);
        QVERIFY(got[6].message.rfind("order 7 failed\njava.sql.SQLTransientException", 0) == 0);
        QVERIFY(got[6].message.find("Repo.java:42") != std::string::npos);
        QCOMPARE(got[7].level, LogLevel::Warn);
        QCOMPARE(QString::fromStdString(got[7].message), QStringLiteral("retrying order 7"));
        const auto stats = follower.stats();
        QCOMPARE(stats.lines, std::uint64_t(11));
        QCOMPARE(stats.records, std::uint64_t(8));
        QVERIFY(QString::fromStdString(stats.format).contains(QStringLiteral("<Level>")));

        // A configured format wins over learning.
        const QString other = dir.filePath(QStringLiteral("plain.log"));
        std::vector<LogRecord> raw;
        LogFileFollower::Options rawOptions{other.toStdString(), "plain", true};
        rawOptions.format = "raw";
        LogFileFollower plain(rawOptions, [&](std::vector<LogRecord> b) { raw.insert(raw.end(), b.begin(), b.end()); }, clock);
        append(other, "2026-03-03 10:11:20 ERROR x - y\n");
        settle(plain);
        QCOMPARE(raw.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(raw[0].message), QStringLiteral("2026-03-03 10:11:20 ERROR x - y"));
    }

    void levels()
    {
        QCOMPARE(LogFileFollower::guessLevel("2026-01-01 ERROR db down"), LogLevel::Error);
        QCOMPARE(LogFileFollower::guessLevel("[warn] disk 91%"), LogLevel::Warn);
        QCOMPARE(LogFileFollower::guessLevel("level=debug msg=x"), LogLevel::Debug);
        QCOMPARE(LogFileFollower::guessLevel("INFO terror alert drill"), LogLevel::Info); // 'terror' is not ERROR
    }
};

QTEST_GUILESS_MAIN(TestLogFileFollower)
#include "tst_log_file_follower.moc"
