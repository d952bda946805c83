// Profiles: call trees, diff, sandwich, hot spots and rules on hand-made trees; importer goldens for every fixture in
// ../shared/bench/fixtures/profiles; truncated and hostile input.
#include <QFile>
#include <QTest>

#include <algorithm>
#include <cmath>

#include "core/pattern.h"
#include "profile/hotspots.h"
#include "profile/profile_import.h"

using namespace Nocturne::Engine;

namespace {
ProfileImportOptions withFormat(std::string format, std::size_t maxDepth = 4096)
{
    ProfileImportOptions o;
    o.format = std::move(format);
    o.maxDepth = maxDepth;
    return o;
}
ProfileImportOptions withSampleType(std::string type)
{
    ProfileImportOptions o;
    o.sampleType = std::move(type);
    return o;
}

// "a;b;c 3" lines → a tree.
CallTree folded(const char *text)
{
    auto p = importProfile(text, "test.folded", withFormat("folded"));
    if (!p)
        qFatal("%s", p.error().toString().c_str());
    return std::move(p->tree());
}

double totalOf(const CallTree &t, std::initializer_list<const char *> names)
{
    std::vector<FrameId> path;
    for (const char *n : names) {
        const auto f = t.frames().find(n);
        if (!f)
            return -1;
        path.push_back(*f);
    }
    const auto node = t.findPath(path);
    return node ? t.node(*node).total : -1;
}

QString fixture(const char *name)
{
    return QStringLiteral(NOCTURNE_SHARED_DIR "/bench/fixtures/profiles/") + QLatin1String(name);
}
} // namespace

class TestProfile : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void callTreeTotals()
    {
        const CallTree t = folded("main;a;b 3\nmain;a 2\nmain;c 5\nmain;a;b 1\n");
        QCOMPARE(t.total(), 11.0);
        QCOMPARE(totalOf(t, {"main"}), 11.0);
        QCOMPARE(totalOf(t, {"main", "a"}), 6.0);
        QCOMPARE(totalOf(t, {"main", "a", "b"}), 4.0);
        const auto a = *t.findPath(std::vector{*t.frames().find("main"), *t.frames().find("a")});
        QCOMPARE(t.node(a).self, 2.0);
        QCOMPARE(t.maxDepth(), std::size_t(3));
        QCOMPARE(t.frames().size(), std::size_t(4)); // interned once each
        // Merge doubles everything; a tree with another frame table re-interns by name.
        CallTree m(std::make_shared<FrameTable>());
        m.merge(t);
        m.merge(t);
        QCOMPARE(m.total(), 22.0);
        QCOMPARE(totalOf(m, {"main", "a", "b"}), 8.0);
        QCOMPARE(QString::fromStdString(toFolded(t)).split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 3);
    }

    void diffNormalisesByTotals()
    {
        // Before: 10 samples, a = 50 %. After: 40 samples, a = 75 %, and a new function d.
        const CallTree before = folded("main;a 5\nmain;b 5\n");
        const CallTree after = folded("main;a 30\nmain;b 8\nmain;d 2\n");
        const CallTreeDiff d = diffTrees(before, after);
        QCOMPARE(d.scale, 4.0);
        const auto node = [&](std::initializer_list<const char *> names) {
            std::vector<FrameId> path;
            for (const char *n : names)
                path.push_back(*d.tree.frames().find(n));
            return *d.tree.findPath(path);
        };
        QCOMPARE(d.before[node({"main", "a"}).value], 20.0); // 5 × 4
        QCOMPARE(d.deltaTotal(node({"main", "a"})), 10.0);   // 30 − 20
        QCOMPARE(d.deltaTotal(node({"main", "b"})), -12.0);  // 8 − 20
        QCOMPARE(d.deltaTotal(node({"main", "d"})), 2.0);    // new
        QCOMPARE(d.deltaTotal(CallTree::root()), 0.0);       // normalised: the whole does not change
        QCOMPARE(d.shareDelta(node({"main", "a"})), 0.25);
        // A path only the baseline has is in the union with zero `after` weight.
        const CallTreeDiff back = diffTrees(after, before);
        QCOMPARE(back.tree.node(*back.tree.findPath(std::vector{*back.tree.frames().find("main"), *back.tree.frames().find("d")})).total, 0.0);
    }

    void sandwich()
    {
        const CallTree t = folded("main;x;f;g 4\nmain;y;f 2\nmain;f;f;h 1\nmain;z 3\n");
        const FrameId f = *t.frames().find("f");
        const CallTree callers = callersOf(t, f);
        QCOMPARE(callers.total(), 7.0); // recursion counted once
        QCOMPARE(totalOf(callers, {"f", "x", "main"}), 4.0);
        QCOMPARE(totalOf(callers, {"f", "y", "main"}), 2.0);
        QCOMPARE(totalOf(callers, {"f", "main"}), 1.0);
        const CallTree callees = calleesOf(t, f);
        QCOMPARE(callees.total(), 7.0);
        QCOMPARE(totalOf(callees, {"f", "g"}), 4.0);
        QCOMPARE(totalOf(callees, {"f", "f", "h"}), 1.0);
        QCOMPARE(totalOf(callees, {"f"}), 7.0);
    }

    void hotspotsAndMovers()
    {
        const CallTree t = folded("main;enc;enc;aes 6\nmain;io 3\nmain 1\n");
        const HotspotTable h = hotspots(t);
        QCOMPARE(h.functions.front().name, std::string("aes"));
        QCOMPARE(h.totalShare("enc"), 0.6); // recursive, counted once
        QCOMPARE(h.selfShare("aes"), 0.6);
        QCOMPARE(h.totalShare("main"), 1.0);
        QCOMPARE(h.selfShare("main"), 0.1);
        const auto movers = topMovers(folded("main;enc 2\nmain;io 8\n"), t, 3);
        // enc 20 % → 60 %, io 80 % → 30 %, aes 0 → 60 %: aes moved most.
        QCOMPARE(movers.front().name, std::string("aes"));
        QVERIFY(std::abs(movers.front().delta() - 0.6) < 1e-9);
        QVERIFY(std::abs(movers.at(1).delta() + 0.5) < 1e-9);
    }

    void rules_data()
    {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<bool>("holds");
        QTest::newRow("hotspot above") << "hotspot(\"enc\") > 30%" << true;
        QTest::newRow("hotspot below") << "hotspot(\"enc\") > 70%" << false;
        QTest::newRow("fraction") << "total(\"enc\") >= 0.6" << true;
        QTest::newRow("self") << "self(\"enc\") == 0" << true;
        QTest::newRow("regex") << "hotspot(~\"^(enc|io)$\") > 85%" << true;
        QTest::newRow("regex matches anywhere") << "hotspot(~\"nc\") > 55%" << true;
        QTest::newRow("regex keeps case") << "hotspot(~\"ENC\") > 0%" << false;
        QTest::newRow("regex (?i) ignores case") << "hotspot(~\"(?i)ENC|^IO$\") > 85%" << true;
        QTest::newRow("and") << "hotspot(\"enc\") > 50% and self(\"io\") < 50%" << true;
        QTest::newRow("or/not") << "not hotspot(\"io\") > 10% || self(\"aes\") > 1%" << true;
        QTest::newRow("parens") << "!(hotspot(\"enc\") > 50% && hotspot(\"io\") > 50%)" << true;
        QTest::newRow("missing function") << "hotspot(\"absent\") > 0%" << false;
        QTest::newRow("number on left") << "10% < hotspot(\"io\")" << true;
        QTest::newRow("delta") << "delta(\"enc\") > 40%" << true;
    }
    void rules()
    {
        QFETCH(QString, rule);
        QFETCH(bool, holds);
        const CallTree t = folded("main;enc;enc;aes 6\nmain;io 3\nmain 1\n");
        const CallTree base = folded("main;enc 1\nmain;io 9\n");
        auto parsed = HotspotRule::parse(rule.toStdString());
        QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().toString().c_str());
        const auto v = parsed->evaluate({&t, &base});
        QVERIFY(v.has_value());
        QCOMPARE(*v, holds);
        QVERIFY(!parsed->explain({&t, &base}).empty());
    }

    void ruleErrors_data()
    {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("where");
        QTest::newRow("unknown function") << "hot(\"x\") > 1" << "rule column 1";
        QTest::newRow("no comparison") << "hotspot(\"x\")" << "rule column 13";
        QTest::newRow("unterminated") << "hotspot(\"x) > 1" << "rule column 16";
        QTest::newRow("bad regex") << "hotspot(~\"(\") > 1" << "rule column";
        QTest::newRow("trailing") << "hotspot(\"x\") > 1 garbage" << "rule column 18";
        QTest::newRow("two numbers") << "1 > 2" << "rule column";
    }
    void ruleErrors()
    {
        QFETCH(QString, rule);
        QFETCH(QString, where);
        const auto parsed = HotspotRule::parse(rule.toStdString());
        QVERIFY(!parsed);
        QVERIFY2(QString::fromStdString(parsed.error().context).startsWith(where), parsed.error().toString().c_str());
        // delta() without a baseline is an evaluation error, not a crash.
        const CallTree t = folded("a 1\n");
        QVERIFY(!HotspotRule::parse("delta(\"a\") > 0")->evaluate({&t, nullptr}));
    }

    void frameSearch()
    {
        FrameTable frames;
        const FrameId enc = frames.intern("crypto::Encrypt");
        const FrameId io = frames.intern("io_write");
        const FrameId other = frames.intern("main");
        // The search box: case-insensitive, matched anywhere in the name.
        std::string error;
        auto mask = matchFrames(frames, "ENCRYPT|IO_", &error);
        QVERIFY(error.empty());
        QCOMPARE(mask[enc.value], char(1));
        QCOMPARE(mask[io.value], char(1));
        QCOMPARE(mask[other.value], char(0));
        // A pattern RE2 refuses matches nothing and says where it went wrong.
        mask = matchFrames(frames, "a(b", &error);
        QVERIFY2(error.find("offset") != std::string::npos, error.c_str());
        QCOMPARE(std::count(mask.begin(), mask.end(), char(1)), std::ptrdiff_t(0));
        const auto rule = HotspotRule::parse("hotspot(~\"a(b\") > 1%");
        QVERIFY(!rule);
        QVERIFY2(rule.error().message.find("offset") != std::string::npos, rule.error().toString().c_str());
        // A click in the function table searches ^escaped name$: exactly that function, whatever it is spelt with.
        const FrameId op = frames.intern("operator<<(std::ostream&, Foo const*) [clone .isra.0]");
        const FrameId greet = frames.intern("Grüße::run$1");
        for (const FrameId f : {op, greet, enc}) {
            error.clear();
            mask = matchFrames(frames, "^" + Pattern::escape(frames[f].name) + "$", &error);
            QVERIFY2(error.empty(), error.c_str());
            QCOMPARE(std::count(mask.begin(), mask.end(), char(1)), std::ptrdiff_t(1));
            QCOMPARE(mask[f.value], char(1));
        }
    }

    void pathologicalPatternsReturn()
    {
        // Exponential for a backtracking engine, linear for RE2. The test finishing is the assertion.
        const std::string hostile = std::string(100000, 'a') + 'b';
        FrameTable frames;
        const FrameId f = frames.intern(hostile);
        std::string error;
        QCOMPARE(matchFrames(frames, "(a+)+$", &error)[f.value], char(0));
        QVERIFY(error.empty());
        const CallTree t = folded(("main;" + hostile + " 1\n").c_str());
        const auto rule = HotspotRule::parse("hotspot(~\"(a+)+$\") > 0%");
        QVERIFY(rule);
        const auto holds = rule->evaluate({&t, nullptr});
        QVERIFY(holds);
        QVERIFY(!*holds);
    }

    void fixtures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<qint64>("samples");
        QTest::addColumn<double>("total");
        QTest::addColumn<QString>("topSelf");
        QTest::addColumn<int>("tracks");
        QTest::newRow("dtrace") << "flamegraph-example-dtrace-stacks.txt" << "dtrace" << 3411LL << 57441.0 << "mutex_enter" << 0;
        QTest::newRow("perf folded") << "flamegraph-example-perf-stacks.folded" << "folded" << 710LL << 1315.0
                                     << "org/mozilla/javascript/ScriptableObject:.createSlot" << 0;
        // The same recording as perf script text: as many samples as the folded form's counts add up to.
        QTest::newRow("perf script gz") << "flamegraph-example-perf-stacks.txt.gz" << "perf-script" << 1315LL << 1315.0
                                        << "org/mozilla/javascript/ScriptableObject:.createSlot" << 15;
        QTest::newRow("iperf folded") << "flamegraph-perf-iperf-pidtid-01.folded" << "folded" << 134LL << 200.0 << "xen_hypercall_xen_version" << 0;
        QTest::newRow("vertx folded") << "flamegraph-perf-vertx-stacks-01.folded" << "folded" << 199LL << 285.0 << "hypercall_page" << 0;
        QTest::newRow("vertx perf script") << "flamegraph-perf-vertx-stacks-01.perfscript.txt" << "perf-script" << 286LL << 286.0 << "hypercall_page" << 15;
        QTest::newRow("pprof large") << "pprof-large.cpu.pb.gz" << "pprof" << 20430LL << 240290000000.0 << "time.Now" << 0;
        QTest::newRow("pprof simple") << "speedscope-pprof_simple.prof" << "pprof" << 9LL << 1500000000.0 << "main.alpha" << 0;
        QTest::newRow("chrome 116 trace") << "speedscope-Chrome_116_Trace-20230603T221323.json" << "chrome-trace" << 1600LL << 1600.0 << "(idle)" << 1;
        QTest::newRow("cpuprofile") << "speedscope-Chrome_65_sucrase.cpuprofile" << "cpuprofile" << 17138LL << 17138.0 << "(garbage collector)" << 1;
        QTest::newRow("linux perf") << "speedscope-linux-perf_system-wide.linux-perf.txt" << "perf-script" << 556LL << 556.0 << "[kernel.kallsyms]" << 2;
        QTest::newRow("speedscope evented") << "speedscope-speedscope_0.0.1_simple.speedscope.json" << "speedscope" << 10LL << 14.0 << "b" << 1;
        QTest::newRow("speedscope sampled") << "speedscope-speedscope_0.1.2_simple-sampled.speedscope.json" << "speedscope" << 5LL << 14.0 << "b" << 1;
        QTest::newRow("speedscope two") << "speedscope-speedscope_0.6.0_two-sampled.speedscope.json" << "speedscope" << 10LL << 28.0 << "b" << 2;
        QTest::newRow("trace samples") << "speedscope-trace-event_multi-thread-with-samples.json" << "chrome-trace" << 8LL << 8.0 << "[root thread 2]" << 2;
    }
    void fixtures()
    {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(qint64, samples);
        QFETCH(double, total);
        QFETCH(QString, topSelf);
        QFETCH(int, tracks);
        if (!QFile::exists(fixture("pprof-large.cpu.pb.gz")))
            QSKIP("../shared/bench/fixtures/profiles not present");
        int progressCalls = 0;
        ProfileImportOptions options;
        options.progress = [&](double) { ++progressCalls; return true; };
        const auto p = importProfileFile(fixture(file.toUtf8().constData()).toStdString(), options);
        QVERIFY2(p.has_value(), p ? "" : p.error().toString().c_str());
        QCOMPARE(QString::fromStdString(p->format), format);
        QCOMPARE(qint64(p->samples), samples);
        QCOMPARE(p->tree().total(), total);
        QCOMPARE(p->skipped, std::size_t(0));
        QCOMPARE(QString::fromStdString(hotspots(p->tree()).functions.front().name), topSelf);
        QCOMPARE(int(p->timeline.size()), tracks);
        QVERIFY(progressCalls >= 1);
        for (const auto &track : p->timeline) {
            for (const auto &span : track.spans)
                QVERIFY(span.end >= span.start);
        }
        // Totals add up: every node's total = its self + its children's totals.
        const CallTree &t = p->tree();
        for (std::size_t i = 0; i < t.size(); ++i) {
            const auto id = CallNodeId(std::uint32_t(i));
            double sum = t.node(id).self;
            for (CallNodeId c : t.children(id))
                sum += t.node(c).total;
            QVERIFY(std::abs(sum - t.node(id).total) <= 1e-6 * std::max(1.0, t.node(id).total));
        }
    }

    void perfScriptMatchesItsFoldedForm()
    {
        // stackcollapse-perf.pl's output of the same recording: same function names, so a diff is (almost) neutral.
        if (!QFile::exists(fixture("flamegraph-perf-vertx-stacks-01.perfscript.txt")))
            QSKIP("fixtures not present");
        const auto perf = importProfileFile(fixture("flamegraph-perf-vertx-stacks-01.perfscript.txt").toStdString());
        const auto folded = importProfileFile(fixture("flamegraph-perf-vertx-stacks-01.folded").toStdString());
        QVERIFY(perf && folded);
        const auto movers = topMovers(folded->tree(), perf->tree(), 5);
        QVERIFY2(std::abs(movers.front().delta()) < 0.02, movers.front().name.c_str());
    }

    void pprofSampleTypes()
    {
        if (!QFile::exists(fixture("speedscope-pprof_simple.prof")))
            QSKIP("fixtures not present");
        const auto p = importProfileFile(fixture("speedscope-pprof_simple.prof").toStdString(), withSampleType("samples"));
        QVERIFY(p.has_value());
        QCOMPARE(p->sampleTypes.at(p->selected).type, std::string("samples"));
        QCOMPARE(p->tree().total(), 150.0);
        const auto missing = importProfileFile(fixture("speedscope-pprof_simple.prof").toStdString(), withSampleType("alloc_space"));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void badInput()
    {
        // Malformed lines are skipped with their line number; the good ones are kept.
        auto p = importProfile("a;b 3\nno count here\na;c x\n\na;b;c 2\n", "bad.folded", withFormat("folded"));
        QVERIFY(p.has_value());
        QCOMPARE(p->tree().total(), 5.0);
        QCOMPARE(p->skipped, std::size_t(2));
        QVERIFY(QString::fromStdString(p->warnings.at(0)).startsWith(QStringLiteral("bad.folded:2:")));
        QVERIFY(QString::fromStdString(p->warnings.at(1)).startsWith(QStringLiteral("bad.folded:3:")));
        // Nothing usable: an error naming the source.
        const auto none = importProfile("garbage\n", "x.folded", withFormat("folded"));
        QVERIFY(!none);
        QVERIFY(QString::fromStdString(none.error().context).startsWith(QStringLiteral("x.folded")));
        // Deep stacks are cut, not recursed on.
        std::string deep;
        for (int i = 0; i < 100000; ++i)
            deep += "f" + std::to_string(i % 7) + ";";
        deep += "leaf 1\n";
        const auto cut = importProfile(deep, "deep.folded", withFormat("folded", 512));
        QVERIFY(cut.has_value());
        QCOMPARE(cut->tree().maxDepth(), std::size_t(512));
        // Cancel from the progress callback.
        std::string big;
        for (int i = 0; i < 300000; ++i)
            big += "main;work;f" + std::to_string(i % 100) + " 1\n";
        ProfileImportOptions cancel = withFormat("folded");
        cancel.progress = [](double) { return false; };
        const auto cancelled = importProfile(big, "big.folded", cancel);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        // Unknown format, empty input.
        QVERIFY(!importProfile("", "empty", {}));
        QVERIFY(!importProfile("hello world", "text", {}));
    }

    void truncatedAndHostileFiles()
    {
        if (!QFile::exists(fixture("pprof-large.cpu.pb.gz")))
            QSKIP("fixtures not present");
        const auto read = [](const QString &path) {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            return f.readAll().toStdString();
        };
        // Truncated gzip and truncated protobuf fail cleanly with the byte offset.
        const std::string gz = read(fixture("pprof-large.cpu.pb.gz"));
        const auto t1 = importProfile(std::string_view(gz).substr(0, gz.size() / 2), "half.pb.gz");
        QVERIFY(!t1);
        QVERIFY2(QString::fromStdString(t1.error().context).contains(QStringLiteral("@byte")), t1.error().toString().c_str());
        const std::string pb = read(fixture("speedscope-pprof_simple.prof"));
        // Truncated JSON.
        const std::string json = read(fixture("speedscope-Chrome_65_sucrase.cpuprofile"));
        QVERIFY(!importProfile(std::string_view(json).substr(0, json.size() / 3), "cut.cpuprofile"));
        // Random bytes and bit flips never crash (each import either succeeds or returns an error).
        std::uint64_t state = 42;
        const auto rnd = [&] {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            return std::uint32_t(state >> 33);
        };
        const std::string sources[] = {read(fixture("speedscope-speedscope_0.6.0_two-sampled.speedscope.json")),
                                       read(fixture("speedscope-trace-event_multi-thread-with-samples.json")),
                                       read(fixture("flamegraph-perf-iperf-pidtid-01.folded")).substr(0, 4000), pb};
        int errors = 0;
        for (int round = 0; round < 400; ++round) {
            std::string mutated = sources[round % 4];
            for (int k = 0; k < 1 + int(rnd() % 8); ++k)
                mutated[rnd() % mutated.size()] = char(rnd());
            if (rnd() % 3 == 0)
                mutated.resize(rnd() % mutated.size());
            errors += importProfile(mutated, "fuzz").has_value() ? 0 : 1;
        }
        QVERIFY(errors > 0);
    }
};

QTEST_GUILESS_MAIN(TestProfile)
#include "tst_profile.moc"
