#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "decode/feed_decoding.h"

namespace Nocturne::Engine {

// One entry of the `feeds:` section. Which fields matter depends on `type`; see docs/feeds.md for the schema.
struct FeedConfig {
    enum class Type { Kafka, PrometheusScrape, PrometheusApi, AlertmanagerWebhook, LogFile, LokiTail, Pprof };
    Type type = Type::Kafka;
    std::string name;
    std::string where; // "file:line:column" of the entry, for messages

    // kafka
    std::string brokers;
    std::string group = "nocturne";
    struct Topic {
        std::string name;
        Signal signal = Signal::Metrics;
        Encoding encoding = Encoding::OtlpProto;
    };
    std::vector<Topic> topics;
    std::vector<std::pair<std::string, std::string>> properties; // librdkafka pass-through (values may be secrets)
    std::size_t maxQueueBytes = 64 * 1024 * 1024;
    std::size_t maxSeries = 250'000;

    // prometheus_scrape / prometheus_api / loki_tail
    std::string url;
    std::string job;                  // scrape: job label (default: the feed name)
    std::vector<std::string> queries; // api: PromQL
    Duration interval = 15 * kSecond;
    Duration timeout = 10 * kSecond;
    Duration backfill = kHour;
    Duration step = 15 * kSecond;
    std::string query;  // loki: LogQL
    std::string tenant; // loki: X-Scope-OrgID

    // pprof (url, interval, timeout above)
    std::string service;    // the service the profiles belong to (default: the feed name)
    int seconds = 10;       // CPU profile duration asked of the endpoint
    std::string sampleType; // e.g. cpu; empty: the profile's default

    // alertmanager_webhook
    std::string listen = "127.0.0.1:9097";
    std::string path = "/alertmanager";
    std::string bearerToken;  // secret
    std::string sharedSecret; // secret

    // log_file
    std::string file;
    std::string source;
    bool fromStart = false;
    std::string logFormat = "auto"; // auto (learned from the first lines), raw, a preset or a Loghub-notation pattern
};

struct NocturneConfig {
    std::string eventsDb;                        // engine.events_db
    std::string metricsListen = "127.0.0.1:9464"; // engine.metrics_listen ("" or "off": no /metrics)
    std::vector<FeedConfig> feeds;
};

const char *feedTypeName(FeedConfig::Type type);

// Parses and validates a configuration. Errors name the source and position ("nocturne.yaml:12:7: feeds[1].topics[0]:
// unknown encoding 'avro' …"). `${env:NAME}` in any string value is replaced by that environment variable (for
// secrets); a missing variable is an error naming the variable, never printing other values.
Result<NocturneConfig> parseConfig(const std::string &text, const std::string &sourceName);
Result<NocturneConfig> loadConfig(const std::string &path);

// "host:port" → parts; port required.
Result<std::pair<std::string, std::uint16_t>> parseListenAddress(const std::string &text);

} // namespace Nocturne::Engine
