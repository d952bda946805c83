#include <QCommandLineParser>
#include <QCoreApplication>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "commands.h"
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
    parser.addHelpOption();
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Built-in scenario name or path to a .yaml file."),
                      QStringLiteral("name"), QStringLiteral("shop")});
    parser.addOption({QStringLiteral("speed"), QStringLiteral("Simulated seconds per wall second, or 'max'."),
                      QStringLiteral("speed"), QStringLiteral("max")});
    parser.addOption({QStringLiteral("duration"), QStringLiteral("Simulated time to replay (e.g. 1h, 90m); default: the scenario's."),
                      QStringLiteral("duration")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Override the scenario's seed."), QStringLiteral("seed")});
    parser.addOption({QStringLiteral("no-faults"), QStringLiteral("Replay without injecting faults (fault-free baseline).")});
    parser.addOption({QStringLiteral("events-db"), QStringLiteral("Persist events to this SQLite file."), QStringLiteral("file")});
    if (!parser.parse(args)) {
        std::fprintf(stderr, "nocturne-engine replay: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }

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
    options.store.retention = duration + kHour; // keep the whole replay for the summary and digest
    options.eventDatabase = parser.value(QStringLiteral("events-db")).toStdString();
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
    return 0;
}

} // namespace Nocturne::App
