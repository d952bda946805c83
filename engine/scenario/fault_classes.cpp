// What each fault class does at its root, and which sources of trouble it hands to the propagation. Magnitudes and
// metrics follow the hand-written faults of resources/scenarios/shop.yaml and gpu-cluster.yaml, so detection sees a
// synthesized fault as it sees theirs.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "core/random.h"
#include "scenario/fault_model_detail.h"

namespace Nocturne::Engine::FaultModelDetail {

namespace {

constexpr double kBaseHitRatio = 0.95; // redis_keyspace_hit_ratio of the metric catalog
constexpr double kMissSeconds = 0.02;  // a cache miss: the database query and re-serialisation

using Op = FaultEffect::Op;
constexpr const char *kP99 = "http_request_duration_p99_seconds";
constexpr const char *kErrors = "http_errors_ratio";
constexpr const char *kEdgeDuration = "rpc_client_duration_p99_seconds";
constexpr const char *kEdgeErrors = "rpc_client_errors_ratio";

// Slower calls into a database show on the client side of every call edge into it (its own series has no latency).
void slowCallsInto(Builder &b, std::size_t callee, double extraSeconds, double extraErrors, Duration lag, Duration errorLag)
{
    const Graph &g = b.graph();
    const double latencyFactor = std::min(60.0, 1 + extraSeconds / g.callSeconds(callee));
    const double errorFactor = std::min(kMaxErrorFactor, 1 + extraErrors / g.callErrors(callee));
    for (const auto &[caller, share] : g.callers[callee]) {
        if (latencyFactor > 1.01)
            b.edgeEffect(caller, callee, kEdgeDuration, latencyFactor, lag);
        if (errorFactor > 1.01)
            b.edgeEffect(caller, callee, kEdgeErrors, errorFactor, errorLag);
    }
}

// A cache that misses sends the misses of its callers to the databases they call.
std::size_t cacheFallThrough(Builder &b, std::size_t cache, double missShare)
{
    const Graph &g = b.graph();
    std::map<std::size_t, double> extra; // database → extra queries per second
    for (const auto &[caller, share] : g.callers[cache]) {
        double dbShares = 0;
        for (const auto &[callee, s] : g.callees[caller])
            dbShares += g.kind(callee) == EntityKind::Database ? s : 0;
        if (dbShares <= 0)
            continue;
        const double misses = g.param(caller, "rps", 100) * share * missShare;
        for (const auto &[callee, s] : g.callees[caller])
            if (g.kind(callee) == EntityKind::Database)
                extra[callee] += misses * s / dbShares;
    }
    std::size_t busiest = kNone;
    double most = 0;
    for (const auto &[db, queries] : extra) {
        const double f = 1 + queries / std::max(1.0, g.param(db, "qps", 1000));
        if (queries > most) {
            most = queries;
            busiest = db;
        }
        if (f < kMinLatencyFactor)
            continue;
        b.effect(db, "mysql_queries_per_second", Op::Scale, f, 10 * kSecond);
        b.effect(db, "mysql_global_status_threads_connected", Op::Scale, 1 + 0.6 * (f - 1), 10 * kSecond);
        b.effect(db, "mysql_cpu_ratio", Op::Scale, 1 + 0.5 * (f - 1), 10 * kSecond);
    }
    return busiest;
}

void buildCpuSaturation(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    switch (g.kind(root)) {
    case EntityKind::Service: {
        for (std::size_t pod : g.partsOfKind(root, EntityKind::Pod))
            b.effect(pod, "container_cpu_usage_ratio", Op::Scale, 2.6);
        b.effect(root, kP99, Op::Scale, 3, 10 * kSecond);
        b.source({root, 2 * g.callSeconds(root), 0, 10 * kSecond, 10 * kSecond});
        b.log(root, "WARN", "worker pool saturated: {int:40-400} requests queued, CPU throttled in {int:40-90}% of periods", 20,
              10 * kSecond);
        b.log(root, "WARN", "request took {int:800-3000}ms, {int:70-95}% of it waiting for CPU", 10, 20 * kSecond);
        break;
    }
    case EntityKind::Pod: {
        b.effect(root, "container_cpu_usage_ratio", Op::Scale, 2.6);
        const std::size_t service = g.parentOf(root);
        if (service != kNone && g.kind(service) == EntityKind::Service) {
            // One slow replica of n sets the p99 of 1/n of the requests: all of it up to three replicas.
            const double n = double(std::max<std::size_t>(1, g.partsOfKind(service, EntityKind::Pod).size()));
            const double f = 1 + 2 * std::min(1.0, 3 / n);
            b.effect(service, kP99, Op::Scale, f, 10 * kSecond);
            b.source({service, (f - 1) * g.callSeconds(service), 0, 10 * kSecond, 10 * kSecond});
            b.log(service, "WARN", "slow responses from pod " + b.id(root) + ": CPU throttled in {int:40-90}% of periods", 12,
                  10 * kSecond);
        }
        break;
    }
    case EntityKind::Host: {
        b.effect(root, "node_cpu_utilization_ratio", Op::Scale, 3);
        b.log(root, "WARN", "load average {int:40-90}.{int:10-99}, CPU steal {int:20-60}%, run queue {int:30-120}", 6);
        // What runs there waits for CPU: a service as much as its share of replicas there.
        std::map<std::size_t, std::pair<int, int>> services; // service → (pods here, pods)
        for (std::size_t x : g.hosted[root]) {
            const EntityKind k = g.kind(x);
            if (k == EntityKind::Pod) {
                const std::size_t service = g.parentOf(x);
                if (service != kNone && g.kind(service) == EntityKind::Service)
                    services[service] = {services[service].first + 1, int(g.partsOfKind(service, EntityKind::Pod).size())};
            } else if (k == EntityKind::Cache) {
                b.effect(x, "redis_command_latency_ms", Op::Scale, 2.5, 10 * kSecond);
                b.source({x, 1.5 * g.callSeconds(x), 0, 10 * kSecond, 10 * kSecond});
            } else if (k == EntityKind::Queue) {
                b.effect(x, "kafka_request_latency_ms", Op::Scale, 2.5, 10 * kSecond);
                b.source({x, 1.5 * g.callSeconds(x), 0, 10 * kSecond, 10 * kSecond});
            } else if (k == EntityKind::Database) {
                b.effect(x, "mysql_slow_queries_per_second", Op::Scale, 4, 10 * kSecond);
                slowCallsInto(b, x, 1.5 * g.callSeconds(x), 0, 10 * kSecond, 10 * kSecond);
                b.source({x, 1.5 * g.callSeconds(x), 0, 10 * kSecond, 10 * kSecond});
            }
        }
        for (const auto &[service, counts] : services) {
            const double share = double(counts.first) / double(std::max(1, counts.second));
            const double f = 1 + 1.5 * std::min(1.0, 3 * share);
            b.effect(service, kP99, Op::Scale, f, 10 * kSecond);
            b.source({service, (f - 1) * g.callSeconds(service), 0, 10 * kSecond, 10 * kSecond});
        }
        break;
    }
    case EntityKind::Database:
        b.effect(root, "mysql_cpu_ratio", Op::Scale, 3); // call edges into it inherit the slowdown
        b.effect(root, "mysql_slow_queries_per_second", Op::Scale, 6, 10 * kSecond);
        b.effect(root, "mysql_global_status_threads_connected", Op::Scale, 1.6, 10 * kSecond);
        b.source({root, 2 * g.callSeconds(root), 0, 0, 0});
        b.log(root, "WARN", "Slow query: Query_time: {int:2-9}.{int:100-999} Lock_time: 0.000 Rows_examined: {int:100000-900000}", 30,
              10 * kSecond);
        break;
    case EntityKind::Cache:
        b.effect(root, "redis_command_latency_ms", Op::Scale, 5); // call edges into it inherit the slowdown
        b.effect(root, "redis_connected_clients", Op::Scale, 1.4, 10 * kSecond);
        b.source({root, 4 * g.callSeconds(root), 0, 0, 0});
        b.log(root, "WARN",
              "slowlog: {int:10000-90000} microseconds for {choice:KEYS|SMEMBERS|HGETALL|ZRANGEBYSCORE} (CPU "
              "{int:95-100}%)",
              30);
        break;
    default: break;
    }
}

void buildMemoryLeak(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    const Duration d = b.duration();
    // Timings follow the hand-written leak (5 minutes: heap ramps over 4, latency at 3, OOM kills at 4).
    const Duration latencyLag = d * 3 / 5, oomLag = d * 4 / 5;
    for (std::size_t pod : g.partsOfKind(root, EntityKind::Pod)) {
        b.effect(pod, "container_memory_working_set_bytes", Op::Scale, 2.2, 0, std::max<Duration>(oomLag, 30 * kSecond));
        b.effect(pod, "kube_pod_container_restarts", Op::Add, 3, oomLag, 60 * kSecond, 30 * kMinute);
    }
    b.effect(root, kP99, Op::Scale, 2.5, latencyLag, 60 * kSecond);
    b.effect(root, kErrors, Op::Scale, 20, oomLag, 20 * kSecond);
    b.source({root, 1.5 * g.callSeconds(root), 19 * g.ownErrors(root), latencyLag, oomLag, 60 * kSecond});
    b.log(root, "WARN", "GC overhead: {int:60-95}% of time in young collections", 20, d * 2 / 5);
    b.log(root, "ERROR", "java.lang.OutOfMemoryError: Java heap space", 12, oomLag);
}

void buildConnectionPoolExhausted(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    const double pool = g.param(root, "pool", 20);
    b.effect(root, "db_pool_active_connections", Op::Set, pool, 0, 20 * kSecond);
    b.effect(root, "db_pool_wait_seconds", Op::Add, 2.5);
    b.effect(root, kP99, Op::Scale, 7);
    b.effect(root, kErrors, Op::Scale, 25, 10 * kSecond);
    b.source({root, 6 * g.callSeconds(root), 24 * g.ownErrors(root), 0, 10 * kSecond});
    const std::string size = std::to_string(int(std::lround(pool)));
    b.log(root, "ERROR", "[ERROR] DB connection pool exhausted (active=" + size + ", max=" + size + ", waiting={int:10-90})", 50,
          10 * kSecond);
    if (const std::size_t caller = g.topCaller(root); caller != kNone)
        b.log(caller, "ERROR", b.id(root) + " call failed: timeout after {int:3000-3100}ms", 20, 20 * kSecond);
}

void buildBadDeploy(Builder &b)
{
    FaultSpec &spec = b.spec();
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    const std::uint64_t h = mix(b.seed() ^ hashString(b.id(root)) ^ 0xde91);
    spec.deployVersion = "v" + std::to_string(2 + h % 7) + "." + std::to_string((h >> 8) % 20) + "." + std::to_string((h >> 16) % 10);
    b.effect(root, kErrors, Op::Set, 0.18, 0, 10 * kSecond);
    b.source({root, 0, std::max(0.0, 0.18 - g.ownErrors(root)), 0, 0, 10 * kSecond});
    std::string package;
    for (char c : b.id(root))
        if (std::isalnum(static_cast<unsigned char>(c)))
            package += char(std::tolower(static_cast<unsigned char>(c)));
    b.log(root, "ERROR",
          "java.lang.NullPointerException at com.shop." + package + ".RequestHandler.handle(RequestHandler.java:{int:100-400})", 90);
    b.log(root, "ERROR", "HTTP 500 on {choice:GET|POST} /api/" + b.id(root) + ": unhandled exception in build " + spec.deployVersion, 30);
}

void buildLatencyInjection(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    const std::size_t caller = g.topCaller(root);
    switch (g.kind(root)) {
    case EntityKind::Service:
        b.effect(root, kP99, Op::Scale, 5, 0, 20 * kSecond);
        b.effect(root, kErrors, Op::Scale, 3, 20 * kSecond); // the slowest requests time out
        b.source({root, 4 * g.callSeconds(root), 2 * g.ownErrors(root), 0, 20 * kSecond, 20 * kSecond});
        b.log(root, "WARN", "slow request: GET /api/" + b.id(root) + " took {int:400-2500}ms (threshold 200ms)", 30);
        if (caller != kNone)
            b.log(caller, "WARN", "call to " + b.id(root) + " exceeded its deadline ({int:500-1500}ms), retrying", 15, 10 * kSecond);
        break;
    case EntityKind::Database:
        b.effect(root, "mysql_slow_queries_per_second", Op::Scale, 15, 0, 20 * kSecond);
        b.effect(root, "mysql_global_status_threads_connected", Op::Scale, 2, 5 * kSecond);
        slowCallsInto(b, root, 0.25, 0.002, 0, 10 * kSecond);
        b.source({root, 0.25, 0.002, 0, 10 * kSecond, 20 * kSecond});
        b.log(root, "WARN", "Slow query: Query_time: {int:1-4}.{int:100-999} Lock_time: 0.000 Rows_sent: {int:1-50} (io wait)", 40);
        if (caller != kNone)
            b.log(caller, "WARN", "query on " + b.id(root) + " took {int:300-900}ms", 20, 10 * kSecond);
        break;
    case EntityKind::Cache:
        b.effect(root, "redis_command_latency_ms", Op::Scale, 25, 0, 20 * kSecond); // call edges into it inherit it
        b.source({root, 24 * g.callSeconds(root), 0, 0, 0, 20 * kSecond});
        b.log(root, "WARN", "slowlog: {int:5000-40000} microseconds for {choice:GET|HGETALL|MGET} (fork / io stall)", 30);
        if (caller != kNone)
            b.log(caller, "WARN", "redis call to " + b.id(root) + " took {int:20-80}ms", 20, 10 * kSecond);
        break;
    default: break;
    }
}

void buildNetworkDelay(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    b.effect(root, "node_network_rtt_milliseconds", Op::Scale, 25, 0, 15 * kSecond);
    b.effect(root, "node_network_retransmits_per_second", Op::Scale, 40, 0, 15 * kSecond);
    b.log(root, "WARN", "{choice:eth0|ens5}: NETDEV WATCHDOG: transmit queue {int:0-7} timed out, {int:100-900} retransmits", 6);
    // Calls into what runs here slow down at the caller (the callee's own server-side numbers stay normal), as much
    // as the share of its replicas that run here.
    std::map<std::size_t, double> callees; // callee → share of its calls that land on this host
    for (std::size_t x : g.hosted[root]) {
        if (g.kind(x) == EntityKind::Pod) {
            const std::size_t service = g.parentOf(x);
            if (service != kNone && g.kind(service) == EntityKind::Service)
                callees[service] += 1.0 / double(std::max<std::size_t>(1, g.partsOfKind(service, EntityKind::Pod).size()));
        } else {
            callees[x] = 1.0;
        }
    }
    bool logged = false;
    for (const auto &[callee, share] : callees) {
        if (g.callers[callee].empty())
            continue;
        const double f = 1 + 4 * std::min(1.0, 2 * share);
        const double fe = 1 + 3 * std::min(1.0, 2 * share);
        for (const auto &[caller, s] : g.callers[callee]) {
            b.edgeEffect(caller, callee, kEdgeDuration, f, 5 * kSecond);
            b.edgeEffect(caller, callee, kEdgeErrors, fe, 5 * kSecond);
        }
        b.source({callee, (f - 1) * g.callSeconds(callee), (fe - 1) * g.callErrors(callee), 5 * kSecond, 5 * kSecond});
        if (!logged) {
            logged = true;
            b.log(g.topCaller(callee), "WARN", "upstream " + b.id(callee) + " timed out after {int:1000-2000}ms, retrying ({int:1-3}/3)",
                  30, 10 * kSecond);
        }
    }
}

void buildRowLockContention(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    b.effect(root, "mysql_innodb_row_lock_waits_per_second", Op::Scale, 60, 0, 10 * kSecond);
    b.effect(root, "mysql_global_status_threads_connected", Op::Scale, 1.9, 5 * kSecond);
    slowCallsInto(b, root, 0.4, 0.01, 5 * kSecond, 10 * kSecond);
    b.source({root, 0.4, 0.01, 5 * kSecond, 10 * kSecond});
    b.log(root, "WARN",
          "InnoDB: transaction {int:100000-999999} waiting for lock on table "
          "`shop`.`{choice:stock|orders|payments|carts}` index PRIMARY",
          60);
    if (const std::size_t caller = g.topCaller(root); caller != kNone)
        b.log(caller, "ERROR", "Lock wait timeout exceeded; try restarting transaction (id={int:1000-99999}, waited {int:50000-51000}ms)",
              40, 10 * kSecond);
}

void buildCacheMisses(Builder &b, double hitRatio, double latencyFactor, bool slotMigration)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    const double missShare = std::max(0.0, kBaseHitRatio - hitRatio);
    b.effect(root, "redis_keyspace_hit_ratio", Op::Set, hitRatio, 0, 20 * kSecond);
    b.effect(root, "redis_command_latency_ms", Op::Scale, latencyFactor, 0, 20 * kSecond); // call edges inherit it
    const std::size_t db = cacheFallThrough(b, root, missShare);
    b.source({root, (latencyFactor - 1) * g.callSeconds(root) + missShare * kMissSeconds, 0, 5 * kSecond, 5 * kSecond, 20 * kSecond});
    if (slotMigration)
        b.log(root, "WARN", "-MOVED {int:0-16383} {ip}:6379", 120);
    else
        b.log(root, "WARN", "evicted {int:1000-50000} keys in the last second (maxmemory reached, policy allkeys-lru)", 30);
    if (const std::size_t caller = g.topCaller(root); caller != kNone)
        b.log(caller, "WARN",
              "cache miss for {choice:sku|user|cart|price}:{int:1000-99999}, falling back to " +
                  (db != kNone ? b.id(db) : std::string("the origin")),
              90, 5 * kSecond);
}

void buildGpuFallenOffBus(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    b.effect(root, "DCGM_FI_DEV_XID_ERRORS", Op::Set, 79, 0, kSecond, kHour);
    b.effect(root, "DCGM_FI_DEV_GPU_UTIL", Op::Set, 0, 0, kSecond);
    b.effect(root, "DCGM_FI_DEV_POWER_USAGE", Op::Set, 0, 0, kSecond);
    b.effect(root, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", Op::Set, 0, 0, kSecond);
    const std::size_t server = g.ancestorOfKind(root, EntityKind::Server);
    b.log(server, "ERROR", "NVRM: Xid (PCI:0000:{hex:2}:00): 79, pid={int:1000-99999}, GPU has fallen off the bus.", 6);
    if (server == kNone)
        return;
    // The job hangs at its next collective: every GPU of every server in it idles.
    for (std::size_t job : g.jobsOf({server})) {
        int rank = -1, position = 0;
        for (std::size_t member : g.members[job]) {
            for (std::size_t gpu : g.partsOfKind(member, EntityKind::Gpu)) {
                if (gpu == root)
                    rank = position;
                ++position;
                b.effect(gpu, "DCGM_FI_DEV_GPU_UTIL", Op::Scale, 0.05, 10 * kSecond, 5 * kSecond);
            }
        }
        b.effect(job, "training_step_time_seconds", Op::Scale, 20, 10 * kSecond, 5 * kSecond);
        b.log(job, "WARN", "NCCL watchdog: collective operation timeout on rank " + std::to_string(std::max(0, rank)), 4, 30 * kSecond);
    }
}

// The training jobs whose traffic crosses the port's switch (or, for a spine, the leaves below it).
std::vector<std::size_t> jobsBehindPort(const Graph &g, std::size_t port)
{
    std::set<std::size_t> servers, seen;
    const std::size_t owner = g.parentOf(port);
    if (owner != kNone && g.kind(owner) == EntityKind::Switch)
        g.serversBehindSwitch(owner, 1, servers, seen);
    for (std::size_t side : g.linked[port]) {
        const std::size_t sideOwner = g.parentOf(side);
        if (sideOwner != kNone && g.kind(sideOwner) == EntityKind::Nic)
            if (const std::size_t server = g.ancestorOfKind(sideOwner, EntityKind::Server); server != kNone)
                servers.insert(server);
    }
    if (owner != kNone && g.kind(owner) == EntityKind::Nic)
        if (const std::size_t server = g.ancestorOfKind(owner, EntityKind::Server); server != kNone)
            servers.insert(server);
    return g.jobsOf(servers);
}

// The GPUs behind a switch port that faces a server: the GPU(s) attached to the NIC at its other end.
std::vector<std::size_t> gpusBehindPort(const Graph &g, std::size_t port)
{
    std::vector<std::size_t> gpus;
    for (std::size_t peer : g.linked[port]) {
        const std::size_t nic = g.parentOf(peer);
        if (nic == kNone || g.kind(nic) != EntityKind::Nic)
            continue;
        for (std::size_t x : g.linked[nic])
            if (g.kind(x) == EntityKind::Gpu)
                gpus.push_back(x);
    }
    return gpus;
}

void buildCongestedUplink(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    b.involve(g.parentOf(root));
    b.effect(root, "ib_port_xmit_wait_per_second", Op::Scale, 80, 0, 20 * kSecond);
    b.effect(root, "ib_port_utilization_ratio", Op::Set, 0.99, 0, 20 * kSecond);
    b.log(g.parentOf(root), "WARN", b.id(root) + ": egress queue congested, xmit wait {int:80000-200000} ticks/s (ECMP imbalance)", 2);
    for (std::size_t job : jobsBehindPort(g, root)) {
        b.effect(job, "training_step_time_seconds", Op::Scale, 1.45, 10 * kSecond);
        b.effect(job, "nccl_allreduce_bus_bandwidth_gbps", Op::Scale, 0.6, 10 * kSecond);
    }
}

void buildPfcStorm(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    b.involve(g.parentOf(root));
    b.effect(root, "roce_pfc_pause_frames_per_second", Op::Add, 250000, 0, 10 * kSecond);
    if (const std::size_t sw = g.parentOf(root); sw != kNone) {
        for (std::size_t port : g.partsOfKind(sw, EntityKind::Port))
            if (port != root)
                b.effect(port, "roce_pfc_pause_frames_per_second", Op::Add, 3000, 15 * kSecond, 20 * kSecond);
    }
    b.effect(root, "ib_port_xmit_wait_per_second", Op::Scale, 40, 0, 10 * kSecond);
    // The GPU whose NIC stopped draining stalls first; the job's collectives slow down across the rail.
    for (std::size_t gpu : gpusBehindPort(g, root)) {
        b.effect(gpu, "DCGM_FI_DEV_GPU_UTIL", Op::Scale, 0.8, 20 * kSecond, 10 * kSecond);
        b.effect(gpu, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", Op::Scale, 0.75, 20 * kSecond, 10 * kSecond);
        b.log(g.ancestorOfKind(gpu, EntityKind::Server), "WARN",
              "mlx5_core 0000:{hex:2}:00.0: PFC pause storm on priority 3: {int:200000-300000} pause frames/s received", 6, 5 * kSecond);
    }
    for (std::size_t job : jobsBehindPort(g, root)) {
        b.effect(job, "training_step_time_seconds", Op::Scale, 2.2, 15 * kSecond);
        b.effect(job, "nccl_allreduce_bus_bandwidth_gbps", Op::Scale, 0.35, 15 * kSecond);
    }
}

void buildTransceiverDegradation(Builder &b)
{
    const Graph &g = b.graph();
    const std::size_t root = b.root();
    const Duration d = b.duration();
    const std::size_t port = g.parentOf(root);
    // Timings follow the hand-written optic fault (2 hours: power decays over all of it, errors from 80 minutes,
    // the job slows from 100 minutes), scaled to this fault's duration.
    b.effect(root, "transceiver_rx_power_dbm", Op::Add, -7.5, 0, d);
    b.effect(root, "transceiver_temperature_celsius", Op::Add, 9, 0, d);
    b.effect(port, "ib_port_rcv_errors_per_second", Op::Add, 40, d * 2 / 3, d / 3);
    b.effect(port, "ib_port_symbol_errors_per_second", Op::Add, 400, d * 2 / 3, d / 3);
    std::size_t server = kNone;
    for (std::size_t peer : g.linked[port]) {
        for (std::size_t xcvr : g.partsOfKind(peer, EntityKind::Transceiver))
            b.effect(xcvr, "transceiver_tx_power_dbm", Op::Add, -0.4, 0, d);
        if (server == kNone)
            server = g.ancestorOfKind(peer, EntityKind::Server);
    }
    if (server == kNone)
        server = g.ancestorOfKind(port, EntityKind::Server);
    for (std::size_t job : jobsBehindPort(g, port))
        b.effect(job, "training_step_time_seconds", Op::Scale, 1.35, d * 5 / 6, d / 6);
    if (server != kNone)
        b.log(server, "WARN",
              "mlx5_core 0000:{hex:2}:00.0: mlx5_port_module_event: Port module event: module 0, Cable error "
              "({choice:Power budget exceeded|Bus stuck})",
              1, d * 5 / 6);
    else
        b.log(g.parentOf(port), "WARN", b.id(port) + ": symbol errors rising, DOM rx power below the warning threshold", 1, d * 2 / 3);
}

} // namespace

void buildFault(FaultClass cls, Builder &b)
{
    switch (cls) {
    case FaultClass::CpuSaturation: buildCpuSaturation(b); break;
    case FaultClass::MemoryLeak: buildMemoryLeak(b); break;
    case FaultClass::ConnectionPoolExhausted: buildConnectionPoolExhausted(b); break;
    case FaultClass::BadDeploy: buildBadDeploy(b); break;
    case FaultClass::LatencyInjection: buildLatencyInjection(b); break;
    case FaultClass::NetworkDelay: buildNetworkDelay(b); break;
    case FaultClass::RowLockContention: buildRowLockContention(b); break;
    case FaultClass::CacheMissStorm: buildCacheMisses(b, 0.35, 2.5, false); break;
    case FaultClass::RedisSlotMigration: buildCacheMisses(b, 0.25, 6, true); break;
    case FaultClass::GpuFallenOffBus: buildGpuFallenOffBus(b); break;
    case FaultClass::CongestedUplink: buildCongestedUplink(b); break;
    case FaultClass::PfcStorm: buildPfcStorm(b); break;
    case FaultClass::TransceiverDegradation: buildTransceiverDegradation(b); break;
    case FaultClass::Unknown: break;
    }
}

} // namespace Nocturne::Engine::FaultModelDetail
