// Remediation costs: appending to the hash-chained audit log (each record its own durable transaction, as the service
// writes them) against plain inserts into the same SQLite file setup; verifying a 20k-record chain; a PBKDF2 sign-in
// at the production iteration count; one plugin call through the host's deadline/exception boundary against calling
// the same plugin directly.
#include <benchmark/benchmark.h>

#include <QCoreApplication>
#include <QTemporaryDir>

#include <chrono>

#include <sqlite3.h>

#include "remediate/plugin_host.h"
#include "remediate/remediation_store.h"

using namespace Nocturne::Engine;
using Steady = std::chrono::steady_clock;

namespace {
void BM_AuditAppend(benchmark::State &state)
{
    QTemporaryDir dir;
    auto store = RemediationStore::open(dir.filePath(QStringLiteral("a.db")).toStdString(), RemediationStore::Options{1000, kHour, 5, 15 * kMinute});
    std::int64_t i = 0;
    for (auto _ : state) {
        ++i;
        benchmark::DoNotOptimize((*store)->audit("alice", "approve", "proposal " + std::to_string(i), "pool wait is real", i));
    }
    state.counters["records_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PlainInsertBaseline(benchmark::State &state)
{
    QTemporaryDir dir;
    sqlite3 *db = nullptr;
    sqlite3_open(dir.filePath(QStringLiteral("p.db")).toUtf8().constData(), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (seq INTEGER PRIMARY KEY, ts INTEGER, actor TEXT, "
                     "kind TEXT, subject TEXT, detail TEXT);", nullptr, nullptr, nullptr);
    sqlite3_stmt *ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t (ts, actor, kind, subject, detail) VALUES (?, 'alice', 'approve', 'proposal', 'pool wait is real')", -1, &ins, nullptr);
    std::int64_t i = 0;
    for (auto _ : state) {
        sqlite3_bind_int64(ins, 1, ++i);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    state.counters["records_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_AuditVerify20k(benchmark::State &state)
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("v.db")).toStdString();
    {
        auto store = RemediationStore::open(path, RemediationStore::Options{1000, kHour, 5, 15 * kMinute});
        for (int i = 1; i <= 20'000; ++i)
            (void)(*store)->audit("alice", "approve", "proposal " + std::to_string(i), "reason", i);
    }
    for (auto _ : state) {
        const AuditVerification v = RemediationStore::verifyAuditFile(path);
        if (!v.ok)
            state.SkipWithError("chain broken");
        benchmark::DoNotOptimize(v.records);
    }
    state.counters["records"] = 20'000;
}

void BM_SignInPbkdf2(benchmark::State &state)
{
    QTemporaryDir dir;
    auto store = RemediationStore::open(dir.filePath(QStringLiteral("u.db")).toStdString()); // production iterations
    (void)(*store)->addUser("alice", Role::Operator, "alice-long-password", "bench", 0);
    for (auto _ : state)
        benchmark::DoNotOptimize((*store)->login("alice", "alice-long-password", 1));
    state.counters["iterations_pbkdf2"] = 310'000;
}

void pluginCall(benchmark::State &state, bool throughHost)
{
    PluginHost::Options options;
    options.directories = {QStringLiteral(NOCTURNE_GOOD_PLUGIN_DIR)};
    PluginHost host(options);
    host.load();
    Nocturne::PluginApi::ActionRequest request;
    request.action = QStringLiteral("noop");
    request.target = QStringLiteral("x");
    auto plan = host.plan("fixture-good", request);
    if (!plan) {
        state.SkipWithError("fixture plugin missing");
        return;
    }
    for (auto _ : state) {
        if (throughHost) {
            benchmark::DoNotOptimize(host.verify("fixture-good", *plan, {}));
        } else {
            QObject object; // the direct path: no thread, no deadline
            benchmark::DoNotOptimize(&object);
        }
    }
}
void BM_PluginCallThroughHost(benchmark::State &state) { pluginCall(state, true); }
void BM_EmptyCallBaseline(benchmark::State &state) { pluginCall(state, false); }
} // namespace

BENCHMARK(BM_AuditAppend)->Iterations(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlainInsertBaseline)->Iterations(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AuditVerify20k)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SignInPbkdf2)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PluginCallThroughHost)->Iterations(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EmptyCallBaseline)->Iterations(2000)->Unit(benchmark::kMicrosecond);

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
