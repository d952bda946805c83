#include <QTest>

#include <chrono>

#include "logs/template_miner.h"

using namespace Nocturne::Engine;

namespace {
std::string templateOf(TemplateMiner &miner, const std::vector<std::string> &lines)
{
    TemplateId id;
    for (const auto &line : lines)
        id = miner.add(line);
    return miner.get(id).text();
}
} // namespace

class TestTemplateMiner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goldenTemplates_data()
    {
        QTest::addColumn<QStringList>("lines");
        QTest::addColumn<QString>("expected");
        QTest::newRow("hdfs receiving")
            << QStringList{QStringLiteral("Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010"),
                           QStringLiteral("Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: /10.251.215.16:50010")}
            << QStringLiteral("Receiving block <*> src: <*>:<*> dest: <*>:<*>");
        QTest::newRow("key=value keeps keys")
            << QStringList{QStringLiteral("authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4"),
                           QStringLiteral("authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=host.example.com")}
            << QStringLiteral("authentication failure; logname= uid=<*> euid=<*> tty=NODEVssh ruser= rhost=<*>");
        QTest::newRow("units stay with values")
            << QStringList{QStringLiteral("Block broadcast_1 stored as values in memory (estimated size 384.0 B, free 317.5 KB)"),
                           QStringLiteral("Block broadcast_2 stored as values in memory (estimated size 2.1 KB, free 315.4 KB)")}
            << QStringLiteral("Block <*> stored as values in memory (estimated size <*>, free <*>)");
        QTest::newRow("delimited parts")
            << QStringList{QStringLiteral("*** info [mice.c(1234)]:"), QStringLiteral("*** info [mice.c(99)]:")}
            << QStringLiteral("*** info [mice.c(<*>)]:");
        QTest::newRow("chinese")
            << QStringList{QStringLiteral("用户 登录 成功 用户名 张三 耗时 35ms"), QStringLiteral("用户 登录 成功 用户名 李四 耗时 120ms")}
            << QStringLiteral("用户 登录 成功 用户名 <*> 耗时 <*>");
        QTest::newRow("embedded date-time is one value")
            << QStringList{QStringLiteral("connection from 24.54.76.216 (24-54-76-216.dsl.example) at Fri Jun 17 07:07:00 2005"),
                           QStringLiteral("connection from 10.1.2.3 (10-1-2-3.dsl.example) at Sat Jul 2 23:59:01 2005")}
            << QStringLiteral("connection from <*> (<*>.dsl.example) at <*>:<*>:<*>");
        QTest::newRow("hex and uuid")
            << QStringList{QStringLiteral("request 0x7f3a2b done id=3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
                           QStringLiteral("request 0x11 done id=c9bf9e57-1685-4c89-bafb-ff5af830be8a")}
            << QStringLiteral("request <*> done id=<*>");
    }
    void goldenTemplates()
    {
        QFETCH(QStringList, lines);
        QFETCH(QString, expected);
        TemplateMiner miner;
        std::vector<std::string> std;
        for (const auto &l : lines)
            std.push_back(l.toStdString());
        QCOMPARE(QString::fromStdString(templateOf(miner, std)), expected);
        QCOMPARE(miner.templates().size(), std::size_t(1));
    }

    void differentMessagesStayApart()
    {
        TemplateMiner miner;
        const TemplateId a = miner.add("Connection closed by 1.2.3.4 [preauth]");
        const TemplateId b = miner.add("Accepted password for root from 1.2.3.4 port 22 ssh2");
        const TemplateId c = miner.add("Connection closed by 5.6.7.8 [preauth]");
        QVERIFY(a != b);
        QCOMPARE(a, c);
        QCOMPARE(miner.get(a).count, std::uint64_t(2));
    }

    // One differing word is a choice between two messages until the position has shown three words; then every
    // template of the family reads the same, with <*> there.
    void wordsBecomeVariablesAtThreeValues()
    {
        TemplateMiner miner;
        const TemplateId active = miner.add("Location icon should now be in state Active");
        const TemplateId inactive = miner.add("Location icon should now be in state Inactive");
        QVERIFY(active != inactive);
        QCOMPARE(miner.add("Location icon should now be in state Active"), active);
        const TemplateId root = miner.add("session opened for user root by LOGIN");
        QVERIFY(!miner.lastWasVariant());
        const TemplateId cyrus = miner.add("session opened for user cyrus by LOGIN");
        QVERIFY(root != cyrus);
        QVERIFY(miner.lastWasVariant());
        const TemplateId news = miner.add("session opened for user news by LOGIN");
        QCOMPARE(news, root);
        QCOMPARE(miner.get(root).text(), std::string("session opened for user <*> by LOGIN"));
        QCOMPARE(miner.get(cyrus).text(), miner.get(root).text());
        QCOMPARE(miner.add("session opened for user test by LOGIN"), root);
    }

    void idsAreStableForTheSameInput()
    {
        const std::vector<std::string> lines = {"a b 1", "c d 2", "a b 3", "e f g h", "c d 9"};
        TemplateMiner one, two;
        for (const auto &l : lines)
            QCOMPARE(one.add(l), two.add(l));
    }

    void restoreKeepsIds()
    {
        TemplateMiner first;
        const TemplateId a = first.add("Connection closed by 1.2.3.4 [preauth]");
        const TemplateId b = first.add("Accepted password for root from 1.2.3.4 port 22 ssh2");
        first.add("Accepted password for admin from 1.2.3.5 port 22 ssh2");
        first.add("Accepted password for guest from 1.2.3.6 port 22 ssh2"); // a third user: the position is a variable
        std::vector<MinedTemplate> saved = first.templates();
        TemplateMiner second;
        second.restore(saved);
        QCOMPARE(second.templates().size(), std::size_t(3));
        QCOMPARE(second.add("Accepted password for oracle from 9.9.9.9 port 2222 ssh2"), b);
        QCOMPARE(second.add("Connection closed by 5.6.7.8 [preauth]"), a);
        QCOMPARE(second.get(b).text(), std::string("Accepted password for <*> from <*> port <*> ssh2"));
    }

    void hostileInput()
    {
        TemplateMiner miner;
        // A 1 MB line, invalid UTF-8, empty and whitespace-only lines: templates, not crashes.
        std::string huge;
        for (int i = 0; i < 100'000; ++i)
            huge += "tok" + std::to_string(i % 7) + " ";
        const auto started = std::chrono::steady_clock::now();
        miner.add(huge);
        QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
        const TemplateId bad = miner.add(std::string("bad \xff\xfe\xc3 bytes"));
        QVERIFY(miner.get(bad).text().find('\xff') != std::string::npos);
        miner.add("");
        miner.add("   \t  ");
        QVERIFY(miner.templates().size() >= 3);
    }

    // A source of hundreds of thousands of distinct messages (no two share a word): the template cap holds and a line
    // is compared with the templates sharing a word with it, not with all of them (bounded time; bench_logs measures).
    void distinctMessagesStayBounded()
    {
        TemplateMiner miner;
        std::uint64_t k = 12345;
        std::string line;
        const std::size_t lines = 300'000;
        for (std::size_t i = 0; i < lines; ++i) {
            line.clear();
            for (int w = 0; w < 4; ++w) {
                for (int c = 0; c < 5; ++c) {
                    line += char('a' + k % 26);
                    k = k * 6364136223846793005ULL + 1442695040888963407ULL;
                    k ^= k >> 29;
                }
                line += ' ';
            }
            line += "tail";
            miner.add(line);
        }
        QVERIFY(miner.templates().size() <= MinerConfig{}.maxTemplates + 1);
        std::uint64_t counted = 0;
        for (const auto &t : miner.templates())
            counted += t.count;
        QCOMPARE(counted, std::uint64_t(lines));
        // Still joins a repeat of a known message to its template.
        const TemplateId again = miner.add(miner.templates()[10].text());
        QCOMPARE(again, miner.templates()[10].id);
    }

    void memoryIsBounded()
    {
        MinerConfig config;
        config.maxTemplates = 20;
        TemplateMiner miner(config);
        for (int i = 0; i < 2000; ++i)
            miner.add("word" + std::string(1, char('a' + i % 26)) + std::string(1, char('a' + (i / 26) % 26)) + " constant tail here");
        // The bound is maxTemplates plus one all-variable overflow template per line length (one length here).
        QCOMPARE(miner.templates().size(), std::size_t(21));
        QCOMPARE(miner.templates().back().text(), std::string("<*> <*> <*> <*>"));
    }
};

QTEST_GUILESS_MAIN(TestTemplateMiner)
#include "tst_template_miner.moc"
