#include "kafka_feed.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <map>

#include "runtime/engine.h"

namespace Nocturne::Engine {

namespace {
constexpr Duration kStateWindow = 10 * kSecond; // errors/rejects this recent make the feed degraded

struct TopicPartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t *list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using TopicPartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;

std::string positionOf(const rd_kafka_message_t *m)
{
    return std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) + "]@" + std::to_string(m->offset);
}
} // namespace

bool KafkaFeed::isSecretProperty(const std::string &name)
{
    for (const char *marker : {"password", "secret", "key", "token", "credential", "sasl.jaas", "sasl.oauthbearer.config"}) {
        if (name.find(marker) != std::string::npos)
            return true;
    }
    return false;
}

KafkaFeed::KafkaFeed(Engine &engine, Options options)
    : m_engine(engine)
    , m_options(std::move(options))
    , m_feedName("kafka:" + m_options.name)
{
}

KafkaFeed::~KafkaFeed()
{
    stop();
}

Status KafkaFeed::start()
{
    if (m_running)
        return {};
    if (m_options.brokers.empty())
        return makeError(ErrorCode::InvalidArgument, "no brokers", m_feedName);
    if (m_options.topics.empty())
        return makeError(ErrorCode::InvalidArgument, "no topics", m_feedName);
    m_decoders.clear();
    for (const Topic &topic : m_options.topics) {
        auto decoder = FeedDecoder::make(topic.signal, topic.encoding, m_engine.store(), m_options.limits);
        if (!decoder)
            return makeError(ErrorCode::InvalidArgument, "topic '" + topic.name + "': " + decoder.error().message, m_feedName);
        m_decoders.push_back({topic.name, std::move(*decoder)});
    }

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char error[512];
    auto set = [&](const std::string &name, const std::string &value) -> Status {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            // librdkafka's message can quote the value: never show it for secrets.
            const std::string why = isSecretProperty(name) ? std::string("invalid value (hidden)") : std::string(error);
            return makeError(ErrorCode::InvalidArgument, "property '" + name + "': " + why, m_feedName);
        }
        return {};
    };
    const std::vector<std::pair<std::string, std::string>> defaults = {
        {"bootstrap.servers", m_options.brokers},
        {"group.id", m_options.groupId},
        {"client.id", "nocturne"},
        {"auto.offset.reset", "earliest"},
        {"enable.auto.commit", "true"},
        {"auto.commit.interval.ms", "1000"},
        {"enable.partition.eof", "false"},
        // Fewer, larger fetches: per-partition fetches of up to 4 MiB (librdkafka's prefetch queue stays bounded by
        // queued.max.messages.kbytes, 64 MiB by default).
        {"max.partition.fetch.bytes", "4194304"},
    };
    for (const auto &[k, v] : defaults) {
        if (auto ok = set(k, v); !ok) {
            rd_kafka_conf_destroy(conf);
            return ok;
        }
    }
    for (const auto &[k, v] : m_options.properties) {
        if (k == "enable.auto.offset.store" || k == "enable.auto.commit") {
            rd_kafka_conf_destroy(conf);
            return makeError(ErrorCode::InvalidArgument,
                             "property '" + k + "' is managed by Nocturne (offsets are stored only after ingest)", m_feedName);
        }
        if (auto ok = set(k, v); !ok) {
            rd_kafka_conf_destroy(conf);
            return ok;
        }
    }
    // At-least-once: the application stores offsets after the engine has the data.
    (void)set("enable.auto.offset.store", "false");
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t *, int err, const char *reason, void *opaque) {
        static_cast<KafkaFeed *>(opaque)->onError(err, reason ? reason : "");
    });
    // librdkafka logs go to the feed's status instead of stderr (they never carry secret values).
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t *rk, int level, const char *, const char *buf) {
        if (level <= 3)
            static_cast<KafkaFeed *>(rd_kafka_opaque(rk))->onError(RD_KAFKA_RESP_ERR__FAIL, buf ? buf : "");
    });

    m_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!m_rk) {
        rd_kafka_conf_destroy(conf);
        return makeError(ErrorCode::InvalidArgument, std::string("cannot create consumer: ") + error, m_feedName);
    }
    rd_kafka_poll_set_consumer(m_rk);
    TopicPartitionList topics(rd_kafka_topic_partition_list_new(int(m_options.topics.size())));
    std::string endpoint = m_options.brokers + " ";
    for (const Topic &topic : m_options.topics) {
        rd_kafka_topic_partition_list_add(topics.get(), topic.name.c_str(), RD_KAFKA_PARTITION_UA);
        endpoint += (endpoint.back() == ' ' ? "" : ",") + topic.name + "(" + signalName(topic.signal) + "/" + encodingName(topic.encoding) + ")";
    }
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(m_rk, topics.get()); err) {
        rd_kafka_destroy(m_rk);
        m_rk = nullptr;
        return makeError(ErrorCode::InvalidArgument, std::string("subscribe failed: ") + rd_kafka_err2str(err), m_feedName);
    }
    m_engine.setFeedEndpoint(m_feedName, endpoint + " group " + m_options.groupId);
    m_engine.setFeedState(m_feedName, FeedState::Connecting);
    m_engine.setFeedGauges(m_feedName, 0, 0, m_options.maxQueueBytes);
    {
        std::lock_guard lock(m_queueMutex);
        m_pollerDone = false;
    }
    m_running = true;
    m_worker = std::thread([this] { workLoop(); });
    m_poller = std::jthread([this](std::stop_token stop) { pollLoop(stop); });
    return {};
}

void KafkaFeed::stop()
{
    if (!m_running.exchange(false))
        return;
    m_poller.request_stop();
    if (m_poller.joinable())
        m_poller.join();
    // The worker drains the queue (ingest + offsets store) and exits once the poller is done.
    if (m_worker.joinable())
        m_worker.join();
    rd_kafka_commit(m_rk, nullptr, 0); // synchronous: the stored offsets are committed before we leave the group
    rd_kafka_consumer_close(m_rk);
    rd_kafka_destroy(m_rk);
    m_rk = nullptr;
    m_engine.setFeedState(m_feedName, FeedState::Finished, "stopped");
}

void KafkaFeed::onError(int code, const std::string &reason)
{
    std::lock_guard lock(m_stateMutex);
    ++m_stats.transportErrors;
    m_lastTransportError = std::string(rd_kafka_err2name(rd_kafka_resp_err_t(code))) + ": " + reason;
    m_lastTransportErrorWall = m_wall.now();
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        m_allBrokersDown = true;
}

void KafkaFeed::setPaused(bool paused)
{
    rd_kafka_topic_partition_list_t *assignment = nullptr;
    if (rd_kafka_assignment(m_rk, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR || !assignment)
        return;
    TopicPartitionList owned(assignment);
    if (paused)
        rd_kafka_pause_partitions(m_rk, assignment);
    else
        rd_kafka_resume_partitions(m_rk, assignment);
    std::lock_guard lock(m_stateMutex);
    m_stats.paused = paused;
    ++(paused ? m_stats.pauses : m_stats.resumes);
}

void KafkaFeed::updatePartitions()
{
    rd_kafka_topic_partition_list_t *assignment = nullptr;
    if (rd_kafka_assignment(m_rk, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR || !assignment)
        return;
    TopicPartitionList owned(assignment);
    rd_kafka_position(m_rk, assignment);
    std::vector<PartitionState> states;
    std::int64_t totalLag = 0;
    for (int i = 0; i < assignment->cnt; ++i) {
        const rd_kafka_topic_partition_t &tp = assignment->elems[i];
        PartitionState s;
        s.topic = tp.topic;
        s.partition = tp.partition;
        s.position = tp.offset >= 0 ? tp.offset : -1;
        std::int64_t low = -1, high = -1;
        if (rd_kafka_get_watermark_offsets(m_rk, tp.topic, tp.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0) {
            s.highWatermark = high;
            s.lag = std::max<std::int64_t>(0, high - (s.position >= 0 ? s.position : std::max<std::int64_t>(low, 0)));
            totalLag += s.lag;
        }
        states.push_back(std::move(s));
    }
    std::size_t queueBytes = 0;
    {
        std::lock_guard lock(m_queueMutex);
        queueBytes = m_queueBytes;
    }
    const Timestamp now = m_wall.now();
    FeedState state = FeedState::Healthy;
    std::string why;
    {
        std::lock_guard lock(m_stateMutex);
        m_partitions = std::move(states);
        const bool recentError = m_lastTransportErrorWall && now - m_lastTransportErrorWall < kStateWindow
                              && m_lastTransportErrorWall > m_lastMessageWall;
        if (m_allBrokersDown && m_lastTransportErrorWall > m_lastMessageWall) {
            state = FeedState::Down;
            why = m_lastTransportError;
        } else if (recentError) {
            state = FeedState::Degraded;
            why = m_lastTransportError;
        } else if (m_lastRejectWall && now - m_lastRejectWall < kStateWindow) {
            state = FeedState::Degraded;
        } else if (m_stats.messages == 0 && m_partitions.empty()) {
            state = FeedState::Connecting;
        }
    }
    m_engine.setFeedState(m_feedName, state, why);
    m_engine.setFeedGauges(m_feedName, totalLag, queueBytes, m_options.maxQueueBytes);
}

void KafkaFeed::pollLoop(std::stop_token stop)
{
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(m_rk);
    std::vector<rd_kafka_message_t *> batch(1024);
    bool paused = false;
    std::size_t averageBytes = 0; // running mean message size, to size fetches to the queue's room; 0: unknown yet
    auto lastUpdate = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    while (!stop.stop_requested()) {
        std::size_t queued = 0;
        {
            std::lock_guard lock(m_queueMutex);
            queued = m_queueBytes;
        }
        const bool full = queued >= m_options.maxQueueBytes;
        if (full != paused && (full || [&] {
                std::lock_guard lock(m_queueMutex);
                return m_queueBytes < m_options.maxQueueBytes / 2;
            }())) {
            setPaused(full);
            paused = full;
        }
        // While paused, keep serving the consumer queue (rebalances, errors) but take no more than trickles.
        // Take no more than fits: the queue stays within its bound plus about one message.
        const std::size_t room = full ? 0 : averageBytes == 0 ? 1 : (m_options.maxQueueBytes - queued) / averageBytes + 1;
        // consume_batch waits until the batch is full or the timeout expires: take what is there without waiting,
        // and only when nothing is there wait (up to 100 ms) for a single message.
        ssize_t n = paused ? 0 : rd_kafka_consume_batch_queue(queue, 0, batch.data(), std::min(batch.size(), room));
        if (!paused && n == 0)
            n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), 1);
        if (n > 0) {
            std::size_t bytes = 0;
            std::size_t accepted = 0;
            for (ssize_t i = 0; i < n; ++i) {
                averageBytes = averageBytes == 0 ? batch[std::size_t(i)]->len + 1 : (averageBytes * 15 + batch[std::size_t(i)]->len) / 16;
                rd_kafka_message_t *m = batch[std::size_t(i)];
                if (m->err) {
                    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                        onError(m->err, rd_kafka_message_errstr(m));
                    rd_kafka_message_destroy(m);
                    continue;
                }
                bytes += m->len;
                batch[accepted++] = m;
            }
            {
                std::lock_guard lock(m_queueMutex);
                m_queue.insert(m_queue.end(), batch.begin(), batch.begin() + std::ptrdiff_t(accepted));
                m_queueBytes += bytes;
            }
            if (accepted) {
                m_queueChanged.notify_one();
                std::lock_guard lock(m_stateMutex);
                m_stats.messages += accepted;
                m_stats.bytes += bytes;
                m_lastMessageWall = m_wall.now();
                m_allBrokersDown = false;
            }
        }
        if (std::chrono::steady_clock::now() - lastUpdate >= std::chrono::milliseconds(500)) {
            updatePartitions();
            lastUpdate = std::chrono::steady_clock::now();
        }
        if (paused) {
            std::unique_lock lock(m_queueMutex);
            m_queueChanged.wait_for(lock, std::chrono::milliseconds(20));
        }
    }
    rd_kafka_queue_destroy(queue);
    {
        std::lock_guard lock(m_queueMutex);
        m_pollerDone = true;
    }
    m_queueChanged.notify_all();
}

void KafkaFeed::workLoop()
{
    std::vector<rd_kafka_message_t *> batch;
    for (;;) {
        {
            std::unique_lock lock(m_queueMutex);
            m_queueChanged.wait(lock, [&] { return !m_queue.empty() || m_pollerDone; });
            if (m_queue.empty() && m_pollerDone)
                break;
            const std::size_t n = std::min(m_queue.size(), m_options.maxBatchMessages);
            batch.assign(m_queue.begin(), m_queue.begin() + std::ptrdiff_t(n));
            m_queue.erase(m_queue.begin(), m_queue.begin() + std::ptrdiff_t(n));
        }
        processBatch(batch);
        std::size_t bytes = 0;
        for (rd_kafka_message_t *m : batch) {
            bytes += m->len;
            rd_kafka_message_destroy(m);
        }
        {
            std::lock_guard lock(m_queueMutex);
            m_queueBytes -= bytes;
        }
        m_queueChanged.notify_all();
    }
}

void KafkaFeed::processBatch(std::vector<rd_kafka_message_t *> &batch)
{
    DecodeOutput out;
    std::size_t rejects = 0;
    const Timestamp now = m_wall.now();
    std::map<std::pair<std::string_view, std::int32_t>, std::int64_t> nextOffsets;
    for (rd_kafka_message_t *m : batch) {
        const std::string_view topic = rd_kafka_topic_name(m->rkt);
        nextOffsets[{topic, m->partition}] = m->offset + 1;
        auto decoder = std::find_if(m_decoders.begin(), m_decoders.end(), [&](const TopicDecoder &d) { return d.topic == topic; });
        const std::size_t rejectsBefore = out.rejects.size();
        if (decoder == m_decoders.end()) {
            out.rejects.push_back({RejectReason::Unsupported, "no decoder for topic", {}});
        } else if (m->len > m_options.maxMessageBytes) {
            out.rejects.push_back({RejectReason::TooLarge,
                                   "message of " + std::to_string(m->len) + " bytes exceeds the limit of " + std::to_string(m_options.maxMessageBytes),
                                   {}});
        } else {
            rd_kafka_timestamp_type_t type;
            const std::int64_t ms = rd_kafka_message_timestamp(m, &type);
            DecodeContext context;
            context.receivedAt = ms > 0 ? ms * kMillisecond : now;
            context.source = m->key && m->key_len ? std::string_view(static_cast<const char *>(m->key), m->key_len) : topic;
            decoder->decoder->decode(std::string_view(static_cast<const char *>(m->payload), m->len), context, out);
        }
        if (out.rejects.size() > rejectsBefore) {
            // Reported per message so each dead letter carries its own topic[partition]@offset.
            const std::span<const Reject> mine(out.rejects.data() + rejectsBefore, out.rejects.size() - rejectsBefore);
            if (mine.front().excerpt.empty() && m->len)
                out.rejects[rejectsBefore].excerpt = printableExcerpt(std::string_view(static_cast<const char *>(m->payload), m->len));
            m_engine.recordRejects(m_feedName, mine, positionOf(m));
            rejects += mine.size();
            out.rejects.resize(rejectsBefore);
        }
    }
    m_engine.ingestSamples(out.samples, m_feedName);
    m_engine.ingestLogs(out.logs, m_feedName);
    m_engine.ingestSpans(out.spans, m_feedName);
    m_engine.ingestEvents(out.events, m_feedName);
    if (!out.alerts.empty())
        m_engine.ingestAlerts(out.alerts);
    // The batch is in the engine: now its offsets may be committed.
    TopicPartitionList offsets(rd_kafka_topic_partition_list_new(int(nextOffsets.size())));
    for (const auto &[key, offset] : nextOffsets)
        rd_kafka_topic_partition_list_add(offsets.get(), std::string(key.first).c_str(), key.second)->offset = offset;
    rd_kafka_offsets_store(m_rk, offsets.get());
    std::lock_guard lock(m_stateMutex);
    m_stats.items += out.items();
    m_stats.rejects += rejects;
    if (rejects)
        m_lastRejectWall = now;
}

std::vector<KafkaFeed::PartitionState> KafkaFeed::partitions() const
{
    std::lock_guard lock(m_stateMutex);
    return m_partitions;
}

KafkaFeed::Stats KafkaFeed::stats() const
{
    std::lock_guard lock(m_stateMutex);
    return m_stats;
}

} // namespace Nocturne::Engine
