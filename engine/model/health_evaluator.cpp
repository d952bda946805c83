#include "health_evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace Nocturne::Engine {

namespace {

enum class Bad { High, Low, LowDecibel, NonZero };

struct Rule {
    const char *metric;
    Bad bad;
    double floor;      // added to both sides so that tiny baselines do not turn noise into huge ratios
    const char *label; // short name in reasons and headlines
    double scale;      // display multiplier
    const char *unit;
};

constexpr Rule kRules[] = {
    {"http_request_duration_p99_seconds", Bad::High, 0.01, "p99", 1000, "ms"},
    {"http_errors_ratio", Bad::High, 0.005, "err", 100, "%"},
    {"container_memory_working_set_bytes", Bad::High, 1e7, "mem", 1e-6, "MB"},
    {"kube_pod_container_restarts", Bad::High, 1, "restarts", 1, ""},
    {"node_cpu_utilization_ratio", Bad::High, 0.2, "cpu", 100, "%"},
    {"node_network_rtt_milliseconds", Bad::High, 0.2, "rtt", 1, "ms"},
    {"redis_keyspace_hit_ratio", Bad::Low, 0.02, "hit", 100, "%"},
    {"redis_command_latency_ms", Bad::High, 0.3, "lat", 1, "ms"},
    {"mysql_global_status_threads_connected", Bad::High, 20, "threads", 1, ""},
    {"mysql_innodb_row_lock_waits_per_second", Bad::High, 2, "lock waits", 1, "/s"},
    {"mysql_cpu_ratio", Bad::High, 0.1, "cpu", 100, "%"},
    {"kafka_consumergroup_lag", Bad::High, 200, "lag", 1, ""},
    {"DCGM_FI_DEV_XID_ERRORS", Bad::NonZero, 0, "XID", 1, ""},
    {"DCGM_FI_DEV_GPU_UTIL", Bad::Low, 5, "util", 1, "%"},
    {"ib_port_rcv_errors_per_second", Bad::High, 1, "CRC err", 1, "/s"},
    {"ib_port_xmit_wait_per_second", Bad::High, 2000, "xmit wait", 1, "/s"},
    {"roce_pfc_pause_frames_per_second", Bad::High, 100, "PFC", 1, "/s"},
    {"transceiver_rx_power_dbm", Bad::LowDecibel, 0, "RX", 1, "dBm"},
    {"training_step_time_seconds", Bad::High, 0.05, "step", 1, "s"},
};

const Rule *ruleFor(const std::string &metric)
{
    for (const Rule &rule : kRules) {
        if (metric == rule.metric)
            return &rule;
    }
    return nullptr;
}

bool isTileKind(EntityKind kind)
{
    switch (kind) {
    case EntityKind::Service:
    case EntityKind::Host:
    case EntityKind::Cache:
    case EntityKind::Database:
    case EntityKind::Queue:
    case EntityKind::Server:
    case EntityKind::Switch:
    case EntityKind::Job: return true;
    default: return false;
    }
}

std::string formatValue(const Rule &rule, double value)
{
    char buffer[64];
    const double v = value * rule.scale;
    if (std::fabs(v) >= 100 || rule.scale == 1e-6)
        std::snprintf(buffer, sizeof buffer, "%s %.0f%s%s", rule.label, v, *rule.unit == '%' || *rule.unit == '/' ? "" : " ", rule.unit);
    else
        std::snprintf(buffer, sizeof buffer, "%s %.2g%s%s", rule.label, v, *rule.unit == '%' || *rule.unit == '/' ? "" : " ", rule.unit);
    std::string out = buffer;
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

} // namespace

const char *healthStateName(HealthState state)
{
    switch (state) {
    case HealthState::Unknown: return "unknown";
    case HealthState::Ok: return "ok";
    case HealthState::Warning: return "warning";
    case HealthState::Critical: return "critical";
    }
    return "unknown";
}

HealthEvaluator::HealthEvaluator(const Estate &estate, const SeriesStore &store, Options options)
    : m_estate(estate)
    , m_store(store)
    , m_options(options)
{
    for (const Entity &e : estate.entities) {
        if (isTileKind(e.kind))
            m_tiles.push_back(e.id);
        m_topLevel[e.id] = topLevelOf(e.id);
    }
}

std::string HealthEvaluator::topLevelOf(const std::string &entity) const
{
    std::string current = entity;
    for (int guard = 0; guard < 8; ++guard) {
        const Entity *e = m_estate.find(current);
        if (!e)
            return {};
        if (isTileKind(e->kind))
            return current;
        if (e->parent.empty())
            return e->host;
        current = e->parent;
    }
    return {};
}

std::string HealthEvaluator::tileOf(const std::string &entity) const
{
    const auto arrow = entity.find("->");
    const std::string id = arrow == std::string::npos ? entity : entity.substr(0, arrow);
    auto it = m_topLevel.find(id);
    return it == m_topLevel.end() ? std::string() : it->second;
}

void HealthEvaluator::addSeries(const std::string &entity, const std::string &metric, SeriesId id)
{
    if (ruleFor(metric))
        m_keyMetrics[entity].push_back(KeyMetric{metric, id});
}

HealthEvaluator::MetricVerdict HealthEvaluator::judge(const std::string &metric, SeriesId id, Timestamp now) const
{
    MetricVerdict verdict;
    const Rule *rule = ruleFor(metric);
    const auto samples = m_store.range(id, now - m_options.baselineWindow, now);
    if (!rule || samples.empty()) {
        verdict.state = HealthState::Unknown;
        return verdict;
    }
    const Timestamp recentFrom = now - m_options.recentWindow;
    std::vector<double> baseline;
    double recentSum = 0;
    int recentCount = 0;
    for (const Sample &s : samples) {
        if (s.ts >= recentFrom) {
            recentSum += s.value;
            ++recentCount;
        } else {
            baseline.push_back(s.value);
        }
    }
    if (recentCount == 0) {
        verdict.state = HealthState::Unknown;
        return verdict;
    }
    const double recent = recentSum / recentCount;
    verdict.value = recent;
    if (rule->bad == Bad::NonZero) {
        verdict.state = samples.back().value != 0 ? HealthState::Critical : HealthState::Ok;
        verdict.ratio = samples.back().value != 0 ? m_options.criticalRatio : 1.0;
        verdict.value = samples.back().value;
        return verdict;
    }
    if (baseline.size() < 6)
        return verdict;
    auto mid = baseline.begin() + static_cast<std::ptrdiff_t>(baseline.size() / 2);
    std::nth_element(baseline.begin(), mid, baseline.end());
    const double median = *mid;
    switch (rule->bad) {
    case Bad::High: verdict.ratio = (recent + rule->floor) / (std::max(median, 0.0) + rule->floor); break;
    case Bad::Low:
        if (std::string_view(rule->metric) == "redis_keyspace_hit_ratio")
            verdict.ratio = (1 - recent + rule->floor) / (1 - median + rule->floor);
        else
            verdict.ratio = (median + rule->floor) / (std::max(recent, 0.0) + rule->floor);
        break;
    case Bad::LowDecibel: verdict.ratio = std::pow(10.0, (median - recent) / 10.0); break;
    case Bad::NonZero: break;
    }
    verdict.state = verdict.ratio >= m_options.criticalRatio ? HealthState::Critical
                  : verdict.ratio >= m_options.warningRatio  ? HealthState::Warning
                                                              : HealthState::Ok;
    return verdict;
}

std::vector<EntityHealth> HealthEvaluator::evaluate(Timestamp now) const
{
    std::unordered_map<std::string, std::size_t> tileIndex;
    std::vector<EntityHealth> tiles;
    std::vector<double> worstRatio;
    tiles.reserve(m_tiles.size());
    for (const auto &id : m_tiles) {
        tileIndex[id] = tiles.size();
        EntityHealth h;
        h.entity = id;
        h.kind = m_estate.find(id)->kind;
        tiles.push_back(std::move(h));
        worstRatio.push_back(0);
    }
    for (const auto &[entity, metrics] : m_keyMetrics) {
        auto top = m_topLevel.find(entity);
        if (top == m_topLevel.end() || top->second.empty())
            continue;
        auto ti = tileIndex.find(top->second);
        if (ti == tileIndex.end())
            continue;
        EntityHealth &tile = tiles[ti->second];
        const bool self = entity == tile.entity;
        HealthState entityWorst = HealthState::Ok;
        for (const KeyMetric &km : metrics) {
            const MetricVerdict v = judge(km.metric, km.id, now);
            if (v.state == HealthState::Unknown)
                continue;
            entityWorst = std::max(entityWorst, v.state);
            if (self && tile.headline.size() < 40) {
                const Rule *rule = ruleFor(km.metric);
                if (!tile.headline.empty())
                    tile.headline += " · ";
                tile.headline += formatValue(*rule, v.value);
            }
            if (v.state >= HealthState::Warning && v.ratio > worstRatio[ti->second]) {
                worstRatio[ti->second] = v.ratio;
                const Rule *rule = ruleFor(km.metric);
                char buffer[160];
                if (rule->bad == Bad::NonZero)
                    std::snprintf(buffer, sizeof buffer, "%s %s %.0f", entity.c_str(), rule->label, v.value);
                else
                    std::snprintf(buffer, sizeof buffer, "%s %s %.1f× its 30-min normal", entity.c_str(), rule->label, v.ratio);
                tile.reason = buffer;
            }
        }
        tile.state = std::max(tile.state, entityWorst);
        if (!self) {
            ++tile.children;
            if (entityWorst >= HealthState::Warning)
                ++tile.unhealthyChildren;
        }
    }
    for (EntityHealth &tile : tiles) {
        auto km = m_keyMetrics.find(tile.entity);
        if (km == m_keyMetrics.end() || km->second.empty())
            continue;
        const auto buckets = m_store.downsample(km->second.front().id, now - m_options.baselineWindow, now + 1,
                                                m_options.sparklinePoints);
        tile.sparkline.reserve(buckets.size());
        for (const auto &b : buckets)
            tile.sparkline.push_back(b.avg);
    }
    return tiles;
}

} // namespace Nocturne::Engine
