// Kafka → store ingest throughput, JSON lines and OTLP proto, with kcat draining the same topic as the baseline.
//
// The mock cluster (librdkafka's, real Kafka protocol over TCP) runs in its own process (`nocturne-engine mock-kafka
// --scenario none`), so that this process can be pinned to one core: the figure is what one core of consumer
// (librdkafka fetch + decode + series resolution + store) sustains. kcat runs pinned to the same core with
// `kcat -C -e -q -o beginning` and output to /dev/null. Each figure is the median of 5 alternating rounds; a fresh
// consumer group (ours) or no group (kcat) reads the topic from the beginning every round.
//
// Run: build/release/bin/bench_ingest --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <map>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "decode/otlp_encode.h"
#include "feeds/kafka_feed.h"
#include "feeds/kafka_tools.h"
#include "runtime/engine.h"

extern char **environ;

using namespace Nocturne::Engine;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int kGroups = 64;         // series groups (message keys), 50 series each
constexpr int kSeriesPerGroup = 50;
constexpr int kMessages = 20'000;   // × 50 samples = 1,000,000 samples per topic

struct MockProcess {
    pid_t pid = -1;
    std::string bootstrap;
    ~MockProcess()
    {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
    }
};

MockProcess &mock()
{
    static MockProcess process = [] {
        MockProcess p;
        int fds[2];
        if (pipe(fds) != 0)
            return p;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        const std::string exe = std::string(NOCTURNE_ENGINE_EXE);
        // The mock broker keeps only a few MB per partition: 64 partitions hold the whole topic.
        std::vector<std::string> args = {exe, "mock-kafka", "--scenario", "none", "--brokers", "1", "--partitions", "64",
                                         "--topics", "bench_jsonl,bench_otlp"};
        std::vector<char *> argv;
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&p.pid, exe.c_str(), &actions, nullptr, argv.data(), environ) != 0)
            p.pid = -1;
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        std::string line;
        char c;
        while (read(fds[0], &c, 1) == 1 && c != '\n')
            line += c;
        close(fds[0]);
        if (line.rfind("bootstrap.servers=", 0) == 0)
            p.bootstrap = line.substr(18);
        return p;
    }();
    return process;
}

std::string jsonMessage(int m)
{
    const int g = m % kGroups;
    const long long ts = 1'763'000'000'000LL + m / kGroups; // ms; increases per group
    std::string out;
    out.reserve(kSeriesPerGroup * 96);
    char line[160];
    for (int i = 0; i < kSeriesPerGroup; ++i) {
        const int n = std::snprintf(line, sizeof line, "{\"name\":\"node_load\",\"labels\":{\"host\":\"h%d\",\"cpu\":\"%d\"},\"ts\":%lld,\"value\":%d.%d}\n",
                                    g, i, ts, (m * 7 + i) % 1000, i % 10);
        out.append(line, std::size_t(n));
    }
    return out;
}

std::string otlpMessage(int m, const std::vector<SeriesKey> &keys)
{
    const int g = m % kGroups;
    std::vector<OtlpPoint> points;
    for (int i = 0; i < kSeriesPerGroup; ++i)
        points.push_back({&keys[std::size_t(g * kSeriesPerGroup + i)], double((m * 7 + i) % 1000)});
    return encodeOtlpMetrics(points, (1'763'000'000'000LL + m / kGroups) * kMillisecond);
}

// Produces the topic once (before pinning); returns its size in bytes.
std::size_t prepareTopic(const std::string &topic, Encoding encoding)
{
    static std::vector<SeriesKey> keys = [] {
        std::vector<SeriesKey> k;
        for (int g = 0; g < kGroups; ++g)
            for (int i = 0; i < kSeriesPerGroup; ++i)
                k.push_back(SeriesKey::make("node_load", {{"host", "h" + std::to_string(g)}, {"cpu", std::to_string(i)}}));
        return k;
    }();
    auto producer = KafkaProducer::create(mock().bootstrap, {{"linger.ms", "50"}});
    if (!producer)
        return 0;
    std::size_t bytes = 0;
    for (int m = 0; m < kMessages; ++m) {
        const std::string payload = encoding == Encoding::JsonLines ? jsonMessage(m) : otlpMessage(m, keys);
        bytes += payload.size();
        (void)(*producer)->produce(topic, payload, "g" + std::to_string(m % kGroups));
    }
    (*producer)->flush(120'000);
    std::fprintf(stderr, "bench_ingest: %s: %llu messages acknowledged, %llu failed\n", topic.c_str(),
                 (unsigned long long)(*producer)->delivered(), (unsigned long long)(*producer)->failed());
    if ((*producer)->delivered() != std::uint64_t(kMessages))
        std::fprintf(stderr, "bench_ingest: %s: only %llu of %d messages acknowledged\n", topic.c_str(),
                     (unsigned long long)(*producer)->delivered(), kMessages);
    return bytes;
}

void pinToOneCore()
{
    if (std::getenv("BENCH_INGEST_NO_PIN"))
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
}

struct OursTiming {
    double total = -1;  // feed start → every sample in the store (includes the consumer-group join)
    double steady = -1; // first sample in the store → every sample in the store
};

OursTiming runOurs(const std::string &topic, Encoding encoding, int round)
{
    Engine::Options options;
    options.detection = false; // Kafka → store: what the bar names
    Engine engine(options);
    KafkaFeed::Options o;
    o.name = "bench";
    o.brokers = mock().bootstrap;
    o.groupId = "bench-" + topic + "-" + std::to_string(round) + "-" + std::to_string(getpid());
    o.topics = {{topic, Signal::Metrics, encoding}};
    o.properties = {{"log_level", "0"}};
    KafkaFeed feed(engine, o);
    const auto started = Steady::now();
    if (!feed.start())
        return {};
    const std::size_t expected = std::size_t(kMessages) * kSeriesPerGroup;
    Steady::time_point first{};
    // The feed's own counter (one mutex) rather than the store's statistics (every shard) while polling.
    while (feed.stats().items < expected) {
        if (first == Steady::time_point{} && feed.stats().items > 0)
            first = Steady::now();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (Steady::now() - started > std::chrono::seconds(120)) {
            std::fprintf(stderr, "bench_ingest: %s: %zu of %zu samples after 120 s (%llu messages, %llu rejects)\n", topic.c_str(),
                         engine.store().stats().samples, expected, (unsigned long long)feed.stats().messages,
                         (unsigned long long)feed.stats().rejects);
            return {};
        }
    }
    const auto done = Steady::now();
    if (engine.store().stats().samples != expected)
        return {};
    const double seconds = std::chrono::duration<double>(done - started).count();
    if (std::getenv("BENCH_INGEST_VERBOSE"))
        std::fprintf(stderr, "bench_ingest: %s: first sample after %.3f s, all after %.3f s\n", topic.c_str(),
                     std::chrono::duration<double>(first - started).count(), seconds);
    feed.stop();
    return {seconds, std::chrono::duration<double>(done - first).count()};
}

double runKcat(const std::string &topic)
{
    std::vector<std::string> args = {"taskset", "-c", "0", "kcat", "-C", "-b", mock().bootstrap, "-t", topic, "-e", "-q", "-o", "beginning"};
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const auto started = Steady::now();
    const int rc = posix_spawnp(&pid, "taskset", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? std::chrono::duration<double>(Steady::now() - started).count() : -1;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

void BM_KafkaIngest(benchmark::State &state, Encoding encoding)
{
    if (mock().bootstrap.empty()) {
        state.SkipWithError("mock-kafka did not start");
        return;
    }
    const std::string topic = encoding == Encoding::JsonLines ? "bench_jsonl" : "bench_otlp";
    static std::map<std::string, std::size_t> prepared;
    if (!prepared.count(topic))
        prepared[topic] = prepareTopic(topic, encoding);
    pinToOneCore();
    std::vector<double> ours, oursSteady, kcat;
    for (auto _ : state) {
        for (int round = 0; round < 5; ++round) {
            const double k = runKcat(topic);
            const OursTiming o = runOurs(topic, encoding, round);
            if (k <= 0 || o.total <= 0) {
                state.SkipWithError(k <= 0 ? "kcat failed (is it installed?)" : "consumer did not deliver every sample");
                return;
            }
            kcat.push_back(k);
            ours.push_back(o.total);
            oursSteady.push_back(o.steady);
        }
        state.SetIterationTime(median(oursSteady));
    }
    const double samples = double(kMessages) * kSeriesPerGroup;
    // Steady state: from the first sample stored to the last (the consumer group has joined).
    state.counters["items_per_second"] = samples / median(oursSteady);
    state.counters["ratio_vs_kcat"] = median(oursSteady) / median(kcat);
    // End to end: from start() including the consumer-group join (the mock coordinator delays a new group's first
    // rebalance by ~3 s, like Kafka's group.initial.rebalance.delay.ms); kcat -C without -G joins no group.
    state.counters["items_per_second_e2e"] = samples / median(ours);
    state.counters["ratio_vs_kcat_e2e"] = median(ours) / median(kcat);
    state.counters["ours_seconds"] = median(oursSteady);
    state.counters["ours_e2e_seconds"] = median(ours);
    state.counters["kcat_seconds"] = median(kcat);
    state.counters["topic_MB"] = double(prepared[topic]) / 1e6;
    state.counters["MB_per_second"] = double(prepared[topic]) / 1e6 / median(oursSteady);
}

// The same messages decoded and stored in-process, without Kafka: the ceiling the consumer can approach.
void BM_DecodeAndStore(benchmark::State &state, Encoding encoding)
{
    pinToOneCore();
    static std::vector<SeriesKey> keys = [] {
        std::vector<SeriesKey> k;
        for (int g = 0; g < kGroups; ++g)
            for (int i = 0; i < kSeriesPerGroup; ++i)
                k.push_back(SeriesKey::make("node_load", {{"host", "h" + std::to_string(g)}, {"cpu", std::to_string(i)}}));
        return k;
    }();
    std::vector<std::string> messages;
    for (int m = 0; m < kMessages; ++m)
        messages.push_back(encoding == Encoding::JsonLines ? jsonMessage(m) : otlpMessage(m, keys));
    std::size_t samples = 0;
    for (auto _ : state) {
        Engine::Options options;
        options.detection = false;
        Engine engine(options);
        auto decoder = FeedDecoder::make(Signal::Metrics, encoding, engine.store());
        DecodeOutput out;
        for (const std::string &m : messages) {
            (*decoder)->decode(m, DecodeContext{"bench", 1}, out);
            if (out.samples.size() >= 4096) {
                engine.ingestSamples(out.samples, "bench");
                samples += out.samples.size();
                out.clear();
            }
        }
        engine.ingestSamples(out.samples, "bench");
        samples += out.samples.size();
    }
    state.counters["items_per_second"] = benchmark::Counter(double(samples), benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK_CAPTURE(BM_DecodeAndStore, json_lines, Encoding::JsonLines)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecodeAndStore, otlp_proto, Encoding::OtlpProto)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_KafkaIngest, json_lines, Encoding::JsonLines)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_KafkaIngest, otlp_proto, Encoding::OtlpProto)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
