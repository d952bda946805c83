#include "anomaly_events.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace Nocturne::Engine {

namespace {
constexpr int kMaxJointMetrics = 16;

struct Point {
    Timestamp ts;
    double score;
    std::string metric; // empty for a joint point
    AnomalyReason reason;
};

EventSeverity severityOf(const AnomalyEvent &e)
{
    const std::size_t n = e.metrics.size();
    if (e.score >= 0.85 && n >= 2)
        return EventSeverity::Critical;
    if (e.score >= 0.7 || n >= 3)
        return EventSeverity::High;
    if (e.score >= 0.5 || n >= 2)
        return EventSeverity::Medium;
    return EventSeverity::Low;
}
} // namespace

const char *eventSeverityName(EventSeverity severity)
{
    switch (severity) {
    case EventSeverity::Low: return "low";
    case EventSeverity::Medium: return "medium";
    case EventSeverity::High: return "high";
    case EventSeverity::Critical: return "critical";
    }
    return "low";
}

struct AnomalyEventBuilder::EntityState {
    std::string name;
    std::unordered_map<std::string, int> metricIndex;
    Timestamp rowTs = INT64_MIN;
    Eigen::VectorXd rowZ = Eigen::VectorXd::Zero(kMaxJointMetrics);
    std::uint32_t rowMask = 0;
    Eigen::MatrixXd covariance = Eigen::MatrixXd::Identity(kMaxJointMetrics, kMaxJointMetrics);
    int rows = 0;
    std::deque<Point> pending;
    bool hasOpen = false;
    AnomalyEvent event;
    std::deque<Eigen::VectorXd> history; // last 2w rows of z (NaN where a metric had no sample)
    SeriesDetector fusedDetector;
};

AnomalyEventBuilder::AnomalyEventBuilder(EventConfig config)
    : m_config(config)
{
}

AnomalyEventBuilder::~AnomalyEventBuilder() = default;

AnomalyEventBuilder::EntityState &AnomalyEventBuilder::entity(const std::string &name, int intervalClass)
{
    const std::string key = intervalClass == 0 ? name : name + "@" + std::to_string(intervalClass);
    auto &slot = m_entities[key];
    if (!slot) {
        m_primaryKey.try_emplace(name, key);
        slot = std::make_unique<EntityState>();
        slot->name = name;
    }
    return *slot;
}

void AnomalyEventBuilder::add(const std::string &entityName, const std::string &metric, Timestamp ts, const Detection &d,
                              int intervalClass)
{
    if (d.reason == AnomalyReason::BadValue || d.reason == AnomalyReason::OutOfOrder || d.reason == AnomalyReason::Duplicate)
        return;
    EntityState &state = entity(entityName, intervalClass);
    if (ts != state.rowTs) {
        if (state.rowTs != INT64_MIN)
            finishRow(state);
        state.rowTs = ts;
        state.rowMask = 0;
    }
    auto [it, inserted] = state.metricIndex.try_emplace(metric, int(state.metricIndex.size()));
    const int index = it->second;
    if (index < kMaxJointMetrics && d.reason != AnomalyReason::WarmingUp) {
        state.rowZ[index] = std::clamp(d.z, -10.0, 10.0);
        state.rowMask |= 1u << index;
    }
    if (d.rawScore >= m_config.pointScore)
        addPoint(state, metric, ts, d.rawScore, d.reason, false);
}

void AnomalyEventBuilder::fuse(EntityState &state)
{
    if (state.rowMask == 0)
        return;
    Eigen::VectorXd row = Eigen::VectorXd::Constant(kMaxJointMetrics, std::numeric_limits<double>::quiet_NaN());
    for (int i = 0; i < kMaxJointMetrics; ++i) {
        if (state.rowMask & (1u << i))
            row[i] = std::clamp(state.rowZ[i], -6.0, 6.0);
    }
    state.history.push_back(std::move(row));
    const std::size_t w = std::size_t(std::max(1, m_config.fusionWindow));
    if (state.history.size() > 2 * w)
        state.history.pop_front();
    if (state.history.size() < 2 * w)
        return;
    double sumSquares = 0;
    int features = 0;
    for (int i = 0; i < kMaxJointMetrics; ++i) {
        double recent = 0, older = 0;
        int nRecent = 0, nOlder = 0;
        for (std::size_t r = 0; r < 2 * w; ++r) {
            const double v = state.history[r][i];
            if (std::isnan(v))
                continue;
            if (r >= w) {
                recent += v;
                ++nRecent;
            } else {
                older += v;
                ++nOlder;
            }
        }
        if (nRecent * 2 < int(w) || nOlder * 2 < int(w))
            continue;
        const double diff = recent / nRecent - older / nOlder;
        sumSquares += diff * diff;
        ++features;
    }
    if (features == 0)
        return;
    const double fused = std::sqrt(sumSquares / features);
    const Detection d = state.fusedDetector.update(state.rowTs, fused);
    // Only a rise of the fused curve is news: metrics moving away from their normal together.
    const bool rising = d.reason == AnomalyReason::SpikeUp || d.reason == AnomalyReason::LevelShiftUp;
    if (rising && d.rawScore >= m_config.fusedPointScore && features >= 2) {
        addPoint(state, std::string(), state.rowTs, d.rawScore, d.reason, true);
        if (state.hasOpen)
            state.event.fusedScore = std::max(state.event.fusedScore, d.rawScore);
    }
}

void AnomalyEventBuilder::addEvidence(const std::string &entityName, const std::string &what, Timestamp ts, double score,
                                      AnomalyReason reason)
{
    auto key = m_primaryKey.find(entityName);
    EntityState &state = key != m_primaryKey.end() ? *m_entities.at(key->second) : entity(entityName, 0);
    if (score >= m_config.pointScore)
        addPoint(state, what, ts, score, reason, false);
}

void AnomalyEventBuilder::finishRow(EntityState &state)
{
    std::vector<int> dims;
    for (int i = 0; i < kMaxJointMetrics; ++i) {
        if (state.rowMask & (1u << i))
            dims.push_back(i);
    }
    const int k = int(dims.size());
    fuse(state);
    if (k < 2)
        return;
    Eigen::VectorXd z(k);
    Eigen::MatrixXd sigma(k, k);
    int moderate = 0;
    for (int a = 0; a < k; ++a) {
        // Clipped: one extreme metric is the per-series detector's business; the joint score is for several
        // metrics that are each moderately off at once.
        z[a] = std::clamp(state.rowZ[dims[a]], -4.0, 4.0);
        moderate += std::fabs(z[a]) >= 2.0;
        for (int b = 0; b < k; ++b)
            sigma(a, b) = state.covariance(dims[a], dims[b]);
    }
    double joint = 0;
    if (state.rows >= m_config.jointWarmup) {
        // Shrink towards the diagonal: a stable inverse even with few rows and strongly correlated metrics.
        Eigen::MatrixXd shrunk = (1.0 - m_config.shrinkage) * sigma;
        shrunk.diagonal() = sigma.diagonal();
        shrunk.diagonal().array() += 1e-3;
        const double d2 = z.dot(shrunk.ldlt().solve(z));
        // Wilson–Hilferty: chi-square(k) → standard normal.
        const double c = 2.0 / (9.0 * k);
        const double zj = (std::cbrt(std::max(d2, 0.0) / k) - (1.0 - c)) / std::sqrt(c);
        // Every entity tests a row each step: the joint score reaches 0.5 at zj = 5 (p ≈ 3e-7) so a day of rows
        // stays quiet.
        const double excess = std::max(0.0, zj - 4.0);
        joint = excess / (excess + 1.0);
        if (joint >= m_config.jointPointScore && moderate >= 2)
            addPoint(state, std::string(), state.rowTs, joint, AnomalyReason::None, true);
        if (state.hasOpen)
            state.event.jointScore = std::max(state.event.jointScore, joint);
    }
    // Learn the covariance from normal rows only (robust: an anomaly must not teach the model that it is normal).
    if (joint >= 0.25)
        return;
    const double alpha = std::max(m_config.covarianceAlpha, 1.0 / double(state.rows + 2));
    const Eigen::VectorXd clipped = z.cwiseMax(-4.0).cwiseMin(4.0);
    const Eigen::MatrixXd outer = clipped * clipped.transpose();
    for (int a = 0; a < k; ++a) {
        for (int b = 0; b < k; ++b)
            state.covariance(dims[a], dims[b]) += alpha * (outer(a, b) - state.covariance(dims[a], dims[b]));
    }
    ++state.rows;
}

void AnomalyEventBuilder::addPoint(EntityState &state, const std::string &metric, Timestamp ts, double score,
                                   AnomalyReason reason, bool joint)
{
    auto include = [&](AnomalyEvent &event, const Point &p) {
        event.end = std::max(event.end, p.ts);
        event.score = std::max(event.score, p.score);
        if (p.metric.empty()) {
            event.jointScore = std::max(event.jointScore, p.score);
        } else {
            auto m = std::find_if(event.metrics.begin(), event.metrics.end(), [&](const InvolvedMetric &x) { return x.metric == p.metric; });
            if (m == event.metrics.end())
                event.metrics.push_back(InvolvedMetric{p.metric, p.score, p.ts, p.reason});
            else if (p.score > m->maxScore) {
                m->maxScore = p.score;
                m->reason = p.reason;
            }
        }
        event.severity = severityOf(event);
        event.confirmed = event.end - event.onset >= m_config.forDuration;
        m_changed[event.id] = event;
    };
    const Point point{ts, score, joint ? std::string() : metric, reason};
    if (state.hasOpen && ts - state.event.end <= m_config.eps) {
        include(state.event, point);
        return;
    }
    if (state.hasOpen) {
        state.event.open = false;
        m_changed[state.event.id] = state.event;
        state.hasOpen = false;
    }
    state.pending.push_back(point);
    while (!state.pending.empty() && ts - state.pending.front().ts > m_config.eps)
        state.pending.pop_front();
    // Persistence: a strong point plus another point of the same metric (a real problem lasts); coincidences of
    // independent one-sample blips across an entity's many metrics need minPoints.
    bool persistent = false;
    for (const Point &a : state.pending) {
        for (const Point &b : state.pending) {
            persistent |= &a != &b && a.metric == b.metric && std::max(a.score, b.score) >= m_config.openScore;
        }
    }
    const int n = int(state.pending.size());
    if (n >= m_config.minPoints || persistent) {
        AnomalyEvent event;
        event.id = m_nextId++;
        event.entity = state.name;
        event.onset = state.pending.front().ts;
        event.end = event.onset;
        for (const Point &p : state.pending)
            include(event, p);
        state.pending.clear();
        state.event = std::move(event);
        state.hasOpen = true;
        m_changed[state.event.id] = state.event;
    }
}

void AnomalyEventBuilder::advance(Timestamp now)
{
    for (auto &[name, state] : m_entities) {
        if (state->rowTs != INT64_MIN && state->rowTs < now) {
            finishRow(*state);
            state->rowTs = INT64_MIN;
            state->rowMask = 0;
        }
        if (state->hasOpen && now - state->event.end > m_config.eps) {
            state->event.open = false;
            m_changed[state->event.id] = state->event;
            state->hasOpen = false;
        }
    }
}

std::vector<AnomalyEvent> AnomalyEventBuilder::takeChanged()
{
    std::vector<AnomalyEvent> out;
    out.reserve(m_changed.size());
    for (auto &[id, event] : m_changed)
        out.push_back(std::move(event));
    m_changed.clear();
    return out;
}

std::vector<AnomalyEvent> AnomalyEventBuilder::openEvents() const
{
    std::vector<AnomalyEvent> out;
    for (const auto &[name, state] : m_entities) {
        if (state->hasOpen)
            out.push_back(state->event);
    }
    std::sort(out.begin(), out.end(), [](const AnomalyEvent &a, const AnomalyEvent &b) { return a.onset < b.onset; });
    return out;
}

} // namespace Nocturne::Engine
