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
        append(path, "line 1\nline 2\n");
        follower.pollOnce(); // a file that appears later is read from its start
        QCOMPARE(got.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(got[0].message), QStringLiteral("line 1"));
        QCOMPARE(QString::fromStdString(got[0].source), QStringLiteral("app"));

        append(path, "ERROR something broke\npart");
        follower.pollOnce();
        QCOMPARE(got.size(), std::size_t(3)); // the partial line waits for its newline
        QCOMPARE(got[2].level, LogLevel::Error);
        append(path, "ial line\n");
        follower.pollOnce();
        QCOMPARE(QString::fromStdString(got[3].message), QStringLiteral("partial line"));

        // Rotation: a last line lands in the old file after the rename, then a new file appears.
        QVERIFY(QFile::rename(path, path + QStringLiteral(".1")));
        append(path + QStringLiteral(".1"), "late line in old file\n");
        append(path, "first line of new file\n");
        follower.pollOnce();
        QCOMPARE(got.size(), std::size_t(6));
        QCOMPARE(QString::fromStdString(got[4].message), QStringLiteral("late line in old file"));
        QCOMPARE(QString::fromStdString(got[5].message), QStringLiteral("first line of new file"));
        QCOMPARE(follower.stats().rotations, std::uint64_t(1));

        // Truncation (copytruncate): start over at the beginning.
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("after truncate\n");
        f.close();
        follower.pollOnce();
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
        follower.pollOnce();
        QVERIFY(got.empty());
        append(path, "new\n");
        follower.pollOnce();
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
        follower.pollOnce();
        QCOMPARE(got.size(), std::size_t(3));
        QCOMPARE(got[0].message.size(), std::size_t(4096));
        QCOMPARE(follower.stats().oversizedLines, std::uint64_t(1));
        QCOMPARE(QString::fromStdString(got[2].message), QStringLiteral("next"));
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
