#include <QCommandLineParser>
#include <QCoreApplication>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>

#include "commands.h"
#include "ground_truth.h"
#include "core/random.h"
#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "storage/event_store.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {

// Order-independent digest of everything in the store: equal digests mean identical signals.
std::uint64_t storeDigest(const SeriesStore &store)
{
    std::uint64_t digest = 0;
    for (SeriesId id : store.allSeries()) {
        std::uint64_t h = hashString(store.key(id)->canonical());
        for (const Sample &s : store.range(id, INT64_MIN, INT64_MAX)) {
            std::uint64_t bits;
            std::memcpy(&bits, &s.value, sizeof bits);
            h = mix(h ^ static_cast<std::uint64_t>(s.ts) ^ mix(bits));
        }
        digest += h;
    }
    return digest;
}

// Matches anomaly events against the ground truth: per fault, the first event on its root entity and on any entity
// of its propagation path; every event that touches no fault's path while it is active counts as false.
void printDetectionReport(std::vector<AnomalyEvent> events, const std::vector<AnomalyEvent> &open,
                          const std::vector<FaultInstance> &faults, Duration duration, const Estate &estate, Timestamp start)
{
    // An event "is on" an entity when it is the entity itself, one of its parts (a pod of a service, a port of a
    // switch), or a call edge into or out of it.
    auto isOn = [&](const std::string &eventEntity, const std::string &entity) { return isOnEntity(estate, eventEntity, entity); };
    // Events that started before the replay window are history, not findings.
    events.erase(std::remove_if(events.begin(), events.end(), [&](const AnomalyEvent &e) { return e.onset < start; }), events.end());
    events.insert(events.end(), open.begin(), open.end());
    const Duration slack = 5 * kMinute; // effects ramp down after the fault ends
    std::vector<bool> explained(events.size(), false);
    int rootWithin60 = 0;
    int found = 0;          // within 60 s, 5 minutes for slow ramps (the recall bar)
    int recoveryEvents = 0; // events raised by the return to normal
    Duration worstRoot = 0;
    std::printf("anomaly events %zu\n", events.size());
    for (const FaultInstance &f : faults) {
        const AnomalyEvent *root = nullptr;
        const AnomalyEvent *path = nullptr;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const AnomalyEvent &e = events[i];
            if (e.end < f.onset - kMinute || e.onset > f.end + slack)
                continue;
            const auto &prop = f.spec->propagation;
            if (std::none_of(prop.begin(), prop.end(), [&](const std::string &p) { return isOn(e.entity, p); }))
                continue;
            explained[i] = true;
            if (e.onset < f.onset - kMinute) {
                // Already anomalous when the fault began (an earlier incident still open): covered, latency 0.
                if (isOn(e.entity, f.spec->root) && e.end >= f.onset && !root)
                    root = &e;
                continue;
            }
            if (isOn(e.entity, f.spec->root) && (!root || e.onset < root->onset))
                root = &e;
            if (!path || e.onset < path->onset)
                path = &e;
        }
        const bool alreadyOpen = root && root->onset < f.onset - kMinute;
        const Duration rootLatency = root ? std::max<Duration>(0, root->onset - f.onset) : -1;
        if (root && rootLatency <= kMinute)
            ++rootWithin60;
        // Slow ramps (no effect on the root or its parts reaches full strength within 2 minutes: a memory leak) have
        // 5 minutes.
        const auto &effects = f.spec->effects;
        Duration rootFull = INT64_MAX;
        for (const FaultEffect &x : effects) {
            if (x.entity == f.spec->root || x.entity.rfind(f.spec->root + "-", 0) == 0)
                rootFull = std::min(rootFull, x.lag + x.ramp);
        }
        const bool slowRamp = rootFull != INT64_MAX && rootFull >= 2 * kMinute;
        if (root && rootLatency <= (slowRamp ? 5 * kMinute : kMinute))
            ++found;
        // Recovery: an event that opens on the fault's path after its end, while the effects ramp back, and that no
        // other active fault explains, is the return to normal raising an alarm.
        Duration rampBack = 0;
        for (const FaultEffect &x : effects)
            rampBack = std::max(rampBack, x.ramp + x.hold);
        for (const AnomalyEvent &e : events) {
            if (e.onset <= f.end || e.onset > f.end + rampBack + 5 * kMinute)
                continue;
            const auto &prop = f.spec->propagation;
            if (std::none_of(prop.begin(), prop.end(), [&](const std::string &p) { return isOn(e.entity, p); }))
                continue;
            const bool other = std::any_of(faults.begin(), faults.end(), [&](const FaultInstance &g) {
                return &g != &f && e.onset >= g.onset - kMinute && e.onset <= g.end + slack
                    && std::any_of(g.spec->propagation.begin(), g.spec->propagation.end(),
                                   [&](const std::string &p) { return isOn(e.entity, p); });
            });
            if (!other) {
                ++recoveryEvents;
                std::printf("  recovery event after %s: %s at +%s\n", f.spec->id.c_str(), e.entity.c_str(),
                            formatDuration(e.onset - f.end).c_str());
            }
        }
        worstRoot = std::max(worstRoot, root ? rootLatency : f.end - f.onset);
        std::printf("  %-28s root %-18s %s   first on path: %s\n", f.spec->id.c_str(), f.spec->root.c_str(),
                    root ? (alreadyOpen ? std::string("inside an event open since ") + formatIso8601(root->onset)
                                        : "detected after " + formatDuration(rootLatency) + " (" + eventSeverityName(root->severity) + ", "
                                              + std::to_string(root->metrics.size()) + " metrics)")
                               .c_str()
                         : "NOT detected",
                    path ? (path->entity + " after " + formatDuration(std::max<Duration>(0, path->onset - f.onset))).c_str() : "-");
    }
    const std::size_t falseEvents = std::count(explained.begin(), explained.end(), false);
    std::printf("detection     %d/%zu faults detected on their root within 60 s; worst root latency %s; "
                "%zu events unexplained by any fault (%.1f per simulated day)\n",
                rootWithin60, faults.size(), formatDuration(worstRoot).c_str(), falseEvents,
                double(falseEvents) * double(kDay) / double(duration));
    // Machine-readable lines (contracts): recall on the root (60 s; 5 minutes for slow ramps), recovery events,
    // false events per simulated day.
    if (!faults.empty())
        std::printf("faults_found_60s=%d/%zu recovery_events=%d\n", found, faults.size(), recoveryEvents);
    std::printf("false_events_per_day=%.1f\n", double(falseEvents) * double(kDay) / double(duration));
}

} // namespace

int runVersion(const QStringList &)
{
    std::printf("nocturne-engine %s\n", NOCTURNE_VERSION);
    return 0;
}

int runReplay(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Replay a scenario through the engine and print a summary."));
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Built-in scenario name or path to a .yaml file."),
                      QStringLiteral("name"), QStringLiteral("shop")});
    parser.addOption({QStringLiteral("speed"), QStringLiteral("Simulated seconds per wall second, or 'max'."),
                      QStringLiteral("speed"), QStringLiteral("max")});
    parser.addOption({QStringLiteral("duration"), QStringLiteral("Simulated time to replay (e.g. 1h, 90m); default: the scenario's."),
                      QStringLiteral("duration")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Override the scenario's seed."), QStringLiteral("seed")});
    parser.addOption({QStringLiteral("history"),
                      QStringLiteral("Simulated history replayed before the window so detectors know normal (default 2h)."),
                      QStringLiteral("duration"), QStringLiteral("2h")});
    parser.addOption({QStringLiteral("no-faults"), QStringLiteral("Replay without injecting faults (fault-free baseline).")});
    parser.addOption({QStringLiteral("events-db"), QStringLiteral("Persist events to this SQLite file."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("list-events"), QStringLiteral("Print every anomaly event.")});
    parser.addOption({QStringLiteral("bands"), QStringLiteral("Also store the detectors' expected bands and scores as series.")});
    parser.addOption({QStringLiteral("diagnose"), QStringLiteral("Rank root causes for the incident of every injected fault and score "
                                                                 "the top candidate against the fault's root.")});
    parser.addOption({QStringLiteral("explain"), QStringLiteral("With --diagnose: print the incident and the evidence of each miss.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "replay", exitCode))
        return exitCode;

    auto scenario = loadScenario(parser.value(QStringLiteral("scenario")).toStdString());
    if (!scenario) {
        std::fprintf(stderr, "nocturne-engine replay: %s\n", scenario.error().toString().c_str());
        return 1;
    }
    if (parser.isSet(QStringLiteral("seed"))) {
        bool ok = false;
        scenario->seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
        if (!ok) {
            std::fprintf(stderr, "nocturne-engine replay: --seed needs a non-negative integer\n");
            return 2;
        }
    }
    auto history = parseDuration(parser.value(QStringLiteral("history")).toStdString());
    if (!history) {
        std::fprintf(stderr, "nocturne-engine replay: --history: %s\n", history.error().message.c_str());
        return 2;
    }
    Duration duration = scenario->defaultDuration;
    if (parser.isSet(QStringLiteral("duration"))) {
        auto parsed = parseDuration(parser.value(QStringLiteral("duration")).toStdString());
        if (!parsed || *parsed <= 0) {
            std::fprintf(stderr, "nocturne-engine replay: --duration: %s\n",
                         parsed ? "must be positive" : parsed.error().message.c_str());
            return 2;
        }
        duration = *parsed;
    }
    const auto speed = parseSpeed(parser.value(QStringLiteral("speed")).toStdString());
    if (!speed) {
        std::fprintf(stderr, "nocturne-engine replay: --speed: %s\n", speed.error().message.c_str());
        return 2;
    }

    Nocturne::Engine::Engine::Options options;
    options.store.retention = duration + *history + kHour; // keep the whole replay for the summary and digest
    options.eventDatabase = parser.value(QStringLiteral("events-db")).toStdString();
    options.detector.storeBands = parser.isSet(QStringLiteral("bands"));
    Nocturne::Engine::Engine engine(options);
    const Scenario scenarioCopy = *scenario;
    if (auto s = engine.loadScenario(std::move(*scenario)); !s) {
        std::fprintf(stderr, "nocturne-engine replay: %s\n", s.error().toString().c_str());
        return 1;
    }
    const auto wallStart = std::chrono::steady_clock::now();
    Nocturne::Engine::Engine::ReplayOptions replay;
    replay.speed = *speed;
    replay.duration = duration;
    replay.history = *history;
    replay.injectFaults = !parser.isSet(QStringLiteral("no-faults"));
    if (auto s = engine.startReplay(replay); !s) {
        std::fprintf(stderr, "nocturne-engine replay: %s\n", s.error().toString().c_str());
        return 1;
    }
    engine.waitForReplay();
    const double wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    if (engine.events()) {
        if (auto s = engine.events()->flush(); !s)
            std::fprintf(stderr, "nocturne-engine replay: event store: %s\n", s.error().toString().c_str());
    }
    const SnapshotPtr snap = engine.publishNow();
    const SeriesStoreStats &st = snap->store;

    std::printf("scenario      %s (seed %llu, %s)\n", scenarioCopy.name.c_str(), static_cast<unsigned long long>(scenarioCopy.seed),
                scenarioCopy.source.c_str());
    std::printf("window        %s .. %s (%s, step %s)\n", formatIso8601(scenarioCopy.start).c_str(),
                formatIso8601(scenarioCopy.start + duration).c_str(), formatDuration(duration).c_str(),
                formatDuration(scenarioCopy.step).c_str());
    std::printf("estate        %zu entities, %zu edges\n", scenarioCopy.estate.entities.size(), scenarioCopy.estate.edges.size());
    std::printf("series        %zu\n", st.series);
    std::printf("samples       %llu (rejected %llu)\n", static_cast<unsigned long long>(st.appended),
                static_cast<unsigned long long>(st.rejectedOutOfOrder + st.rejectedNotFinite));
    std::printf("logs          %llu\n", static_cast<unsigned long long>(snap->logCount));
    std::printf("spans         %llu\n", static_cast<unsigned long long>(snap->spanCount));
    std::printf("events        %llu\n", static_cast<unsigned long long>(snap->eventCount));
    std::printf("memory        %.1f MiB, %.1f bytes/sample\n", double(st.bytes) / (1024.0 * 1024.0), st.bytesPerSample());
    std::printf("wall time     %.2f s (%.0f samples/s)\n", wallSeconds, double(st.appended) / std::max(wallSeconds, 1e-9));
    std::printf("digest        %016llx\n", static_cast<unsigned long long>(storeDigest(engine.store())));
    const auto faults = replay.injectFaults ? scenarioCopy.faultInstances(scenarioCopy.start, scenarioCopy.start + duration)
                                            : std::vector<FaultInstance>{};
    std::printf("faults        %zu injected (ground truth)\n", faults.size());
    for (const FaultInstance &f : faults) {
        std::string path;
        for (const auto &p : f.spec->propagation)
            path += (path.empty() ? "" : " -> ") + p;
        std::printf("  %-28s class=%-26s root=%-18s onset=%s end=%s\n    propagation: %s\n", f.spec->id.c_str(),
                    f.spec->faultClass.c_str(), f.spec->root.c_str(), formatIso8601(f.onset).c_str(),
                    formatIso8601(f.end).c_str(), path.c_str());
    }
    {
        const auto logAnomalies = engine.recentLogAnomalies(100000);
        std::size_t byKind[4] = {};
        for (const auto &a : logAnomalies)
            ++byKind[std::size_t(a.kind)];
        std::printf("log anomalies %zu (new templates %zu, bursts %zu, drops %zu, error-ratio %zu); templates %zu\n", logAnomalies.size(),
                    byKind[0], byKind[1], byKind[2], byKind[3], engine.templateStats(1'000'000).size());
        if (parser.isSet(QStringLiteral("list-events"))) {
            for (const auto &a : logAnomalies)
                std::printf("log %s %-12s %-14s score=%.2f count=%.0f expected=%.1f class=%s  %s\n", formatIso8601(a.ts).c_str(),
                            logAnomalyKindName(a.kind), a.source.c_str(), a.score, a.count, a.expected, errorClassName(a.errorClass),
                            a.templateText.substr(0, 80).c_str());
        }
    }
    if (parser.isSet(QStringLiteral("list-events"))) {
        for (const AnomalyEvent &e : engine.closedAnomalies()) {
            std::string metrics;
            for (const auto &m : e.metrics)
                metrics += " " + m.metric + "=" + std::to_string(m.maxScore).substr(0, 4) + "/" + anomalyReasonName(m.reason);
            std::printf("event %s +%s %-22s %-8s joint=%.2f%s\n", formatIso8601(e.onset).c_str(), formatDuration(e.end - e.onset).c_str(),
                        e.entity.c_str(), eventSeverityName(e.severity), e.jointScore, metrics.c_str());
        }
    }
    if (parser.isSet(QStringLiteral("diagnose"))) {
        // For each fault: the incident that opened closest after its onset and touches its propagation path.
        static const std::vector<Incident> none;
        const std::vector<Incident> &incidents = snap->incidents ? *snap->incidents : none;
        std::size_t found = 0, top1 = 0, top3 = 0, top1Class = 0;
        std::vector<double> answerSeconds; // incident opened (first ranked answer possible) after the fault's onset
        std::vector<double> ms;
        for (const FaultInstance &f : faults) {
            const Incident *best = nullptr;
            for (const Incident &inc : incidents) {
                if (inc.start < f.onset - kMinute || inc.start > f.onset + 10 * kMinute)
                    continue;
                const bool onPath = std::any_of(inc.entities.begin(), inc.entities.end(), [&](const std::string &e) {
                    return std::any_of(f.spec->propagation.begin(), f.spec->propagation.end(),
                                       [&](const std::string &p) { return isOnEntity(scenarioCopy.estate, e, p); });
                });
                if (onPath && (!best || inc.start < best->start))
                    best = &inc;
            }
            if (!best) {
                std::printf("rca %-28s root=%-16s no incident\n", f.spec->id.c_str(), f.spec->root.c_str());
                continue;
            }
            ++found;
            const auto t0 = std::chrono::steady_clock::now();
            const auto ranked = engine.rerankIncident(best->id, "replay"); // afresh: the time is the ranking's
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            std::string names;
            int rank = 0;
            for (std::size_t i = 0; ranked && i < ranked->size() && i < 3; ++i) {
                names += (i ? ", " : "") + (*ranked)[i].entity + "(" + (*ranked)[i].faultClass + ")";
                if (!rank && isOnEntity(scenarioCopy.estate, (*ranked)[i].entity, f.spec->root))
                    rank = int(i) + 1;
            }
            top1 += rank == 1;
            top3 += rank >= 1;
            top1Class += rank == 1 && (*ranked)[0].faultClass == f.spec->faultClass;
            answerSeconds.push_back(double(best->start - f.onset) / double(kSecond));
            std::printf("rca %-28s root=%-16s INC-%-4lld rank=%d class=%s  %s\n", f.spec->id.c_str(), f.spec->root.c_str(),
                        static_cast<long long>(best->id), rank,
                        ranked && !ranked->empty() && (*ranked)[0].faultClass == f.spec->faultClass ? "yes" : "no", names.c_str());
            if (rank != 1 && ranked && !ranked->empty() && parser.isSet(QStringLiteral("explain"))) {
                std::string entities;
                for (const auto &e : best->entities)
                    entities += e + " ";
                std::printf("    incident entities: %s\n", entities.c_str());
                for (std::size_t i = 0; i < ranked->size() && i < 3; ++i) {
                    std::printf("  %zu %s tier=%d score=%.1f confidence=%.2f\n", i + 1, (*ranked)[i].entity.c_str(), (*ranked)[i].tier,
                                (*ranked)[i].score, (*ranked)[i].confidence);
                    for (const auto &e : (*ranked)[i].evidence)
                        std::printf("    %zu %s: %s\n", i + 1, (*ranked)[i].entity.c_str(), e.text.c_str());
                }
            }
        }
        std::sort(ms.begin(), ms.end());
        std::sort(answerSeconds.begin(), answerSeconds.end());
        std::printf("rca faults=%zu with_incident=%zu top1=%zu top3=%zu top1_entity_and_class=%zu median_ms=%.1f "
                    "median_incident_after_onset_s=%.0f\n",
                    faults.size(), found, top1, top3, top1Class, ms.empty() ? 0.0 : ms[ms.size() / 2],
                    answerSeconds.empty() ? 0.0 : answerSeconds[answerSeconds.size() / 2]);
    }
    printDetectionReport(engine.closedAnomalies(), engine.detection() ? engine.detection()->openEvents() : std::vector<AnomalyEvent>{},
                         faults, duration, scenarioCopy.estate, scenarioCopy.start);
    return 0;
}

} // namespace Nocturne::App
