#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace Nocturne::Engine {

// librdkafka's in-process mock cluster: real Kafka brokers (protocol over TCP on loopback) without a JVM. Used by
// `nocturne-engine mock-kafka`, the integration tests and bench_ingest.
class KafkaMockCluster
{
public:
    static Result<std::unique_ptr<KafkaMockCluster>> create(int brokers);
    ~KafkaMockCluster();

    const std::string &bootstrapServers() const { return m_bootstraps; }
    Status createTopic(const std::string &topic, int partitions, int replicationFactor = 1);
    Status setBrokerDown(int brokerId);
    Status setBrokerUp(int brokerId);
    int brokers() const { return m_brokers; }

private:
    KafkaMockCluster() = default;
    rd_kafka_s *m_rk = nullptr; // owns the mock cluster
    rd_kafka_mock_cluster_s *m_cluster = nullptr;
    std::string m_bootstraps;
    int m_brokers = 0;
};

// A plain producer (acks=all, idempotent) for publishing scenarios and test data.
class KafkaProducer
{
public:
    static Result<std::unique_ptr<KafkaProducer>> create(const std::string &brokers,
                                                         std::vector<std::pair<std::string, std::string>> properties = {});
    ~KafkaProducer();

    // Queues one message (copied); blocks briefly while librdkafka's queue is full.
    Status produce(const std::string &topic, std::string_view payload, std::string_view key = {});
    // Waits until everything queued is acknowledged; false on timeout.
    bool flush(int timeoutMs);
    std::uint64_t delivered() const;
    std::uint64_t failed() const;

private:
    KafkaProducer() = default;
    rd_kafka_s *m_rk = nullptr;
    struct Counters;
    std::unique_ptr<Counters> m_counters;
};

} // namespace Nocturne::Engine
