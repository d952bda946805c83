#include "remediation_driver.h"

#include <QThreadPool>
#include <QTimer>

#include <set>

#include "profile/hotspots.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

std::optional<double> EnginePolicyContext::metric(const std::string &selector) const
{
    auto matchers = parseSelector(selector);
    if (!matchers)
        return std::nullopt;
    const Timestamp now = m_engine.clock().now();
    std::optional<double> best;
    for (SeriesId id : m_engine.store().select(*matchers)) {
        const auto samples = m_engine.store().range(id, now - 10 * kMinute, now + kMinute);
        if (samples.empty())
            continue;
        const Sample &last = samples.back();
        if (!best || last.value > *best)
            best = last.value;
    }
    return best;
}

double EnginePolicyContext::anomalyScore(const std::string &entity) const
{
    double score = 0;
    if (const auto snapshot = m_engine.snapshot())
        for (const AnomalyEvent &e : snapshot->openAnomalies)
            if (e.entity == entity)
                score = std::max(score, e.score);
    return score;
}

std::optional<double> EnginePolicyContext::hotspotPercent(const std::string &service, const std::string &function) const
{
    // The last five minutes of the service's CPU profiles (live pprof feeds or the scenario's), merged.
    const Timestamp now = m_engine.clock().now();
    const auto profile = m_engine.profiles().merged(service, now - 5 * kMinute, now);
    if (!profile || profile->trees.empty())
        return std::nullopt;
    return hotspots(profile->tree()).totalShare(function) * 100.0;
}

RemediationDriver::RemediationDriver(Engine &engine, RemediationService &service, int intervalMs, QObject *parent)
    : QObject(parent), m_engine(engine), m_service(service), m_timer(new QTimer(this))
{
    // Policies need every few seconds of *simulated* time (a `for 30s` term needs samples 30 s apart, a 5-minute
    // fault must not fall between two ticks at 60× replay), so the timer is short and a tick runs when either
    // `intervalMs` of simulated time or of wall time has passed.
    m_timer->setInterval(std::min(intervalMs, 250));
    connect(m_timer, &QTimer::timeout, this, [this, intervalMs] {
        const Timestamp sim = m_engine.clock().now();
        const bool due = sim - m_lastSimTick >= intervalMs * kMillisecond || !m_wall.isValid() || m_wall.elapsed() >= intervalMs;
        if (!due || m_busy.exchange(true))
            return; // not yet, or the last tick is still running (a slow plugin): skip, never queue up
        m_lastSimTick = sim;
        m_wall.restart();
        QThreadPool::globalInstance()->start([this] {
            tickNow();
            m_busy = false;
        });
    });
    m_timer->start();
}

RemediationDriver::~RemediationDriver()
{
    m_timer->stop();
    while (m_busy.load())
        QThread::msleep(10);
}

std::vector<IncidentView> RemediationDriver::incidents()
{
    std::vector<IncidentView> out;
    const auto snapshot = m_engine.snapshot();
    if (!snapshot || !snapshot->incidents)
        return out;
    const Timestamp now = m_engine.clock().now();
    {
        // Forget closed incidents, so the cache stays as small as the open set.
        std::set<std::int64_t> open;
        for (const Incident &incident : *snapshot->incidents)
            if (incident.open())
                open.insert(incident.id);
        std::lock_guard lock(m_cacheMutex);
        std::erase_if(m_cache, [&](const auto &entry) { return !open.count(entry.first); });
    }
    for (const Incident &incident : *snapshot->incidents) {
        if (!incident.open())
            continue;
        {
            std::lock_guard lock(m_cacheMutex);
            auto it = m_cache.find(incident.id);
            if (it != m_cache.end() && now - it->second.first < kMinute) {
                out.push_back(it->second.second);
                continue;
            }
        }
        IncidentView view;
        view.id = incident.id;
        view.summary = incident.title;
        if (auto causes = m_engine.diagnoseIncident(incident.id); causes && !causes->empty()) {
            view.topCause = causes->front().entity;
            view.topClass = causes->front().faultClass;
            view.confidence = causes->front().confidence;
        }
        std::lock_guard lock(m_cacheMutex);
        m_cache[incident.id] = {now, view};
        out.push_back(view);
    }
    return out;
}

void RemediationDriver::tickNow()
{
    const EnginePolicyContext context(m_engine);
    // The GPU fabric monitor's proposals (isolate a port, drain a node, migrate a job) with their blast radius.
    std::vector<ActionSuggestion> suggestions;
    if (const auto health = m_engine.fabricHealth())
        for (const FabricProposal &p : health->proposals) {
            ActionSuggestion s{p.action, p.target, p.reason, {}};
            for (const std::string &h : p.hosts)
                s.blastRadius.push_back("host " + h);
            for (const std::string &j : p.jobs)
                s.blastRadius.push_back("job " + j);
            suggestions.push_back(std::move(s));
        }
    m_service.tick(context, incidents(), m_engine.clock().now(), suggestions);
}

} // namespace Nocturne::Engine
