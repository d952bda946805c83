#include "feed_manager.h"

#include <QHostAddress>

#include "feeds/alertmanager_receiver.h"
#include "feeds/kafka_feed.h"
#include "feeds/log_file_follower.h"
#include "feeds/loki_tail_client.h"
#include "feeds/prometheus_api_client.h"
#include "feeds/pprof_poller.h"
#include "feeds/prometheus_scraper.h"
#include "net/metrics_server.h"
#include "runtime/engine.h"

namespace Nocturne::Engine {

struct FeedManager::Running {
    std::string feedName;
    std::unique_ptr<KafkaFeed> kafka;
    std::unique_ptr<PrometheusScraper> scraper;
    std::unique_ptr<PrometheusApiClient> api;
    std::unique_ptr<AlertmanagerReceiver> webhook;
    std::unique_ptr<LogFileFollower> follower;
    std::unique_ptr<LokiTailClient> loki;
    std::unique_ptr<PprofPoller> pprof;

    void stop()
    {
        if (kafka)
            kafka->stop();
        if (scraper)
            scraper->stop();
        if (pprof)
            pprof->stop();
        if (api)
            api->stop();
        if (follower)
            follower->stop();
        if (loki)
            loki->stop();
        webhook.reset();
    }
};

FeedManager::FeedManager(Engine &engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
{
}

FeedManager::~FeedManager()
{
    stopAll();
}

void FeedManager::stopAll()
{
    for (auto &r : m_running)
        r->stop();
    m_running.clear();
    m_metrics.reset();
}

quint16 FeedManager::metricsPort() const
{
    return m_metrics ? m_metrics->port() : 0;
}

std::vector<std::string> FeedManager::feedNames() const
{
    std::vector<std::string> names;
    for (const auto &r : m_running)
        names.push_back(r->feedName);
    return names;
}

std::vector<Error> FeedManager::apply(const NocturneConfig &config, std::string text)
{
    m_text = std::move(text);
    // Feeds configured away leave the feed list; their data stays in the stores.
    for (const std::string &name : feedNames())
        m_engine.removeFeed(name);
    stopAll();
    m_config = config;
    std::vector<Error> errors;
    if (!config.metricsListen.empty() && config.metricsListen != "off") {
        const auto address = parseListenAddress(config.metricsListen);
        m_metrics = std::make_unique<MetricsServer>(m_engine);
        if (!address || !m_metrics->listen(QHostAddress(QString::fromStdString(address->first)), address->second)) {
            errors.push_back(Error{ErrorCode::InvalidArgument,
                                   "cannot serve /metrics on " + config.metricsListen + ": " + m_metrics->errorString().toStdString(),
                                   "engine.metrics_listen"});
            m_metrics.reset();
        }
    }
    for (const FeedConfig &feed : config.feeds) {
        auto running = std::make_unique<Running>();
        auto down = [&](const std::string &name, const std::string &why) {
            running->feedName = name;
            m_engine.setFeedState(name, FeedState::Down, why);
            errors.push_back(Error{ErrorCode::InvalidArgument, why, feed.where});
        };
        switch (feed.type) {
        case FeedConfig::Type::Kafka: {
            KafkaFeed::Options o;
            o.name = feed.name;
            o.brokers = feed.brokers;
            o.groupId = feed.group;
            for (const auto &t : feed.topics)
                o.topics.push_back({t.name, t.signal, t.encoding});
            o.properties = feed.properties;
            o.maxQueueBytes = feed.maxQueueBytes;
            o.limits.maxSeries = feed.maxSeries;
            running->kafka = std::make_unique<KafkaFeed>(m_engine, o);
            running->feedName = running->kafka->feedName();
            if (auto ok = running->kafka->start(); !ok)
                down(running->feedName, ok.error().message);
            break;
        }
        case FeedConfig::Type::PrometheusScrape: {
            PrometheusScraper::Options o;
            o.url = QUrl(QString::fromStdString(feed.url));
            o.job = QString::fromStdString(feed.job);
            o.intervalMs = int(feed.interval / kMillisecond);
            o.timeoutMs = int(feed.timeout / kMillisecond);
            running->scraper = std::make_unique<PrometheusScraper>(m_engine, o);
            running->feedName = running->scraper->feedName().toStdString();
            m_engine.setFeedEndpoint(running->feedName, "GET " + feed.url + " every " + std::to_string(feed.interval / kSecond) + " s");
            running->scraper->start();
            break;
        }
        case FeedConfig::Type::PrometheusApi: {
            PrometheusApiClient::Options o;
            o.baseUrl = QUrl(QString::fromStdString(feed.url));
            for (const auto &q : feed.queries)
                o.queries.push_back({QString::fromStdString(q), {}});
            o.backfill = feed.backfill;
            o.step = feed.step;
            o.intervalMs = int(feed.interval / kMillisecond);
            o.timeoutMs = int(feed.timeout / kMillisecond);
            running->api = std::make_unique<PrometheusApiClient>(m_engine, o);
            running->feedName = running->api->feedName().toStdString();
            m_engine.setFeedEndpoint(running->feedName, feed.url + " (" + std::to_string(feed.queries.size()) + " queries)");
            running->api->start();
            break;
        }
        case FeedConfig::Type::AlertmanagerWebhook: {
            const auto address = parseListenAddress(feed.listen);
            AlertmanagerReceiver::Options o;
            o.address = QHostAddress(QString::fromStdString(address->first));
            o.port = address->second;
            o.path = QString::fromStdString(feed.path);
            o.bearerToken = QByteArray::fromStdString(feed.bearerToken);
            o.sharedSecret = QByteArray::fromStdString(feed.sharedSecret);
            running->webhook = std::make_unique<AlertmanagerReceiver>(m_engine, o);
            if (!running->webhook->listen())
                down("alertmanager-webhook:" + feed.listen, "cannot listen on " + feed.listen);
            else
                running->feedName = running->webhook->feedName().toStdString();
            break;
        }
        case FeedConfig::Type::LogFile: {
            LogFileFollower::Options o;
            o.path = feed.file;
            o.source = feed.source;
            o.fromStart = feed.fromStart;
            o.format = feed.logFormat;
            const std::string name = "log-file:" + feed.name;
            running->feedName = name;
            running->follower = std::make_unique<LogFileFollower>(
                o, [this, name](std::vector<LogRecord> batch) { m_engine.ingestLogs(batch, name); }, m_engine.clock());
            m_engine.setFeedState(name, FeedState::Healthy);
            m_engine.setFeedEndpoint(name, feed.file);
            running->follower->start();
            break;
        }
        case FeedConfig::Type::Pprof: {
            PprofPoller::Options o;
            o.url = QUrl(QString::fromStdString(feed.url));
            o.service = QString::fromStdString(feed.service);
            o.seconds = feed.seconds;
            o.intervalMs = int(feed.interval / kMillisecond);
            o.timeoutMs = int(feed.timeout / kMillisecond);
            o.sampleType = QString::fromStdString(feed.sampleType);
            running->pprof = std::make_unique<PprofPoller>(m_engine, o);
            running->feedName = running->pprof->feedName().toStdString();
            m_engine.setFeedEndpoint(running->feedName, "GET " + running->pprof->requestUrl().toString().toStdString() + " every "
                                                            + std::to_string(feed.interval / kSecond) + " s");
            running->pprof->start();
            break;
        }
        case FeedConfig::Type::LokiTail: {
            LokiTailClient::Options o;
            o.baseUrl = QUrl(QString::fromStdString(feed.url));
            o.query = QString::fromStdString(feed.query);
            o.tenant = QString::fromStdString(feed.tenant);
            o.bearerToken = QString::fromStdString(feed.bearerToken);
            const std::string name = "loki:" + feed.name;
            running->feedName = name;
            running->loki = std::make_unique<LokiTailClient>(o, [this, name](std::vector<LogRecord> batch) { m_engine.ingestLogs(batch, name); });
            connect(running->loki.get(), &LokiTailClient::connectedChanged, this, [this, name, client = running->loki.get()](bool up) {
                m_engine.setFeedState(name, up ? FeedState::Healthy : FeedState::Degraded,
                                      up ? std::string() : client->stats().lastError.toStdString());
            });
            m_engine.setFeedState(name, FeedState::Connecting);
            m_engine.setFeedEndpoint(name, feed.url + " " + feed.query);
            running->loki->start();
            break;
        }
        }
        m_running.push_back(std::move(running));
    }
    m_lastErrors = errors;
    return errors;
}

} // namespace Nocturne::Engine
