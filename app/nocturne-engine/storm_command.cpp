// `storm`: an alert storm from the scenario's fault library, turned into incidents by the AlertBook, scored against
// the injected faults (compression, purity, recall).
#include <QCommandLineParser>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "alerts/alert_book.h"
#include "alerts/alert_sources.h"
#include "alerts/topology_distance.h"
#include "commands.h"
#include "core/random.h"
#include "ground_truth.h"
#include "runtime/engine.h"
#include "scenario/scenario_library.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {
struct TimedInput {
    AlertInput input;
    int fault = -1; // ground truth: index of the injected fault whose path the alert is on, -1: noise
};
} // namespace

int runStorm(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Replay a scenario with its fault library, raise an alert per anomalous metric (the classic alert storm) plus\n"
        "background noise, group them into incidents and score against the injected faults. The last line is\n"
        "compression=… purity=… recall=… alerts=… incidents=…"));
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Built-in scenario or .yaml file."), QStringLiteral("name"), QStringLiteral("shop")});
    parser.addOption({QStringLiteral("duration"), QStringLiteral("Simulated time."), QStringLiteral("duration"), QStringLiteral("6h")});
    parser.addOption({QStringLiteral("history"), QStringLiteral("Simulated history before the window."), QStringLiteral("duration"), QStringLiteral("2h")});
    parser.addOption({QStringLiteral("noise"), QStringLiteral("Background noise alerts per simulated hour (random entities, short)."),
                      QStringLiteral("n"), QStringLiteral("6")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Override the scenario seed."), QStringLiteral("seed")});
    parser.addOption({QStringLiteral("report"), QStringLiteral("Print every incident with its alerts, faults and grouping reasons.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "storm", exitCode))
        return exitCode;
    auto scenario = loadScenario(parser.value(QStringLiteral("scenario")).toStdString());
    if (!scenario) {
        std::fprintf(stderr, "nocturne-engine storm: %s\n", scenario.error().toString().c_str());
        return 2;
    }
    if (parser.isSet(QStringLiteral("seed")))
        scenario->seed = parser.value(QStringLiteral("seed")).toULongLong();
    const auto duration = parseDuration(parser.value(QStringLiteral("duration")).toStdString());
    const auto history = parseDuration(parser.value(QStringLiteral("history")).toStdString());
    if (!duration || !history || *duration <= 0) {
        std::fprintf(stderr, "nocturne-engine storm: --duration/--history: invalid duration\n");
        return 2;
    }
    const double noisePerHour = parser.value(QStringLiteral("noise")).toDouble();

    Nocturne::Engine::Engine::Options options;
    options.store.retention = *duration + *history + kHour;
    Nocturne::Engine::Engine engine(options);
    const Scenario copy = *scenario;
    if (auto s = engine.loadScenario(std::move(*scenario)); !s) {
        std::fprintf(stderr, "nocturne-engine storm: %s\n", s.error().toString().c_str());
        return 1;
    }
    Nocturne::Engine::Engine::ReplayOptions replay;
    replay.speed = 0;
    replay.duration = *duration;
    replay.history = *history;
    if (auto s = engine.startReplay(replay); !s) {
        std::fprintf(stderr, "nocturne-engine storm: %s\n", s.error().toString().c_str());
        return 1;
    }
    engine.waitForReplay();
    std::vector<AnomalyEvent> events = engine.closedAnomalies();
    if (engine.detection()) {
        const auto open = engine.detection()->openEvents();
        events.insert(events.end(), open.begin(), open.end());
    }
    const Timestamp start = copy.start, stop = copy.start + *duration;
    const auto faults = copy.faultInstances(start, stop);
    // An alert belongs to the fault whose path it is on while the fault (plus 5 min of after-effects) is active; when
    // two faults qualify, the one that began last (a newly firing alert is the newer fault's doing).
    auto faultOf = [&](const std::string &entity, Timestamp t) {
        int best = -1;
        for (std::size_t i = 0; i < faults.size(); ++i) {
            const FaultInstance &f = faults[i];
            if (t < f.onset - kMinute || t > f.end + 5 * kMinute)
                continue;
            const bool onPath = std::any_of(f.spec->propagation.begin(), f.spec->propagation.end(),
                                            [&](const std::string &p) { return isOnEntity(copy.estate, entity, p); });
            if (onPath && (best < 0 || f.onset > faults[std::size_t(best)].onset))
                best = int(i);
        }
        return best;
    };

    // The classic storm: one alert per anomalous metric of every anomaly event (call edges alert on their caller).
    std::vector<TimedInput> inputs;
    for (const AnomalyEvent &e : events) {
        if (e.onset < start || e.onset >= stop)
            continue;
        for (const AlertInput &fired : alertsFromAnomalyEvent(e, &copy.estate, false)) {
            inputs.push_back({fired, faultOf(e.entity, fired.ts)});
        }
        if (!e.open) {
            for (const AlertInput &done : alertsFromAnomalyEvent(e, &copy.estate, true))
                inputs.push_back({done, faultOf(e.entity, done.ts)});
        }
    }
    // Background noise: short blips on random entities (flapping checks, one-off errors), deterministic per seed.
    const std::int64_t noiseCount = std::int64_t(noisePerHour * double(*duration) / double(kHour));
    for (std::int64_t i = 0; i < noiseCount; ++i) {
        const std::uint64_t h = mix(copy.seed ^ mix(std::uint64_t(i) + 0x5eed));
        const Entity &entity = copy.estate.entities[h % copy.estate.entities.size()];
        TimedInput in;
        in.input.source = "prometheus";
        in.input.name = (h >> 20) % 2 ? "HostHighCpuBlip" : "TargetFlapping";
        in.input.labels = {{"entity", entity.id}, {"kind", entityKindName(entity.kind)}, {"noise", "1"}};
        in.input.severity = AlertSeverity::Low;
        in.input.entity = entity.id;
        in.input.ts = start + Timestamp((h >> 8) % std::uint64_t(*duration));
        in.fault = faultOf(entity.id, in.input.ts);
        inputs.push_back(in);
        TimedInput done = in;
        done.input.resolved = true;
        done.input.ts += 2 * kMinute;
        inputs.push_back(done);
    }
    std::stable_sort(inputs.begin(), inputs.end(), [](const TimedInput &a, const TimedInput &b) { return a.input.ts < b.input.ts; });

    AlertBook book;
    TopologyDistance topology(copy.estate);
    book.setTopology([&topology](const std::string &a, const std::string &b) { return topology(a, b); });
    book.setDependencies([&topology](const std::string &a, const std::string &b) { return topology.dependencyHops(a, b); });
    std::map<std::int64_t, int> truth; // alert id → fault
    for (const TimedInput &in : inputs) {
        book.advance(in.input.ts);
        const std::int64_t id = book.ingest(in.input);
        if (id && !in.input.resolved && !truth.count(id))
            truth[id] = in.fault;
    }
    book.advance(stop + kHour);

    std::size_t incidents = 0, pure = 0, noiseOnly = 0;
    std::set<int> faultsWithIncident;
    std::map<int, std::size_t> incidentsPerFault; // fragmentation: how many incidents hold each fault's alerts
    for (const Incident &incident : book.incidents()) {
        if (incident.alerts.empty())
            continue;
        ++incidents;
        std::set<int> faultsHere;
        for (std::int64_t id : incident.alerts) {
            if (truth[id] >= 0)
                faultsHere.insert(truth[id]);
        }
        faultsWithIncident.insert(faultsHere.begin(), faultsHere.end());
        for (int f : faultsHere)
            ++incidentsPerFault[f];
        pure += faultsHere.size() == 1;
        noiseOnly += faultsHere.empty();
        if (parser.isSet(QStringLiteral("report"))) {
            std::printf("incident %lld  %s  %s  %zu alerts  faults:", static_cast<long long>(incident.id), formatIso8601(incident.start).c_str(),
                        alertSeverityName(incident.severity), incident.alerts.size());
            for (int f : faultsHere)
                std::printf(" %s@%s", faults[std::size_t(f)].spec->id.c_str(), formatIso8601(faults[std::size_t(f)].onset).c_str());
            std::printf("%s\n    %s\n", faultsHere.empty() ? " none (noise)" : "", incident.title.c_str());
            for (std::size_t i = 0; i < incident.explanations.size() && i < 40; ++i)
                std::printf("    · %s\n", incident.explanations[i].c_str());
            if (incident.explanations.size() > 4)
                std::printf("    · … %zu more\n", incident.explanations.size() - 4);
        }
    }
    const std::size_t alerts = std::size_t(book.totalAlerts());
    std::size_t faultAlerts = 0;
    for (const auto &[id, f] : truth)
        faultAlerts += f >= 0;
    const double compression = alerts ? 1.0 - double(incidents) / double(alerts) : 0.0;
    const double purity = incidents ? double(pure) / double(incidents) : 0.0;
    const double purityFaultIncidents = incidents > noiseOnly ? double(pure) / double(incidents - noiseOnly) : 0.0;
    const double recall = faults.empty() ? 1.0 : double(faultsWithIncident.size()) / double(faults.size());
    std::printf("faults %zu injected; alerts %zu (%zu on a fault's path, %zu noise); incidents %zu (%zu noise only); "
                "purity among incidents with a fault %.3f\n",
                faults.size(), alerts, faultAlerts, alerts - faultAlerts, incidents, noiseOnly, purityFaultIncidents);
    std::size_t fragments = 0;
    for (const auto &[_, n] : incidentsPerFault)
        fragments += n;
    const double fragmentation = incidentsPerFault.empty() ? 0.0 : double(fragments) / double(incidentsPerFault.size());
    std::printf("noise-only incidents %.1f %%; incidents per fault found %.2f\n", incidents ? 100.0 * double(noiseOnly) / double(incidents) : 0.0,
                fragmentation);
    std::printf("compression=%.3f purity=%.3f fragmentation=%.2f recall=%.3f alerts=%zu incidents=%zu\n", compression, purity, fragmentation,
                recall, alerts, incidents);
    return 0;
}

} // namespace Nocturne::App
