#include "engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "alerts/alert_sources.h"
#include "runtime/scenario_replayer.h"
#include "scenario/signal_generator.h"
#include "storage/event_store.h"

namespace Nocturne::Engine {

const char *feedStateName(FeedState state)
{
    switch (state) {
    case FeedState::Connecting: return "connecting";
    case FeedState::Healthy: return "healthy";
    case FeedState::Degraded: return "degraded";
    case FeedState::Down: return "down";
    case FeedState::Finished: return "finished";
    }
    return "unknown";
}

Engine::Engine()
    : Engine(Options{})
{
}

Engine::Engine(Options options)
    : m_options(std::move(options))
    , m_store(m_options.store)
    , m_profiles(m_options.profiles)
    , m_logs(m_options.logCapacity)
    , m_spans(m_options.spanCapacity)
{
    if (!m_options.eventDatabase.empty()) {
        auto store = EventStore::open(m_options.eventDatabase);
        if (store)
            m_eventStore = std::move(*store);
        // A missing event database degrades the engine (no persistence) but must not stop it; the feed list says so.
        else
            setFeedState("storage:events", FeedState::Down, store.error().toString());
    }
    if (m_options.detection)
        m_detection = std::make_unique<DetectionService>(m_store, m_options.detector);
    // Template ids are stable across restarts: restore what the last run mined.
    if (m_eventStore) {
        if (auto saved = m_eventStore->loadTemplates(); saved && !saved->empty())
            m_logAnalyzer.importTemplates(*saved);
        if (auto rows = m_eventStore->loadTemplateAssociation(); rows)
            m_templateAssociation.importRows(*rows);
        if (auto rows = m_eventStore->loadRcaFeedback(); rows)
            m_rcaFeedback.importRows(*rows);
        if (auto notes = m_eventStore->loadIncidentNotes(); notes)
            for (IncidentNote &n : *notes)
                m_incidentNotes[n.incident].push_back(std::move(n));
        // Frozen diagnoses of closed incidents: a row that no longer reads is reported, the others load.
        std::vector<Error> unreadable;
        if (auto frozen = m_eventStore->loadIncidentDiagnoses(&unreadable); !frozen)
            setFeedState("storage:events", FeedState::Degraded, frozen.error().toString());
        else
            for (auto &[id, f] : *frozen)
                m_frozenDiagnoses[id] = FrozenRanking{f.frozenAt, f.frozenBy, std::move(f.candidates)};
        if (!unreadable.empty())
            setFeedState("storage:events", FeedState::Degraded,
                         std::to_string(unreadable.size()) + " frozen diagnosis(es) unreadable, first: " + unreadable.front().toString());
        // Alerts, incidents, silences and learnt groupings survive restarts (retention: a year of detail).
        if (auto book = m_eventStore->loadAlerts(); !book)
            setFeedState("storage:alerts", FeedState::Degraded, book.error().toString());
        else if (!book->alerts.empty() || !book->silences.empty()) {
            std::lock_guard lock(m_alertMutex);
            if (auto restored = m_alertBook.restore(std::move(*book), m_wallClock.now() - m_options.alertRetention); !restored)
                setFeedState("storage:alerts", FeedState::Degraded, restored.error().toString());
            m_savedAlertsVersion = ++m_alertsVersion;
        }
    }
    publishNow();
    m_publisher = std::jthread([this](std::stop_token stop) { publisherLoop(stop); });
}

Engine::~Engine()
{
    m_publisher.request_stop();
    if (m_publisher.joinable())
        m_publisher.join();
    stop();
    saveState();
}

Status Engine::saveState()
{
    if (!m_eventStore)
        return {};
    std::vector<LogAnalyzer::SavedTemplate> templates;
    {
        std::lock_guard lock(m_logMutex);
        templates = m_logAnalyzer.exportTemplates();
    }
    if (auto s = m_eventStore->saveTemplates(templates); !s)
        return s;
    return persistAlerts();
}

Status Engine::persistAlerts()
{
    if (!m_eventStore)
        return {};
    AlertBook::State state;
    std::uint64_t version = 0;
    {
        std::lock_guard lock(m_alertMutex);
        if (m_alertsVersion == m_savedAlertsVersion)
            return {};
        state = m_alertBook.state();
        version = m_alertsVersion;
    }
    auto saved = m_eventStore->saveAlerts(state, m_wallClock.now() - m_options.alertRetention);
    if (saved) {
        std::lock_guard lock(m_alertMutex);
        m_savedAlertsVersion = std::max(m_savedAlertsVersion, version);
    }
    return saved;
}

Status Engine::loadScenario(Scenario scenario)
{
    if (m_replayer)
        return makeError(ErrorCode::InvalidArgument, "a scenario is already running", scenario.name);
    m_scenario = std::make_unique<Scenario>(std::move(scenario));
    m_clock.set(m_scenario->start);
    m_health = std::make_unique<HealthEvaluator>(m_scenario->estate, m_store);
    if (std::any_of(m_scenario->estate.entities.begin(), m_scenario->estate.entities.end(),
                    [](const Entity &e) { return e.kind == EntityKind::Switch; }))
        loadFabric(Fabric::fromEstate(m_scenario->estate));
    {
        std::lock_guard lock(m_graphMutex);
        m_estateGraph.mergeEstate(m_scenario->estate, m_scenario->start);
    }
    refreshAlertTopology();
    return {};
}

void Engine::refreshAlertTopology()
{
    // Grouping reads the live estate graph (the scenario's or YAML's declarations, calls seen in traces, the fabric),
    // rebuilt only when the graph changed; the copy is taken under the graph's lock and built outside it.
    std::vector<TopologyNode> nodes;
    std::vector<TopologyEdge> edges;
    std::uint64_t version = 0;
    {
        std::lock_guard lock(m_graphMutex);
        version = m_estateGraph.version() * 1'000'003 + m_fabricGraph.version();
        if (version == m_topologyVersion.load())
            return;
        nodes = m_estateGraph.nodes();
        edges = m_estateGraph.edges();
        nodes.insert(nodes.end(), m_fabricGraph.nodes().begin(), m_fabricGraph.nodes().end());
        edges.insert(edges.end(), m_fabricGraph.edges().begin(), m_fabricGraph.edges().end());
    }
    auto distance = std::make_shared<TopologyDistance>(nodes, edges);
    std::lock_guard lock(m_alertMutex);
    m_topology = std::move(distance);
    m_topologyVersion = version;
    m_alertBook.setTopology([this](const std::string &a, const std::string &b) { return (*m_topology)(a, b); });
    m_alertBook.setDependencies([this](const std::string &a, const std::string &b) { return m_topology->dependencyHops(a, b); });
}

Status Engine::startReplay(ReplayOptions options)
{
    if (!m_scenario)
        return makeError(ErrorCode::InvalidArgument, "no scenario loaded");
    if (m_replayer)
        return makeError(ErrorCode::InvalidArgument, "replay already started", m_scenario->name);
    if (options.speed < 0)
        return makeError(ErrorCode::InvalidArgument, "speed must be ≥ 0 (0 = as fast as possible)");
    SignalGenerator generator(*m_scenario);
    std::vector<SeriesId> ids;
    ids.reserve(generator.series().size());
    {
        std::lock_guard lock(m_publishMutex); // the health evaluator is read by the publisher
        for (const GeneratedSeries &s : generator.series()) {
            const SeriesId id = m_store.intern(s.key);
            // Generated values are levels whatever their names say: never turned into rates.
            m_store.setType(id, MetricType::Gauge);
            ids.push_back(id);
            m_health->addSeries(m_scenario->estate.entities[s.entity].id, s.key.name, id);
        }
    }
    ScenarioReplayer::Options replay;
    replay.speed = options.speed;
    replay.from = m_scenario->start - options.history;
    replay.liveFrom = m_scenario->start;
    replay.until = options.duration > 0 ? m_scenario->start + options.duration : 0;
    replay.injectFaults = options.injectFaults;
    m_speed.store(options.speed);
    m_clock.set(replay.from);
    m_replayer = std::make_unique<ScenarioReplayer>(*this, *m_scenario, std::move(ids), replay);
    m_replayer->start();
    return {};
}

void Engine::stop()
{
    if (m_replayer)
        m_replayer->stop();
}

void Engine::waitForReplay()
{
    if (m_replayer)
        m_replayer->wait();
}

bool Engine::replayFinished() const
{
    return m_replayer && m_replayer->finished();
}

Engine::FeedCounters &Engine::feed(const std::string &name)
{
    for (auto &f : m_feeds) {
        if (f->status.name == name)
            return *f;
    }
    m_feeds.push_back(std::make_unique<FeedCounters>());
    m_feeds.back()->status.name = name;
    return *m_feeds.back();
}

std::size_t Engine::storeAndDetect(std::span<const SampleRef> samples)
{
    const std::size_t stored = m_store.appendBatch(samples);
    feedFabric(samples);
    if (m_detection && !samples.empty()) {
        const auto started = std::chrono::steady_clock::now();
        m_detection->process(samples);
        m_detectorNanos += std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
        m_detectorSamples += samples.size();
    }
    return stored;
}

void Engine::ingestSamples(std::span<const SampleRef> samples, const std::string &feedName)
{
    const std::size_t stored = storeAndDetect(samples);
    std::lock_guard lock(m_feedsMutex);
    FeedCounters &f = feed(feedName);
    f.status.samples += stored;
    if (stored < samples.size()) {
        // The store refuses samples older than the newest one of their series (or not finite).
        const std::uint64_t refused = samples.size() - stored;
        f.status.rejected += refused;
        auto it = std::find_if(f.status.rejectsByReason.begin(), f.status.rejectsByReason.end(),
                               [](const auto &r) { return r.first == RejectReason::OutOfOrder; });
        if (it == f.status.rejectsByReason.end())
            f.status.rejectsByReason.emplace_back(RejectReason::OutOfOrder, refused);
        else
            it->second += refused;
    }
    f.status.lastDataWall = m_wallClock.now();
}

void Engine::ingestLogs(std::span<const LogRecord> logs, const std::string &feedName)
{
    if (logs.empty())
        return;
    std::vector<LogRecord> mined(logs.begin(), logs.end());
    {
        std::lock_guard lock(m_logMutex);
        for (LogRecord &log : mined)
            log.templateId = m_logAnalyzer.add(log.ts, log.source, log.level, log.message).templateId.value;
    }
    m_logs.append(mined.begin(), mined.end());
    for (const LogRecord &log : mined) {
        if (log.level >= LogLevel::Warn)
            m_recentProblems.append(log);
    }
    std::lock_guard lock(m_feedsMutex);
    feed(feedName).status.logs += logs.size();
}

void Engine::ingestSpans(std::span<const SpanRecord> spans, const std::string &feedName)
{
    if (spans.empty())
        return;
    m_spans.append(spans.begin(), spans.end());
    {
        std::lock_guard lock(m_traceMutex);
        m_traceAggregator.add(spans);
    }
    {
        std::lock_guard lock(m_graphMutex);
        if (m_graphSpans.size() < 200'000) // bounded: beyond this, the next merge sees a sample of the minute
            m_graphSpans.insert(m_graphSpans.end(), spans.begin(), spans.end());
    }
    std::lock_guard lock(m_feedsMutex);
    feed(feedName).status.spans += spans.size();
}

void Engine::ingestEvents(std::span<const EventRecord> events, const std::string &feedName)
{
    if (events.empty())
        return;
    for (const EventRecord &event : events) {
        m_recentEvents.append(event);
        if (m_eventStore)
            m_eventStore->append(event);
    }
    std::lock_guard lock(m_feedsMutex);
    FeedCounters &f = feed(feedName);
    f.status.events += events.size();
    f.status.lastDataWall = m_wallClock.now();
}

void Engine::ingestAlerts(std::span<const AlertInput> alerts)
{
    std::lock_guard lock(m_alertMutex);
    for (const AlertInput &in : alerts)
        m_alertBook.ingest(in);
    ++m_alertsVersion;
}

Status Engine::acknowledgeAlert(std::int64_t id, const std::string &who, const std::string &comment)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    return m_alertBook.acknowledge(id, who, comment, m_clock.now());
}

Status Engine::resolveAlert(std::int64_t id, const std::string &who, const std::string &comment)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    return m_alertBook.resolve(id, who, comment, m_clock.now());
}

Status Engine::noteAlert(std::int64_t id, const std::string &who, const std::string &comment)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    return m_alertBook.addNote(id, who, comment, m_clock.now());
}

// Incident actions change the book like alert actions do: the version bump republishes the snapshot and lets the
// publisher save the book (within alertSaveInterval, and on shutdown) without blocking the caller on the disk.
Status Engine::acknowledgeIncident(std::int64_t incidentId, const std::string &who, const std::string &comment)
{
    std::lock_guard lock(m_alertMutex);
    auto status = m_alertBook.acknowledgeIncident(incidentId, who, comment, m_clock.now());
    if (status)
        ++m_alertsVersion;
    return status;
}

Status Engine::assignIncident(std::int64_t incidentId, const std::string &owner, const std::string &who)
{
    std::lock_guard lock(m_alertMutex);
    auto status = m_alertBook.assignIncident(incidentId, owner, who, m_clock.now());
    if (status)
        ++m_alertsVersion;
    return status;
}

Status Engine::resolveIncident(std::int64_t incidentId, const std::string &who, const std::string &comment)
{
    std::lock_guard lock(m_alertMutex);
    auto status = m_alertBook.resolveIncident(incidentId, who, comment, m_clock.now());
    if (status)
        ++m_alertsVersion;
    return status;
}

Result<std::int64_t> Engine::addSilence(const std::string &matchers, Duration length, const std::string &who, const std::string &comment,
                                        const std::string &ticket)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    const Timestamp now = m_clock.now();
    return m_alertBook.addSilence(matchers, now, now + length, who, comment, ticket);
}

Result<std::vector<std::int64_t>> Engine::previewSilence(const std::string &matchers) const
{
    std::lock_guard lock(m_alertMutex);
    return m_alertBook.previewSilence(matchers);
}

Status Engine::mergeIncidents(std::int64_t into, std::int64_t from, const std::string &who)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    return m_alertBook.mergeIncidents(into, from, who, m_clock.now());
}

Result<std::int64_t> Engine::splitAlerts(std::int64_t incident, const std::vector<std::int64_t> &alerts, const std::string &who)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    return m_alertBook.splitIncident(incident, alerts, who, m_clock.now());
}

Status Engine::moveAlert(std::int64_t alert, std::int64_t toIncident, const std::string &who)
{
    std::lock_guard lock(m_alertMutex);
    ++m_alertsVersion;
    return m_alertBook.moveAlert(alert, toIncident, who, m_clock.now());
}

std::optional<Alert> Engine::alert(std::int64_t id) const
{
    std::lock_guard lock(m_alertMutex);
    const Alert *a = m_alertBook.alert(id);
    return a ? std::optional<Alert>(*a) : std::nullopt;
}

std::optional<Incident> Engine::incident(std::int64_t id) const
{
    std::lock_guard lock(m_alertMutex);
    const Incident *i = m_alertBook.incident(id);
    return i ? std::optional<Incident>(*i) : std::nullopt;
}

void Engine::recordRejects(const std::string &feedName, std::span<const Reject> rejects, const std::string &position)
{
    if (rejects.empty())
        return;
    const Timestamp now = m_wallClock.now();
    std::vector<DeadLetter> letters;
    letters.reserve(rejects.size());
    for (const Reject &r : rejects)
        letters.push_back(DeadLetter{now, feedName, r.reason, r.detail, position, r.excerpt});
    m_deadLetters.append(letters.begin(), letters.end());
    std::lock_guard lock(m_feedsMutex);
    FeedCounters &f = feed(feedName);
    f.status.rejected += rejects.size();
    for (const Reject &r : rejects) {
        auto it = std::find_if(f.status.rejectsByReason.begin(), f.status.rejectsByReason.end(),
                               [&](const auto &entry) { return entry.first == r.reason; });
        if (it == f.status.rejectsByReason.end())
            f.status.rejectsByReason.emplace_back(r.reason, 1);
        else
            ++it->second;
    }
    const Reject &last = rejects.back();
    f.status.lastRejected = std::string(last.reason) + ": " + last.detail + (position.empty() ? "" : " at " + position)
                          + (last.excerpt.empty() ? "" : ": " + last.excerpt);
    f.status.lastRejectedWall = now;
}

void Engine::setFeedGauges(const std::string &feedName, std::int64_t lag, std::uint64_t queueDepth, std::uint64_t queueCapacity)
{
    std::lock_guard lock(m_feedsMutex);
    FeedCounters &f = feed(feedName);
    f.status.lag = lag;
    f.status.queueDepth = queueDepth;
    f.status.queueCapacity = queueCapacity;
}

void Engine::setFeedEndpoint(const std::string &feedName, std::string endpoint)
{
    std::lock_guard lock(m_feedsMutex);
    feed(feedName).status.endpoint = std::move(endpoint);
}

void Engine::removeFeed(const std::string &feedName)
{
    std::lock_guard lock(m_feedsMutex);
    std::erase_if(m_feeds, [&](const auto &f) { return f->status.name == feedName; });
}

std::vector<DeadLetter> Engine::deadLetters(const std::string &feedName, std::size_t n) const
{
    return m_deadLetters.latest(n, [&](const DeadLetter &d) { return feedName.empty() || d.feed == feedName; });
}

std::vector<Engine::LogRow> Engine::queryLogs(const LogQuery &query) const
{
    const auto records = m_logs.latest(query.limit, [&](const LogRecord &r) {
        return r.level >= query.minLevel && (query.source.empty() || r.source == query.source)
            && (query.templateId == UINT32_MAX || r.templateId == query.templateId)
            && (query.contains.empty() || r.message.find(query.contains) != std::string::npos);
    });
    std::vector<LogRow> rows;
    rows.reserve(records.size());
    for (const LogRecord &r : records) {
        LogRow row{r, {}};
        // Variable spans: the parts of the message the miner masks, for highlighting.
        row.variables = TemplateMiner::variableSpans(r.message);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<TemplateStats> Engine::templateStats(std::size_t limit) const
{
    std::lock_guard lock(m_logMutex);
    return m_logAnalyzer.templateStats(limit);
}

Status Engine::recordCauseVerdict(std::int64_t incidentId, const std::string &entity, const std::string &faultClass, bool confirmed,
                                  const std::string &who, const std::string &note)
{
    if (!incident(incidentId))
        return makeError(ErrorCode::NotFound, "no incident " + std::to_string(incidentId));
    if (entity.empty() || faultClass.empty() || who.empty())
        return makeError(ErrorCode::InvalidArgument, "a verdict needs the candidate (entity, fault class) and the person");
    if (confirmed) {
        if (auto s = confirmIncidentCause(incidentId, faultClass + " on " + entity, who, note.empty() ? "confirmed in the war room" : note); !s)
            return s;
    }
    std::vector<RcaFeedback::Row> rows;
    {
        std::lock_guard lock(m_rcaMutex);
        m_rcaFeedback.record(entity, faultClass, confirmed);
        rows = m_rcaFeedback.exportRows();
    }
    if (m_eventStore)
        if (auto saved = m_eventStore->saveRcaFeedback(rows); !saved)
            setFeedState("storage:events", FeedState::Degraded, saved.error().toString());
    IncidentNote n{incidentId, m_wallClock.now(), who, confirmed ? "confirm" : "reject",
                   (confirmed ? "confirmed " : "rejected ") + faultClass + " on " + entity + (note.empty() ? "" : ": " + note)};
    if (m_eventStore) // on the writer thread, before taking the lock (it waits for the commit)
        if (auto saved = m_eventStore->appendIncidentNote(n); !saved)
            setFeedState("storage:events", FeedState::Degraded, saved.error().toString());
    std::lock_guard lock(m_rcaMutex);
    m_incidentNotes[incidentId].push_back(std::move(n));
    return {};
}

Status Engine::addIncidentNote(std::int64_t incidentId, const std::string &who, const std::string &text)
{
    if (!incident(incidentId))
        return makeError(ErrorCode::NotFound, "no incident " + std::to_string(incidentId));
    if (who.empty() || text.empty())
        return makeError(ErrorCode::InvalidArgument, "a note needs its author and its text");
    IncidentNote n{incidentId, m_wallClock.now(), who, "note", text.substr(0, 4000)};
    if (m_eventStore)
        if (auto saved = m_eventStore->appendIncidentNote(n); !saved)
            return saved;
    std::lock_guard lock(m_rcaMutex);
    m_incidentNotes[incidentId].push_back(std::move(n));
    return {};
}

std::vector<IncidentNote> Engine::incidentNotes(std::int64_t incidentId) const
{
    std::lock_guard lock(m_rcaMutex);
    const auto it = m_incidentNotes.find(incidentId);
    return it == m_incidentNotes.end() ? std::vector<IncidentNote>{} : it->second;
}

double Engine::causeFeedbackWeight(const std::string &entity, const std::string &faultClass) const
{
    std::lock_guard lock(m_rcaMutex);
    return m_rcaFeedback.weight(entity, faultClass);
}

Engine::TopologySnapshot Engine::topology() const
{
    TopologySnapshot out;
    {
        std::lock_guard lock(m_graphMutex);
        out.nodes = m_estateGraph.nodes();
        out.edges = m_estateGraph.edges();
        out.version = m_estateGraph.version();
    }
    // Declared call edges take their statistics from the callers' client metrics (scenario, Prometheus).
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    for (std::size_t i = 0; i < out.edges.size(); ++i)
        if (out.edges[i].kind == TopologyEdgeKind::Calls)
            index[{out.edges[i].from, out.edges[i].to}] = i;
    auto matcher = LabelMatcher::make("kind", LabelMatcher::Op::Equal, "edge");
    if (!matcher || index.empty())
        return out;
    for (SeriesId id : m_store.select({*matcher})) {
        const auto key = m_store.key(id);
        if (!key)
            continue;
        const auto it = index.find({std::string(key->label("caller")), std::string(key->label("callee"))});
        if (it == index.end())
            continue;
        const auto last = m_store.last(id);
        if (!last)
            continue;
        TopologyEdge &e = out.edges[it->second];
        if (key->name == "rpc_client_requests_per_second")
            e.rps = last->value;
        else if (key->name == "rpc_client_duration_p99_seconds")
            e.latencySeconds = last->value;
        else if (key->name == "rpc_client_errors_ratio")
            e.errorRatio = last->value;
    }
    return out;
}

Status Engine::mergeTopologyYaml(const std::string &text, const std::string &sourceName)
{
    {
        std::lock_guard lock(m_graphMutex);
        if (auto merged = m_estateGraph.mergeYaml(text, m_clock.now(), sourceName); !merged)
            return merged;
    }
    refreshAlertTopology();
    return {};
}

Status Engine::confirmIncidentCause(std::int64_t incidentId, const std::string &cause, const std::string &who, const std::string &note)
{
    {
        std::lock_guard lock(m_alertMutex);
        if (auto s = m_alertBook.confirmCause(incidentId, cause, who, note); !s)
            return s;
        ++m_alertsVersion;
    }
    const auto evidence = incidentLogEvidence(incidentId, 50);
    std::vector<TemplateIncidentAssociation::Row> rows;
    {
        std::lock_guard lock(m_logMutex);
        std::set<std::uint32_t> templates;
        for (const LogAnomaly &a : evidence)
            templates.insert(a.templateId.value);
        for (std::uint32_t t : templates)
            m_templateAssociation.recordConfirmed(t, cause);
        rows = m_templateAssociation.exportRows();
    }
    if (m_eventStore) {
        if (auto saved = m_eventStore->saveTemplateAssociation(rows); !saved)
            setFeedState("storage:logs", FeedState::Degraded, saved.error().toString());
    }
    return {};
}

std::pair<std::string, double> Engine::templateAssociation(std::uint32_t templateId) const
{
    std::lock_guard lock(m_logMutex);
    return m_templateAssociation.bestClass(templateId);
}

void Engine::advanceTo(Timestamp now)
{
    {
        std::lock_guard lock(m_fabricMutex);
        if (m_fabricMonitor) {
            m_fabricMonitor->evaluate(now);
            if (now - m_fabricHealthAt >= kSecond) {
                m_fabricHealth = std::make_shared<const FabricHealthSnapshot>(m_fabricMonitor->snapshot());
                for (const FabricFinding &f : m_fabricHealth->findings) {
                    auto [it, inserted] = m_fabricFindingHistory.try_emplace({f.element, int(f.kind)}, f);
                    if (!inserted) {
                        const Timestamp first = std::min(it->second.firstSeen, f.firstSeen);
                        it->second = f;
                        it->second.firstSeen = first;
                    }
                }
                while (m_fabricFindingHistory.size() > 4096) {
                    auto oldest = m_fabricFindingHistory.begin();
                    for (auto it = m_fabricFindingHistory.begin(); it != m_fabricFindingHistory.end(); ++it)
                        if (it->second.lastSeen < oldest->second.lastSeen)
                            oldest = it;
                    m_fabricFindingHistory.erase(oldest);
                }
                m_fabricHealthAt = now;
            }
        }
    }
    // Calls seen in traces join the estate's graph once a minute; edges not seen for an hour expire.
    {
        std::lock_guard lock(m_graphMutex);
        if (!m_graphMergedAt)
            m_graphMergedAt = now;
        if (now - m_graphMergedAt >= kMinute) {
            if (!m_graphSpans.empty())
                m_estateGraph.mergeTraces(analyseTraces(m_graphSpans), now, now - m_graphMergedAt);
            m_graphSpans.clear();
            m_estateGraph.expire(now);
            m_graphMergedAt = now;
        }
    }
    refreshAlertTopology();
    // Settled traces become series per (service, operation): requests per minute and mean self time, which the
    // detectors watch like any metric (a slow query shows as the query's own time growing, not only its callers').
    std::vector<SampleRef> traceSamples;
    {
        std::lock_guard lock(m_traceMutex);
        for (const TraceAggregator::Point &p : m_traceAggregator.flush(now)) {
            auto it = m_traceSeries.find({p.service, p.operation});
            if (it == m_traceSeries.end()) {
                if (m_traceSeries.size() >= 20'000)
                    continue; // cardinality guard: operation names that are really ids
                Labels labels{{"entity", p.service}, {"service", p.service}, {"operation", p.operation}};
                it = m_traceSeries
                         .emplace(std::make_pair(p.service, p.operation),
                                  std::make_pair(m_store.intern(SeriesKey::make("trace_operation_requests_per_minute", labels)),
                                                 m_store.intern(SeriesKey::make("trace_operation_self_seconds", labels))))
                         .first;
            }
            traceSamples.push_back({it->second.first, p.minute, double(p.requests)});
            traceSamples.push_back({it->second.second, p.minute, p.meanSelfSeconds});
        }
    }
    if (!traceSamples.empty())
        storeAndDetect(traceSamples); // derived from the spans' feed, not a feed of their own
    std::vector<LogAnomaly> logAnomalies;
    {
        std::lock_guard lock(m_logMutex);
        logAnomalies = m_logAnalyzer.advance(now);
        for (const LogAnomaly &a : logAnomalies)
            m_templateAssociation.recordSeen(a.templateId.value);
    }
    for (const LogAnomaly &a : logAnomalies) {
        m_logAnomalies.append(a);
        // Log anomalies are evidence on the entity that wrote the lines: they join its anomaly events.
        if (m_detection)
            m_detection->addEvidence(a.source, std::string("log:") + logAnomalyKindName(a.kind) + ":" + a.templateText, a.ts, a.score,
                                     a.kind == LogAnomalyKind::Drop ? AnomalyReason::SpikeDown : AnomalyReason::SpikeUp);
    }
    if (!m_detection) {
        // Alerts from Alertmanager and the like only: time still moves for them (silences end, incidents resolve
        // themselves after the hold-down).
        {
            std::lock_guard lock(m_alertMutex);
            m_alertBook.advance(now);
            ++m_alertsVersion;
        }
        freezeClosedIncidents();
        return;
    }
    m_detection->advance(now);
    std::vector<AnomalyEvent> changed = m_detection->takeChanged();
    {
        // Every anomalous metric of an entity event is an alert (the classic view); the AlertBook de-duplicates
        // repeats and groups them into incidents. Call-edge events alert on their caller.
        std::lock_guard lock(m_alertMutex);
        for (const AnomalyEvent &event : changed) {
            for (const AlertInput &in : alertsFromAnomalyEvent(event, m_scenario ? &m_scenario->estate : nullptr, !event.open))
                m_alertBook.ingest(in);
        }
        m_alertBook.advance(now);
        ++m_alertsVersion;
    }
    freezeClosedIncidents();
    for (AnomalyEvent &event : changed) {
        if (event.open)
            continue;
        if (m_eventStore) {
            std::string metrics;
            std::string title = event.entity + ": ";
            for (std::size_t i = 0; i < event.metrics.size(); ++i) {
                const auto &m = event.metrics[i];
                metrics += (i ? "," : "") + std::string("{\"metric\":\"") + m.metric + "\",\"score\":" + std::to_string(m.maxScore)
                         + ",\"reason\":\"" + anomalyReasonName(m.reason) + "\"}";
                if (i < 2)
                    title += (i ? ", " : "") + m.metric + " " + anomalyReasonName(m.reason);
            }
            if (event.metrics.size() > 2)
                title += " (+" + std::to_string(event.metrics.size() - 2) + " more)";
            m_eventStore->append(EventRecord{0, event.onset, "anomaly", event.entity, eventSeverityName(event.severity), title,
                                             "{\"end\":" + std::to_string(event.end) + ",\"score\":" + std::to_string(event.score)
                                                 + ",\"joint\":" + std::to_string(event.jointScore) + ",\"metrics\":[" + metrics + "]}",
                                             "detector"});
        }
        m_closedAnomalies.append(event);
    }
}

Result<Forecast> Engine::forecast(SeriesId id, const ForecastRequest &request) const
{
    if (!m_store.key(id))
        return makeError(ErrorCode::NotFound, "no series with id " + std::to_string(id.value));
    return forecastSeries(m_store.range(id, INT64_MIN, INT64_MAX), request);
}

void Engine::setFeedState(const std::string &feedName, FeedState state, std::string lastError)
{
    std::lock_guard lock(m_feedsMutex);
    FeedCounters &f = feed(feedName);
    f.status.state = state;
    if (!lastError.empty())
        f.status.lastError = std::move(lastError);
}

SnapshotPtr Engine::publishNow()
{
    std::lock_guard lock(m_publishMutex);
    const auto started = std::chrono::steady_clock::now();
    auto snapshot = std::make_shared<EngineSnapshot>();
    snapshot->version = ++m_version;
    snapshot->publishedWall = m_wallClock.now();
    snapshot->simTime = m_clock.now();
    snapshot->speed = m_speed.load();
    snapshot->scenario = m_scenario ? m_scenario->name : std::string();
    {
        std::lock_guard feedsLock(m_feedsMutex);
        for (auto &f : m_feeds) {
            const Timestamp now = snapshot->publishedWall;
            if (f->lastRateWall == 0) {
                f->lastRateWall = now;
                f->samplesAtLastRate = f->status.samples;
            } else if (now - f->lastRateWall >= kSecond) {
                f->status.samplesPerSecond = double(f->status.samples - f->samplesAtLastRate) * double(kSecond)
                                           / double(now - f->lastRateWall);
                f->lastRateWall = now;
                f->samplesAtLastRate = f->status.samples;
            }
            snapshot->feeds.push_back(f->status);
        }
    }
    snapshot->store = m_store.stats();
    snapshot->logCount = m_logs.total();
    snapshot->spanCount = m_spans.total();
    snapshot->eventCount = m_recentEvents.total();
    // Health is the expensive part: at most once per healthInterval of wall time, plus once more when a finished
    // replay has moved on since the last evaluation (so the final state is exact).
    const bool finishedAndMoved = replayFinished() && snapshot->simTime != m_lastHealthSim;
    if (m_health && (snapshot->publishedWall - m_lastHealthWall >= m_options.healthInterval || m_lastHealth.empty() || finishedAndMoved)) {
        m_lastHealth = m_health->evaluate(snapshot->simTime);
        m_lastHealthWall = snapshot->publishedWall;
        m_lastHealthSim = snapshot->simTime;
    }
    snapshot->health = m_lastHealth;
    snapshot->recentProblems = m_recentProblems.latest(50);
    snapshot->recentLogAnomalies = m_logAnomalies.latest(30);
    if (m_detection) {
        snapshot->openAnomalies = m_detection->openEvents();
        snapshot->recentAnomalies = m_closedAnomalies.latest(20);
        snapshot->anomalyCount = m_detection->eventCount();
    }
    if (m_detection && m_health) {
        // Open anomaly events raise their tile: the detectors' verdict shows on the overview, with its reason.
        // Call-edge events are evidence for root-cause analysis, not a verdict on the caller: they do not colour tiles.
        for (const AnomalyEvent &event : snapshot->openAnomalies) {
            if (event.entity.find("->") != std::string::npos)
                continue;
            const std::string tile = m_health->tileOf(event.entity);
            for (EntityHealth &h : snapshot->health) {
                if (h.entity != tile)
                    continue;
                const HealthState state = event.severity == EventSeverity::Critical ? HealthState::Critical : HealthState::Warning;
                if (state > h.state || (state == h.state && h.reason.empty())) {
                    h.state = std::max(h.state, state);
                    std::string what = event.metrics.empty() ? std::string("several metrics together") : event.metrics.front().metric;
                    h.reason = "anomaly on " + event.entity + ": " + what
                             + (event.metrics.size() > 1 ? " (+" + std::to_string(event.metrics.size() - 1) + ")" : std::string());
                }
            }
        }
    }
    snapshot->recentEvents = m_recentEvents.latest(50);
    {
        // Alerts: copied only when something changed since the last snapshot (the vectors are shared otherwise).
        std::lock_guard alertLock(m_alertMutex);
        const SnapshotPtr previous = m_snapshot.load(std::memory_order_acquire);
        if (previous && previous->alertsVersion == m_alertsVersion && previous->alerts) {
            snapshot->alerts = previous->alerts;
            snapshot->incidents = previous->incidents;
            snapshot->alertsByState = previous->alertsByState;
        } else {
            auto alerts = std::make_shared<std::vector<Alert>>();
            std::size_t active = 0, resolved = 0;
            const auto &all = m_alertBook.alerts();
            for (auto it = all.rbegin(); it != all.rend(); ++it) {
                ++snapshot->alertsByState[std::size_t(it->state)];
                if (it->active() ? active++ < 5000 : resolved++ < 500)
                    alerts->push_back(*it);
            }
            std::reverse(alerts->begin(), alerts->end());
            auto incidents = std::make_shared<std::vector<Incident>>();
            std::size_t closed = 0;
            const auto &allIncidents = m_alertBook.incidents();
            for (auto it = allIncidents.rbegin(); it != allIncidents.rend(); ++it) {
                if (!it->alerts.empty() && (it->open() || closed++ < 50))
                    incidents->push_back(*it);
            }
            std::reverse(incidents->begin(), incidents->end());
            snapshot->alerts = std::move(alerts);
            snapshot->incidents = std::move(incidents);
        }
        snapshot->alertsVersion = m_alertsVersion;
        snapshot->alertTotal = std::uint64_t(m_alertBook.totalAlerts());
    }
    snapshot->publishMillis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (const std::uint64_t n = m_detectorSamples.load())
        snapshot->detectorMicrosPerSample = double(m_detectorNanos.load()) / 1000.0 / double(n);
    m_lastPublishMillis = snapshot->publishMillis;
    m_publishNanosTotal += std::uint64_t(snapshot->publishMillis * 1e6);
    ++m_publishCount;
    SnapshotPtr published = std::move(snapshot);
    m_snapshot.store(published, std::memory_order_release);
    return published;
}

void Engine::publisherLoop(std::stop_token stop)
{
    std::mutex sleepMutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
        std::unique_lock lock(sleepMutex);
        wake.wait_for(lock, stop, std::chrono::nanoseconds(m_options.publishInterval), [] { return false; });
        if (stop.stop_requested())
            break;
        publishNow();
        const Timestamp now = m_wallClock.now();
        if (m_eventStore && now - m_lastAlertSaveWall >= m_options.alertSaveInterval) {
            m_lastAlertSaveWall = now;
            if (auto saved = persistAlerts(); !saved)
                setFeedState("storage:alerts", FeedState::Degraded, saved.error().toString());
        }
    }
}

} // namespace Nocturne::Engine
