#include "scenario_profiler.h"

#include <algorithm>
#include <sstream>

#include "core/random.h"

namespace Nocturne::Engine {

namespace {
std::vector<std::string> split(const std::string &stack)
{
    std::vector<std::string> out;
    std::stringstream in(stack);
    std::string part;
    while (std::getline(in, part, ';'))
        out.push_back(part);
    return out;
}

std::string replaceAll(std::string text, const std::string &from, const std::string &to)
{
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// A healthy Go service, `S` standing for its name. Weights are shares of the profile.
const std::pair<const char *, double> kBase[] = {
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/store.(*Repo).Load;database/sql.(*DB).QueryContext;github.com/go-sql-driver/mysql.(*mysqlConn).readPacket", 0.10},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/store.(*Repo).Load;S/store.decodeRow", 0.06},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;encoding/json.Marshal;encoding/json.(*encodeState).reflectValue", 0.12},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/api.render;html/template.(*Template).Execute", 0.05},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).authorize;S/auth.verifyToken;crypto/ecdsa.Verify", 0.07},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;crypto/tls.(*Conn).Write;crypto/aes.(*aesCipherGCM).Seal;crypto/aes.gcmAesEnc", 0.08},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;crypto/tls.(*Conn).Read;crypto/aes.(*aesCipherGCM).Open;crypto/aes.gcmAesDec", 0.06},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.(*conn).readRequest;net/textproto.(*Reader).ReadMIMEHeader", 0.05},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/client.(*Client).Call;net/http.(*Transport).roundTrip;net/http.(*persistConn).writeLoop", 0.06},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/client.(*Client).Call;github.com/redis/go-redis/v9.(*ClusterClient).process;github.com/redis/go-redis/v9.(*baseClient).withConn", 0.04},
    {"runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject", 0.08},
    {"runtime.gcBgMarkWorker;runtime.gcDrain;runtime.markroot", 0.03},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;runtime.mallocgc;runtime.(*mcache).nextFree", 0.04},
    {"runtime.mcall;runtime.park_m;runtime.schedule;runtime.findRunnable;runtime.netpoll", 0.06},
    {"runtime.bgsweep;runtime.sweepone", 0.02},
    {"main.main;S/metrics.(*Registry).Collect;github.com/prometheus/client_golang/prometheus.(*Registry).Gather", 0.03},
    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/log.(*Logger).Info;go.uber.org/zap.(*Logger).Info;go.uber.org/zap/zapcore.(*ioCore).Write", 0.05},
};

// What each fault class adds on its root service (relative to a healthy profile's total when fully on).
const std::pair<const char *, std::vector<std::pair<const char *, double>>> kFaults[] = {
    {"bad_deploy", {{"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/catalog.(*Index).Rebuild;S/catalog.normalizeTitle;strings.ToLower", 0.9},
                    {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/catalog.(*Index).Rebuild;sort.Slice", 0.4}}},
    {"memory_leak", {{"runtime.gcBgMarkWorker;runtime.gcDrain;runtime.scanobject", 0.6},
                     {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/session.(*Cache).Put;runtime.mapassign_faststr;runtime.mallocgc", 0.35}}},
    {"redis_slot_migration", {{"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/client.(*Client).Call;github.com/redis/go-redis/v9.(*ClusterClient).process;github.com/redis/go-redis/v9.(*ClusterClient).handleMoved;github.com/redis/go-redis/v9.(*clusterStateHolder).Reload", 0.5}}},
    {"connection_pool_exhausted", {{"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/store.(*Repo).Load;database/sql.(*DB).conn;runtime.selectgo", 0.35}}},
    {"row_lock_contention", {{"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;net/http.serverHandler.ServeHTTP;S/api.(*Handler).ServeHTTP;S/api.(*Handler).handle;S/store.(*Repo).Save;database/sql.(*Tx).ExecContext;S/store.retryOnDeadlock", 0.3}}},
    {"network_delay", {{"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/client.(*Client).Call;S/client.(*Client).retry;time.Sleep", 0.15},
                       {"main.main;net/http.(*Server).Serve;net/http.(*conn).serve;S/api.(*Handler).ServeHTTP;S/client.(*Client).Call;net/http.(*Transport).roundTrip;crypto/tls.(*Conn).Handshake", 0.25}}},
};
} // namespace

ScenarioProfiler::ScenarioProfiler(const Scenario &scenario, bool injectFaults)
    : m_scenario(scenario)
    , m_injectFaults(injectFaults)
{
    for (const Entity &e : scenario.estate.entities) {
        if (e.kind != EntityKind::Service)
            continue;
        ServiceModel model;
        model.name = e.id;
        model.frames = std::make_shared<FrameTable>();
        const std::uint64_t h = mix(std::hash<std::string>{}(e.id));
        const auto resolve = [&](const char *stack, double weight, std::size_t i) {
            Stack s;
            for (const std::string &frame : split(replaceAll(stack, "S/", e.id + "/")))
                s.frames.push_back(model.frames->intern(frame));
            // Each service spends its time a little differently.
            s.weight = weight * (0.6 + 0.8 * double(mix(h + i) % 1000) / 1000.0);
            return s;
        };
        std::size_t i = 0;
        for (const auto &[stack, weight] : kBase)
            model.base.push_back(resolve(stack, weight, i++));
        double sum = 0;
        for (const Stack &s : model.base)
            sum += s.weight;
        for (Stack &s : model.base)
            s.weight /= sum;
        for (const auto &[cls, stacks] : kFaults) {
            for (const auto &[stack, weight] : stacks)
                model.byFaultClass[cls].push_back(resolve(stack, weight, i++));
        }
        m_services.push_back(std::move(model));
    }
}

std::vector<StoredProfile> ScenarioProfiler::generate(Timestamp from) const
{
    const Timestamp to = from + kPeriod;
    std::vector<FaultInstance> active;
    if (m_injectFaults)
        active = m_scenario.faultInstances(from - kHour, to);
    std::vector<StoredProfile> out;
    out.reserve(m_services.size());
    const auto window = std::uint64_t((from - m_scenario.start) / kPeriod);
    for (std::size_t si = 0; si < m_services.size(); ++si) {
        const ServiceModel &svc = m_services[si];
        auto profile = std::make_shared<Profile>();
        profile->name = svc.name;
        profile->service = svc.name;
        profile->format = "scenario";
        profile->sampleTypes = {{"cpu", "nanoseconds"}};
        profile->trees.emplace_back(svc.frames);
        CallTree &tree = profile->trees.back();
        tree.unit = "nanoseconds";
        profile->startNs = from;
        profile->endNs = to;
        // ~30 % of one core sampled at 100 Hz over the period, 10 ms per sample, ±10 % noise per stack.
        const double samples = 0.3 * 100.0 * double(kPeriod / kSecond);
        const std::uint64_t seed = mix(std::uint64_t(si) * 1000003ull + window + m_scenario.seed);
        std::size_t k = 0;
        for (const Stack &s : svc.base) {
            const double noise = 0.9 + 0.2 * double(mix(seed + k++) % 1000) / 1000.0;
            tree.addStack(s.frames, std::round(samples * s.weight * noise) * 1e7);
        }
        for (const FaultInstance &f : active) {
            if (f.spec->root != svc.name)
                continue;
            const auto cls = svc.byFaultClass.find(f.spec->faultClass);
            if (cls == svc.byFaultClass.end())
                continue;
            // Share of the period the fault covers.
            const double overlap = double(std::max<Timestamp>(0, std::min(to, f.end) - std::max(from, f.onset))) / double(kPeriod);
            if (overlap <= 0)
                continue;
            for (const Stack &s : cls->second)
                tree.addStack(s.frames, std::round(samples * s.weight * overlap) * 1e7);
        }
        profile->samples = std::size_t(tree.total() / 1e7);
        out.push_back({svc.name, from, to, "scenario", std::move(profile)});
    }
    return out;
}

} // namespace Nocturne::Engine
