// `serve`: feeds + engine without a GUI. `mock-kafka`: librdkafka's mock cluster publishing a scenario as OTLP.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <thread>

#include "commands.h"
#include "config/feeds_config.h"
#include "decode/otlp_encode.h"
#include "feeds/feed_manager.h"
#include "feeds/kafka_tools.h"
#include "runtime/engine.h"
#include "scenario/scenario_library.h"
#include "scenario/signal_generator.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {
std::atomic<bool> g_stopRequested{false};

void installStopHandlers()
{
    // The handler only sets a flag (async-signal-safe); the event loop or the publishing loop polls it.
    std::signal(SIGTERM, [](int) { g_stopRequested = true; });
    std::signal(SIGINT, [](int) { g_stopRequested = true; });
}

} // namespace

bool parseArguments(QCommandLineParser &parser, const QStringList &args, const char *command, int &exitCode)
{
    parser.addHelpOption();
    if (!parser.parse(args)) {
        std::fprintf(stderr, "nocturne-engine %s: %s\n", command, qPrintable(parser.errorText()));
        exitCode = 2;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        exitCode = 0;
        return false;
    }
    return true;
}

int runServe(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Run the configured feeds and the engine without a GUI until SIGTERM/SIGINT."));
    parser.addOption({QStringLiteral("config"), QStringLiteral("YAML configuration with engine: and feeds: sections (docs/feeds.md)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("check"), QStringLiteral("Validate the configuration and exit.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "serve", exitCode))
        return exitCode;
    if (!parser.isSet(QStringLiteral("config"))) {
        std::fprintf(stderr, "nocturne-engine serve: --config FILE is required\n");
        return 2;
    }
    auto config = loadConfig(parser.value(QStringLiteral("config")).toStdString());
    if (!config) {
        std::fprintf(stderr, "nocturne-engine serve: %s\n", config.error().toString().c_str());
        return 2;
    }
    if (parser.isSet(QStringLiteral("check"))) {
        std::printf("configuration ok: %zu feed(s)\n", config->feeds.size());
        return 0;
    }
    Engine::Engine::Options options;
    options.eventDatabase = config->eventsDb;
    Engine::Engine engine(options);
    FeedManager feeds(engine);
    for (const Error &e : feeds.apply(*config))
        std::fprintf(stderr, "nocturne-engine serve: %s: %s\n", e.context.c_str(), e.message.c_str());
    if (feeds.metricsPort())
        std::printf("self-metrics on http://%s/metrics\n",
                    config->metricsListen.substr(0, config->metricsListen.rfind(':')).append(":").append(std::to_string(feeds.metricsPort())).c_str());
    std::fflush(stdout);
    installStopHandlers();
    // Live feeds run on wall time: the engine's clock follows it so detectors close quiet events.
    QTimer tick;
    SystemClock wall;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        if (g_stopRequested) {
            QCoreApplication::quit();
            return;
        }
        engine.simulationClock().set(wall.now());
        engine.advanceTo(wall.now());
    });
    tick.start(200);
    QCoreApplication::exec();
    std::fprintf(stderr, "nocturne-engine serve: stopping (committing Kafka offsets)\n");
    feeds.stopAll();
    (void)engine.saveState();
    const auto snapshot = engine.publishNow();
    for (const auto &f : snapshot->feeds)
        std::fprintf(stderr, "  %s: %llu samples, %llu logs, %llu spans, %llu events, %llu rejected\n", f.name.c_str(),
                     (unsigned long long)f.samples, (unsigned long long)f.logs, (unsigned long long)f.spans,
                     (unsigned long long)f.events, (unsigned long long)f.rejected);
    return 0;
}

int runMockKafka(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Start librdkafka's mock Kafka cluster on loopback and publish a scenario to it as OTLP (otlp_proto) on the\n"
        "Collector's default topics otlp_metrics, otlp_logs and otlp_spans. Prints bootstrap.servers=… first."));
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Built-in scenario, a .yaml file, or 'none' (cluster only)."),
                      QStringLiteral("name"), QStringLiteral("shop")});
    parser.addOption({QStringLiteral("brokers"), QStringLiteral("Number of mock brokers."), QStringLiteral("n"), QStringLiteral("3")});
    parser.addOption({QStringLiteral("partitions"), QStringLiteral("Partitions per topic."), QStringLiteral("n"), QStringLiteral("6")});
    parser.addOption({QStringLiteral("speed"), QStringLiteral("Simulated seconds per wall second."), QStringLiteral("x"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("history"), QStringLiteral("Simulated history published at once before live pacing."),
                      QStringLiteral("duration"), QStringLiteral("30m")});
    parser.addOption({QStringLiteral("duration"), QStringLiteral("Stop publishing after this much simulated time (default: until SIGTERM)."),
                      QStringLiteral("duration")});
    parser.addOption({QStringLiteral("no-faults"), QStringLiteral("Publish without injected faults.")});
    parser.addOption({QStringLiteral("topics"), QStringLiteral("More topics to create (comma-separated), with --partitions each."),
                      QStringLiteral("names")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "mock-kafka", exitCode))
        return exitCode;
    const int brokers = parser.value(QStringLiteral("brokers")).toInt();
    const int partitions = parser.value(QStringLiteral("partitions")).toInt();
    if (brokers < 1 || brokers > 16 || partitions < 1 || partitions > 256) {
        std::fprintf(stderr, "nocturne-engine mock-kafka: --brokers must be 1..16 and --partitions 1..256\n");
        return 2;
    }
    auto cluster = KafkaMockCluster::create(brokers);
    if (!cluster) {
        std::fprintf(stderr, "nocturne-engine mock-kafka: %s\n", cluster.error().message.c_str());
        return 1;
    }
    QStringList topics = {QStringLiteral("otlp_metrics"), QStringLiteral("otlp_logs"), QStringLiteral("otlp_spans")};
    topics += parser.value(QStringLiteral("topics")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &topic : topics) {
        if (auto ok = (*cluster)->createTopic(topic.toStdString(), partitions); !ok) {
            std::fprintf(stderr, "nocturne-engine mock-kafka: %s\n", ok.error().message.c_str());
            return 1;
        }
    }
    std::printf("bootstrap.servers=%s\n", (*cluster)->bootstrapServers().c_str());
    std::fflush(stdout);
    installStopHandlers();

    const QString scenarioName = parser.value(QStringLiteral("scenario"));
    if (scenarioName == QStringLiteral("none")) {
        while (!g_stopRequested)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return 0;
    }
    auto scenario = loadScenario(scenarioName.toStdString());
    if (!scenario) {
        std::fprintf(stderr, "nocturne-engine mock-kafka: %s\n", scenario.error().toString().c_str());
        return 2;
    }
    const auto speed = parseSpeed(parser.value(QStringLiteral("speed")).toStdString());
    const auto history = parseDuration(parser.value(QStringLiteral("history")).toStdString());
    if (!speed || !history) {
        std::fprintf(stderr, "nocturne-engine mock-kafka: %s\n", (!speed ? speed.error() : history.error()).toString().c_str());
        return 2;
    }
    Duration duration = 0;
    if (parser.isSet(QStringLiteral("duration"))) {
        auto d = parseDuration(parser.value(QStringLiteral("duration")).toStdString());
        if (!d) {
            std::fprintf(stderr, "nocturne-engine mock-kafka: %s\n", d.error().toString().c_str());
            return 2;
        }
        duration = *d;
    }
    SystemClock wall;
    const Timestamp liveFrom = wall.now();
    scenario->start = liveFrom - *history;
    SignalGenerator generator(*scenario, SignalGenerator::Options{!parser.isSet(QStringLiteral("no-faults"))});
    auto producer = KafkaProducer::create((*cluster)->bootstrapServers());
    if (!producer) {
        std::fprintf(stderr, "nocturne-engine mock-kafka: %s\n", producer.error().message.c_str());
        return 1;
    }
    // One metrics message per entity and step, keyed by entity so a series always lands in the same partition.
    std::map<std::string, std::vector<OtlpPoint>> byEntity;
    StepOutput out;
    std::uint64_t messages = 0, samples = 0;
    const auto wallStart = std::chrono::steady_clock::now();
    for (Timestamp t = generator.align(scenario->start); !g_stopRequested && (duration == 0 || t < liveFrom + duration); t += generator.step()) {
        if (t >= liveFrom && *speed > 0) {
            const double wallSeconds = double(t + generator.step() - liveFrom) / double(kSecond) / *speed;
            const auto due = wallStart + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(wallSeconds));
            while (!g_stopRequested && std::chrono::steady_clock::now() < due)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        out.clear();
        generator.generate(t, out);
        for (auto &[entity, points] : byEntity)
            points.clear();
        for (const GeneratedSample &s : out.samples) {
            const GeneratedSeries &series = generator.series()[s.series];
            byEntity[series.entityId].push_back({&series.key, s.value});
        }
        for (const auto &[entity, points] : byEntity) {
            if (points.empty())
                continue;
            (void)(*producer)->produce("otlp_metrics", encodeOtlpMetrics(points, t), entity);
            ++messages;
        }
        samples += out.samples.size();
        if (!out.logs.empty()) {
            (void)(*producer)->produce("otlp_logs", encodeOtlpLogs(out.logs));
            ++messages;
        }
        if (!out.spans.empty()) {
            (void)(*producer)->produce("otlp_spans", encodeOtlpSpans(out.spans));
            ++messages;
        }
    }
    (*producer)->flush(10'000);
    std::fprintf(stderr, "nocturne-engine mock-kafka: published %llu messages (%llu samples)\n", (unsigned long long)messages,
                 (unsigned long long)samples);
    // Keep the cluster up for consumers until told to stop.
    while (!g_stopRequested)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return 0;
}

} // namespace Nocturne::App
