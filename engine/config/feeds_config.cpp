#include "feeds_config.h"

#include "logs/log_format.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace Nocturne::Engine {

namespace {
struct ConfigError {
    YAML::Mark mark;
    std::string message;
};

[[noreturn]] void fail(const YAML::Node &node, std::string message)
{
    throw ConfigError{node.Mark(), std::move(message)};
}

std::string expandEnv(const YAML::Node &node, const std::string &path, std::string value)
{
    for (std::size_t at = value.find("${env:"); at != std::string::npos; at = value.find("${env:", at)) {
        const std::size_t end = value.find('}', at);
        if (end == std::string::npos)
            fail(node, path + ": unterminated ${env:…}");
        const std::string name = value.substr(at + 6, end - at - 6);
        const char *env = std::getenv(name.c_str());
        if (!env)
            fail(node, path + ": environment variable '" + name + "' is not set");
        value.replace(at, end - at + 1, env);
        at += std::char_traits<char>::length(env);
    }
    return value;
}

std::string scalar(const YAML::Node &node, const std::string &path)
{
    if (!node.IsScalar())
        fail(node, path + ": expected a single value");
    return expandEnv(node, path, node.as<std::string>());
}

Duration duration(const YAML::Node &node, const std::string &path)
{
    auto d = parseDuration(scalar(node, path));
    if (!d)
        fail(node, path + ": " + d.error().message);
    if (*d <= 0)
        fail(node, path + ": must be positive");
    return *d;
}

std::size_t bytes(const YAML::Node &node, const std::string &path)
{
    const std::string text = scalar(node, path);
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (...) {
        fail(node, path + ": '" + text + "' is not a size (e.g. 64MiB)");
    }
    std::string unit = text.substr(used);
    while (!unit.empty() && unit.front() == ' ')
        unit.erase(0, 1);
    const double scale = unit.empty() || unit == "B" ? 1 : unit == "KiB" || unit == "K" ? 1024.0 : unit == "MiB" || unit == "M" ? 1048576.0
                       : unit == "GiB" || unit == "G" ? 1073741824.0 : unit == "KB" ? 1e3 : unit == "MB" ? 1e6 : unit == "GB" ? 1e9 : -1;
    if (scale < 0 || value <= 0)
        fail(node, path + ": '" + text + "' is not a size (e.g. 64MiB)");
    return std::size_t(value * scale);
}

bool boolean(const YAML::Node &node, const std::string &path)
{
    const std::string text = scalar(node, path);
    if (text == "true" || text == "yes" || text == "on")
        return true;
    if (text == "false" || text == "no" || text == "off")
        return false;
    fail(node, path + ": expected true or false");
}

void checkKeys(const YAML::Node &map, const std::string &path, const std::set<std::string> &allowed)
{
    for (const auto &kv : map) {
        const std::string key = kv.first.as<std::string>();
        if (!allowed.count(key)) {
            std::string list;
            for (const auto &a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            fail(kv.first, path + ": unknown key '" + key + "' (expected one of: " + list + ")");
        }
    }
}

FeedConfig parseFeed(const YAML::Node &node, const std::string &path, const std::string &sourceName)
{
    if (!node.IsMap())
        fail(node, path + ": expected a mapping with name and type");
    FeedConfig feed;
    feed.where = sourceName + ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    if (!node["name"])
        fail(node, path + ": 'name' is required");
    if (!node["type"])
        fail(node, path + ": 'type' is required");
    feed.name = scalar(node["name"], path + ".name");
    if (feed.name.empty() || feed.name.find_first_of(" \t/:") != std::string::npos)
        fail(node["name"], path + ".name: must be non-empty without spaces, ':' or '/'");
    const std::string type = scalar(node["type"], path + ".type");
    std::set<std::string> keys = {"name", "type"};
    auto need = [&](const char *key) -> YAML::Node {
        if (!node[key])
            fail(node, path + ": '" + key + "' is required for type " + type);
        return node[key];
    };
    if (type == "kafka") {
        feed.type = FeedConfig::Type::Kafka;
        keys.insert({"brokers", "group", "topics", "properties", "max_queue", "max_series"});
        feed.brokers = scalar(need("brokers"), path + ".brokers");
        if (node["group"])
            feed.group = scalar(node["group"], path + ".group");
        const YAML::Node topics = need("topics");
        if (!topics.IsSequence() || topics.size() == 0)
            fail(topics, path + ".topics: expected a non-empty list");
        for (std::size_t i = 0; i < topics.size(); ++i) {
            const std::string tpath = path + ".topics[" + std::to_string(i) + "]";
            const YAML::Node t = topics[i];
            FeedConfig::Topic topic;
            if (t.IsScalar()) {
                topic.name = scalar(t, tpath);
            } else if (t.IsMap()) {
                checkKeys(t, tpath, {"name", "signal", "encoding"});
                if (!t["name"])
                    fail(t, tpath + ": 'name' is required");
                topic.name = scalar(t["name"], tpath + ".name");
                if (t["signal"]) {
                    auto s = parseSignal(scalar(t["signal"], tpath + ".signal"));
                    if (!s)
                        fail(t["signal"], tpath + ".signal: " + s.error().message);
                    topic.signal = *s;
                }
                if (t["encoding"]) {
                    auto e = parseEncoding(scalar(t["encoding"], tpath + ".encoding"));
                    if (!e)
                        fail(t["encoding"], tpath + ".encoding: " + e.error().message);
                    topic.encoding = *e;
                }
            } else {
                fail(t, tpath + ": expected a topic name or {name, signal, encoding}");
            }
            // The Collector's default topic names imply their signal.
            if (!t.IsMap() || !t["signal"]) {
                if (topic.name.find("log") != std::string::npos)
                    topic.signal = Signal::Logs;
                else if (topic.name.find("span") != std::string::npos || topic.name.find("trace") != std::string::npos)
                    topic.signal = Signal::Traces;
            }
            if (auto ok = checkSupported(topic.signal, topic.encoding); !ok)
                fail(t, tpath + ": " + ok.error().message);
            feed.topics.push_back(std::move(topic));
        }
        if (const YAML::Node props = node["properties"]) {
            if (!props.IsMap())
                fail(props, path + ".properties: expected a mapping of librdkafka properties");
            for (const auto &kv : props) {
                const std::string key = kv.first.as<std::string>();
                feed.properties.emplace_back(key, scalar(kv.second, path + ".properties." + key));
            }
        }
        if (node["max_queue"])
            feed.maxQueueBytes = bytes(node["max_queue"], path + ".max_queue");
        if (node["max_series"])
            feed.maxSeries = bytes(node["max_series"], path + ".max_series");
    } else if (type == "prometheus_scrape" || type == "prometheus_api" || type == "loki_tail") {
        feed.type = type == "prometheus_scrape" ? FeedConfig::Type::PrometheusScrape
                  : type == "prometheus_api"    ? FeedConfig::Type::PrometheusApi
                                                : FeedConfig::Type::LokiTail;
        keys.insert({"url", "interval", "timeout"});
        feed.url = scalar(need("url"), path + ".url");
        const bool ws = feed.url.rfind("ws://", 0) == 0 || feed.url.rfind("wss://", 0) == 0;
        const bool http = feed.url.rfind("http://", 0) == 0 || feed.url.rfind("https://", 0) == 0;
        if (feed.type == FeedConfig::Type::LokiTail ? !(ws || http) : !http)
            fail(node["url"], path + ".url: '" + feed.url + "' is not an http(s)" + (feed.type == FeedConfig::Type::LokiTail ? " or ws(s)" : "") + " URL");
        if (node["interval"])
            feed.interval = duration(node["interval"], path + ".interval");
        if (node["timeout"])
            feed.timeout = duration(node["timeout"], path + ".timeout");
        if (feed.type == FeedConfig::Type::PrometheusScrape) {
            keys.insert("job");
            feed.job = node["job"] ? scalar(node["job"], path + ".job") : feed.name;
        } else if (feed.type == FeedConfig::Type::PrometheusApi) {
            keys.insert({"queries", "backfill", "step"});
            const YAML::Node queries = need("queries");
            if (!queries.IsSequence() || queries.size() == 0)
                fail(queries, path + ".queries: expected a non-empty list of PromQL expressions");
            for (std::size_t i = 0; i < queries.size(); ++i)
                feed.queries.push_back(scalar(queries[i], path + ".queries[" + std::to_string(i) + "]"));
            if (node["backfill"])
                feed.backfill = duration(node["backfill"], path + ".backfill");
            if (node["step"])
                feed.step = duration(node["step"], path + ".step");
        } else {
            keys.insert({"query", "tenant", "bearer_token"});
            feed.query = scalar(need("query"), path + ".query");
            if (node["tenant"])
                feed.tenant = scalar(node["tenant"], path + ".tenant");
            if (node["bearer_token"])
                feed.bearerToken = scalar(node["bearer_token"], path + ".bearer_token");
        }
    } else if (type == "pprof") {
        feed.type = FeedConfig::Type::Pprof;
        keys.insert({"url", "service", "interval", "timeout", "seconds", "sample_type"});
        feed.url = scalar(need("url"), path + ".url");
        if (feed.url.rfind("http://", 0) != 0 && feed.url.rfind("https://", 0) != 0)
            fail(node["url"], path + ".url: '" + feed.url + "' is not an http(s) URL");
        feed.service = node["service"] ? scalar(node["service"], path + ".service") : feed.name;
        feed.interval = kMinute;
        if (node["interval"])
            feed.interval = duration(node["interval"], path + ".interval");
        if (node["timeout"])
            feed.timeout = duration(node["timeout"], path + ".timeout");
        if (node["seconds"]) {
            const std::string text = scalar(node["seconds"], path + ".seconds");
            char *end = nullptr;
            const long v = std::strtol(text.c_str(), &end, 10);
            if (!end || *end || v < 1 || v > 300)
                fail(node["seconds"], path + ".seconds: expected whole seconds between 1 and 300");
            feed.seconds = int(v);
        }
        if (node["sample_type"])
            feed.sampleType = scalar(node["sample_type"], path + ".sample_type");
        if (feed.interval < Duration(feed.seconds) * kSecond)
            fail(node["interval"] ? node["interval"] : node, path + ".interval: shorter than the profile duration (seconds)");
    } else if (type == "alertmanager_webhook") {
        feed.type = FeedConfig::Type::AlertmanagerWebhook;
        keys.insert({"listen", "path", "bearer_token", "shared_secret"});
        if (node["listen"])
            feed.listen = scalar(node["listen"], path + ".listen");
        if (auto ok = parseListenAddress(feed.listen); !ok)
            fail(node["listen"] ? node["listen"] : node, path + ".listen: " + ok.error().message);
        if (node["path"])
            feed.path = scalar(node["path"], path + ".path");
        if (feed.path.empty() || feed.path.front() != '/')
            fail(node["path"], path + ".path: must start with '/'");
        if (node["bearer_token"])
            feed.bearerToken = scalar(node["bearer_token"], path + ".bearer_token");
        if (node["shared_secret"])
            feed.sharedSecret = scalar(node["shared_secret"], path + ".shared_secret");
    } else if (type == "log_file") {
        feed.type = FeedConfig::Type::LogFile;
        keys.insert({"path", "source", "from_start", "format"});
        feed.file = scalar(need("path"), path + ".path");
        feed.source = node["source"] ? scalar(node["source"], path + ".source") : std::string();
        if (node["from_start"])
            feed.fromStart = boolean(node["from_start"], path + ".from_start");
        if (node["format"]) {
            feed.logFormat = scalar(node["format"], path + ".format");
            if (auto ok = LogFormat::fromSpec(feed.logFormat); !ok)
                fail(node["format"], path + ".format: " + ok.error().message);
        }
    } else {
        fail(node["type"], path + ".type: unknown feed type '" + type
                               + "' (expected kafka, prometheus_scrape, prometheus_api, alertmanager_webhook, log_file, loki_tail or pprof)");
    }
    checkKeys(node, path, keys);
    return feed;
}
} // namespace

const char *feedTypeName(FeedConfig::Type type)
{
    switch (type) {
    case FeedConfig::Type::Kafka: return "kafka";
    case FeedConfig::Type::PrometheusScrape: return "prometheus_scrape";
    case FeedConfig::Type::PrometheusApi: return "prometheus_api";
    case FeedConfig::Type::AlertmanagerWebhook: return "alertmanager_webhook";
    case FeedConfig::Type::LogFile: return "log_file";
    case FeedConfig::Type::LokiTail: return "loki_tail";
    case FeedConfig::Type::Pprof: return "pprof";
    }
    return "?";
}

Result<std::pair<std::string, std::uint16_t>> parseListenAddress(const std::string &text)
{
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        return makeError(ErrorCode::InvalidArgument, "'" + text + "' is not host:port");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = 0;
    try {
        std::size_t used = 0;
        port = std::stoi(text.substr(colon + 1), &used);
        if (used != text.size() - colon - 1)
            port = -1;
    } catch (...) {
        port = -1;
    }
    if (port < 0 || port > 65535)
        return makeError(ErrorCode::InvalidArgument, "'" + text + "': port must be 0..65535");
    return std::pair{host.empty() ? std::string("127.0.0.1") : host, std::uint16_t(port)};
}

Result<NocturneConfig> parseConfig(const std::string &text, const std::string &sourceName)
{
    auto where = [&](const YAML::Mark &mark) {
        if (mark.is_null())
            return sourceName;
        return sourceName + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    };
    try {
        const YAML::Node root = YAML::Load(text);
        NocturneConfig config;
        if (!root || root.IsNull())
            return config;
        if (!root.IsMap())
            fail(root, "top level: expected a mapping with 'engine' and 'feeds'");
        checkKeys(root, "top level", {"engine", "feeds"});
        if (const YAML::Node engine = root["engine"]) {
            if (!engine.IsMap())
                fail(engine, "engine: expected a mapping");
            checkKeys(engine, "engine", {"events_db", "metrics_listen"});
            if (engine["events_db"])
                config.eventsDb = scalar(engine["events_db"], "engine.events_db");
            if (engine["metrics_listen"]) {
                config.metricsListen = scalar(engine["metrics_listen"], "engine.metrics_listen");
                if (config.metricsListen != "off" && !config.metricsListen.empty()) {
                    if (auto ok = parseListenAddress(config.metricsListen); !ok)
                        fail(engine["metrics_listen"], "engine.metrics_listen: " + ok.error().message);
                }
            }
        }
        if (const YAML::Node feeds = root["feeds"]) {
            if (!feeds.IsSequence())
                fail(feeds, "feeds: expected a list");
            std::set<std::string> names;
            for (std::size_t i = 0; i < feeds.size(); ++i) {
                FeedConfig feed = parseFeed(feeds[i], "feeds[" + std::to_string(i) + "]", sourceName);
                if (!names.insert(feed.name).second)
                    fail(feeds[i]["name"], "feeds[" + std::to_string(i) + "].name: '" + feed.name + "' is used twice");
                config.feeds.push_back(std::move(feed));
            }
        }
        return config;
    } catch (const ConfigError &e) {
        return makeError(ErrorCode::ParseError, where(e.mark) + ": " + e.message);
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, where(e.mark) + ": " + e.msg);
    }
}

Result<NocturneConfig> loadConfig(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::NotFound, path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return parseConfig(text.str(), path);
}

} // namespace Nocturne::Engine
