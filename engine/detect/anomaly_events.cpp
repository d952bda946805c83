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

namespace {
int directionOf(AnomalyReason reason)
{
    switch (reason) {
    case AnomalyReason::SpikeUp:
    case AnomalyReason::LevelShiftUp:
    case AnomalyReason::DriftUp: return 1;
    case AnomalyReason::SpikeDown:
    case AnomalyReason::LevelShiftDown:
    case AnomalyReason::DriftDown: return -1;
    default: return 0;
    }
}

// Per metric: the run of consecutive anomalous samples, the band before the current episode, and the episode a
// return to that band ends.
struct MetricTrack {
    int run = 0;
    std::vector<Point> runPoints; // the run's samples until it persists (at most minRunSamples)
    bool haveNormal = false;
    double normalLower = 0, normalUpper = 0; // band of the last normal sample
    bool inEpisode = false;
    bool remembered = false; // the last episode ended, its band and direction still count for a return (drift)
    int episodeDirection = 0;
    double episodeLower = 0, episodeUpper = 0;
    Timestamp episodeStart = 0;
    int quiet = 0; // normal samples since the episode's last anomalous one
    bool estate = false; // this run is part of an estate-wide shift: its points go to the estate's event
};

struct JointTrack {
    int run = 0;
    Timestamp lastTs = INT64_MIN;
    std::vector<Point> runPoints;
};
} // namespace

struct AnomalyEventBuilder::EntityState {
    std::string name;
    std::unordered_map<std::string, int> metricIndex;
    std::vector<MetricTrack> tracks; // by metric index
    JointTrack jointTracks[2];       // joint score, fused curve
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
    if (state.tracks.size() <= std::size_t(index))
        state.tracks.resize(std::size_t(index) + 1);
    MetricTrack &track = state.tracks[std::size_t(index)];
    if ((track.inEpisode || track.remembered) && ts - track.episodeStart > m_config.recoveryMemory)
        track.inEpisode = track.remembered = false;
    // Back in the band it had before its episode: the detector, which adapted to the episode's level, still sees a
    // residual, but that is the return to normal. Such a sample is left out of the joint and fused scores too.
    const double slack = m_config.recoveryBandSlack * (track.episodeUpper - track.episodeLower);
    const bool home = track.inEpisode && d.value >= track.episodeLower - slack && d.value <= track.episodeUpper + slack;
    // Moving back from the episode without overshooting the old band (a partial return counts: 3 → 2 → 1 → 0).
    const int direction = directionOf(d.reason);
    // (After the episode, too: a slow drift back towards the old band, judged against a long-run baseline the episode
    // pulled along, is still the return.)
    const bool returning = (track.inEpisode || track.remembered) && direction != 0 && direction == -track.episodeDirection
                        && (track.episodeDirection > 0 ? d.value >= track.episodeLower - slack : d.value <= track.episodeUpper + slack);
    if (index < kMaxJointMetrics && d.reason != AnomalyReason::WarmingUp && !home && !returning) {
        state.rowZ[index] = std::clamp(d.z, -10.0, 10.0);
        state.rowMask |= 1u << index;
    }
    if (d.reason == AnomalyReason::WarmingUp)
        return;
    const bool anomalous = d.rawScore >= m_config.pointScore;
    if (!anomalous) {
        track.run = 0;
        track.estate = false;
        track.runPoints.clear();
        if (!track.inEpisode) {
            track.haveNormal = true;
            track.normalLower = d.lower;
            track.normalUpper = d.upper;
        } else {
            // The episode ends once the metric has stayed back in its old band for a while; a detector that merely
            // adapted to the anomalous level (a long fault) does not end it.
            track.quiet = home ? track.quiet + 1 : 0;
            if (track.quiet >= m_config.recoveryQuietSamples) {
                track.inEpisode = false;
                track.remembered = true;
            }
        }
        return;
    }
    if (returning) {
        track.run = 0;
        track.runPoints.clear();
        return; // recovery, not news
    }
    if (!track.inEpisode && direction != 0) {
        track.remembered = false;
        // An episode starts with its first anomalous sample; the band to come back to is the one before it. (A blip
        // that never persists ends its episode after recoveryQuietSamples normal samples.)
        track.inEpisode = true;
        track.episodeDirection = direction;
        track.episodeLower = track.haveNormal ? track.normalLower : d.lower;
        track.episodeUpper = track.haveNormal ? track.normalUpper : d.upper;
        track.episodeStart = ts;
    }
    track.quiet = 0;
    ++track.run;
    const Point point{ts, d.rawScore, metric, d.reason};
    if (track.run == 1 && direction != 0) {
        auto &starts = m_runStarts[direction > 0 ? "+" : "-"];
        starts.push_back({ts, &state});
        // Bounded: starts older than the window are dropped (and never more than twice the entities kept).
        const std::size_t cap = std::max<std::size_t>(64, 2 * m_entities.size());
        std::erase_if(starts, [&](const RunStart &r) { return ts - r.ts > m_config.estateShiftWindow; });
        if (starts.size() > cap)
            starts.erase(starts.begin(), starts.begin() + std::ptrdiff_t(starts.size() - cap));
    }
    if (track.estate) {
        addPoint(entity(kEstateEntity, 0), metric, ts, d.rawScore, d.reason, false);
        return;
    }
    if (track.run < m_config.minRunSamples
        && !(track.run >= std::max(2, m_config.minRunSamples - 1) && !track.runPoints.empty() && ts - track.runPoints.front().ts >= m_config.minRunSpan)) {
        track.runPoints.push_back(point);
        return;
    }
    // Persisted: the run's earlier samples become points too, so the event dates from the run's start — on the
    // entity, or on the estate when this is one of many entities moving together.
    track.estate = direction != 0 && estateWide(direction, ts);
    EntityState &target = track.estate ? entity(kEstateEntity, 0) : state;
    for (const Point &p : track.runPoints)
        addPoint(target, p.metric, p.ts, p.score, p.reason, false);
    track.runPoints.clear();
    addPoint(target, metric, ts, d.rawScore, d.reason, false);
}

bool AnomalyEventBuilder::estateWide(int direction, Timestamp ts)
{
    // Judged over all metrics: a load change moves requests, queries, CPU and queues together.
    const auto it = m_runStarts.find(direction > 0 ? "+" : "-");
    if (it == m_runStarts.end())
        return false;
    std::vector<const EntityState *> entities;
    for (const RunStart &r : it->second) {
        if (ts - r.ts <= m_config.estateShiftWindow)
            entities.push_back(r.entity);
    }
    std::sort(entities.begin(), entities.end());
    const auto distinct = std::unique(entities.begin(), entities.end()) - entities.begin();
    const double population = double(m_entities.size());
    return distinct >= m_config.estateShiftMinEntities && double(distinct) >= m_config.estateShiftShare * population;
}

void AnomalyEventBuilder::addJointPoint(EntityState &state, int channel, Timestamp ts, double score, AnomalyReason reason)
{
    // Joint and fused points need consecutive rows too: one row where several noisy metrics happen to lean the same
    // way is a coincidence.
    if (estateWide(1, ts) || estateWide(-1, ts)) {
        addPoint(entity(kEstateEntity, 0), std::string(), ts, score, reason, true);
        return; // several metrics of an entity leaning together while the whole estate shifts: the shift itself
    }
    JointTrack &track = state.jointTracks[channel];
    if (track.lastTs == INT64_MIN || ts - track.lastTs > m_config.eps)
        track.run = 0, track.runPoints.clear();
    track.lastTs = ts;
    ++track.run;
    const Point point{ts, score, std::string(), reason};
    if (track.run < m_config.minJointRun) {
        track.runPoints.push_back(point);
        return;
    }
    for (const Point &p : track.runPoints)
        addPoint(state, std::string(), p.ts, p.score, p.reason, true);
    track.runPoints.clear();
    addPoint(state, std::string(), ts, score, reason, true);
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
        addJointPoint(state, 1, state.rowTs, d.rawScore, d.reason);
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
            addJointPoint(state, 0, state.rowTs, joint, AnomalyReason::None);
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
