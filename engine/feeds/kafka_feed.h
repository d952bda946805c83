#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "decode/feed_decoding.h"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace Nocturne::Engine {

class Engine;

// Consumes Kafka topics with librdkafka's high-level consumer (consumer group, rebalancing) into the engine.
//
// Delivery is at-least-once: offsets are stored only after the messages' items are in the engine
// (enable.auto.offset.store=false + rd_kafka_offsets_store), committed by the periodic auto-commit and synchronously on
// stop. Re-delivered samples are idempotent (same series and timestamp replace). Two threads: the poller fetches
// messages into a bounded queue (bytes) and pauses every assigned partition when it is full, resuming at half; the
// worker decodes, ingests and stores offsets. Bad messages are refused with a reason and their topic[partition]@offset,
// counted per reason and kept in the engine's dead-letter ring; the messages around them keep flowing.
class KafkaFeed
{
public:
    struct Topic {
        std::string name;
        Signal signal = Signal::Metrics;
        Encoding encoding = Encoding::OtlpProto;
    };
    struct Options {
        std::string name = "kafka";  // the feed is "kafka:<name>"
        std::string brokers;         // bootstrap.servers
        std::string groupId = "nocturne";
        std::vector<Topic> topics;
        // Any librdkafka property (security.protocol, sasl.*, ssl.*, fetch.*, …), applied after Nocturne's defaults.
        std::vector<std::pair<std::string, std::string>> properties;
        std::size_t maxQueueBytes = 64 * 1024 * 1024;
        std::size_t maxBatchMessages = 4096;
        std::size_t maxMessageBytes = 16 * 1024 * 1024;
        SeriesResolver::Limits limits;
    };
    struct PartitionState {
        std::string topic;
        std::int32_t partition = 0;
        std::int64_t position = -1; // next offset to consume; -1: none yet
        std::int64_t highWatermark = -1;
        std::int64_t lag = -1;
    };
    struct Stats {
        std::uint64_t messages = 0, bytes = 0, items = 0, rejects = 0, pauses = 0, resumes = 0, transportErrors = 0;
        bool paused = false;
    };

    KafkaFeed(Engine &engine, Options options);
    ~KafkaFeed();
    KafkaFeed(const KafkaFeed &) = delete;
    KafkaFeed &operator=(const KafkaFeed &) = delete;

    // Validates the options and librdkafka properties (errors name the property, never print secret values), creates
    // the consumer, subscribes and starts the threads.
    Status start();
    // Stops fetching, ingests what is queued, stores and commits its offsets synchronously, leaves the group.
    void stop();
    bool running() const { return m_running.load(); }

    const std::string &feedName() const { return m_feedName; }
    std::vector<PartitionState> partitions() const;
    Stats stats() const;

    // Whether a librdkafka property's value must never be shown (passwords, keys, tokens).
    static bool isSecretProperty(const std::string &name);

private:
    void pollLoop(std::stop_token stop);
    void workLoop();
    void processBatch(std::vector<rd_kafka_message_s *> &batch);
    void updatePartitions();
    void setPaused(bool paused);
    void onError(int code, const std::string &reason);

    Engine &m_engine;
    Options m_options;
    std::string m_feedName;
    rd_kafka_s *m_rk = nullptr;

    struct TopicDecoder {
        std::string topic;
        std::unique_ptr<FeedDecoder> decoder;
    };
    std::vector<TopicDecoder> m_decoders; // used by the worker only

    mutable std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;
    std::deque<rd_kafka_message_s *> m_queue; // guarded by m_queueMutex
    std::size_t m_queueBytes = 0;             // guarded by m_queueMutex
    bool m_pollerDone = false;                // guarded by m_queueMutex
    std::size_t m_inFlight = 0;               // messages taken by the worker, not yet done; guarded by m_queueMutex

    mutable std::mutex m_stateMutex;
    std::vector<PartitionState> m_partitions; // guarded by m_stateMutex
    Stats m_stats;                            // guarded by m_stateMutex
    std::string m_lastTransportError;         // guarded by m_stateMutex
    Timestamp m_lastTransportErrorWall = 0;   // guarded by m_stateMutex
    bool m_allBrokersDown = false;            // guarded by m_stateMutex
    Timestamp m_lastRejectWall = 0;           // guarded by m_stateMutex
    Timestamp m_lastMessageWall = 0;          // guarded by m_stateMutex

    std::atomic<bool> m_running{false};
    SystemClock m_wall;
    std::jthread m_poller;
    std::thread m_worker;
};

} // namespace Nocturne::Engine
