#include "kafka_tools.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <thread>

namespace Nocturne::Engine {

namespace {
Status fromError(rd_kafka_resp_err_t err, const std::string &what)
{
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
        return {};
    return makeError(ErrorCode::InvalidArgument, what + ": " + rd_kafka_err2str(err));
}
} // namespace

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::create(int brokers)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char error[512];
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return makeError(ErrorCode::InvalidArgument, std::string("mock cluster handle: ") + error);
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
    if (!cluster) {
        rd_kafka_destroy(rk);
        return makeError(ErrorCode::InvalidArgument, "rd_kafka_mock_cluster_new failed");
    }
    std::unique_ptr<KafkaMockCluster> out(new KafkaMockCluster);
    out->m_rk = rk;
    out->m_cluster = cluster;
    out->m_bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
    out->m_brokers = brokers;
    return out;
}

KafkaMockCluster::~KafkaMockCluster()
{
    if (m_cluster)
        rd_kafka_mock_cluster_destroy(m_cluster);
    if (m_rk)
        rd_kafka_destroy(m_rk);
}

Status KafkaMockCluster::createTopic(const std::string &topic, int partitions, int replicationFactor)
{
    return fromError(rd_kafka_mock_topic_create(m_cluster, topic.c_str(), partitions, replicationFactor), "create topic " + topic);
}

Status KafkaMockCluster::setBrokerDown(int brokerId)
{
    return fromError(rd_kafka_mock_broker_set_down(m_cluster, brokerId), "broker " + std::to_string(brokerId) + " down");
}

Status KafkaMockCluster::setBrokerUp(int brokerId)
{
    return fromError(rd_kafka_mock_broker_set_up(m_cluster, brokerId), "broker " + std::to_string(brokerId) + " up");
}

struct KafkaProducer::Counters {
    std::atomic<std::uint64_t> delivered{0}, failed{0};
};

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::create(const std::string &brokers,
                                                             std::vector<std::pair<std::string, std::string>> properties)
{
    std::unique_ptr<KafkaProducer> out(new KafkaProducer);
    out->m_counters = std::make_unique<Counters>();
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char error[512];
    std::vector<std::pair<std::string, std::string>> all = {{"bootstrap.servers", brokers},
                                                            {"enable.idempotence", "true"},
                                                            {"linger.ms", "20"},
                                                            {"batch.num.messages", "10000"},
                                                            {"log_level", "0"}};
    all.insert(all.end(), properties.begin(), properties.end());
    for (const auto &[k, v] : all) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return makeError(ErrorCode::InvalidArgument, "producer property '" + k + "': " + error);
        }
    }
    rd_kafka_conf_set_opaque(conf, out->m_counters.get());
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t *, const rd_kafka_message_t *m, void *opaque) {
        auto *counters = static_cast<Counters *>(opaque);
        ++(m->err ? counters->failed : counters->delivered);
    });
    out->m_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!out->m_rk) {
        rd_kafka_conf_destroy(conf);
        return makeError(ErrorCode::InvalidArgument, std::string("producer: ") + error);
    }
    return out;
}

KafkaProducer::~KafkaProducer()
{
    if (m_rk) {
        rd_kafka_flush(m_rk, 5000);
        rd_kafka_destroy(m_rk);
    }
}

Status KafkaProducer::produce(const std::string &topic, std::string_view payload, std::string_view key)
{
    for (;;) {
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            m_rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(const_cast<char *>(payload.data()), payload.size()),
            RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char *>(key.data()), key.size()), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(m_rk, 10);
            continue;
        }
        rd_kafka_poll(m_rk, 0);
        return fromError(err, "produce to " + topic);
    }
}

bool KafkaProducer::flush(int timeoutMs)
{
    return rd_kafka_flush(m_rk, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::uint64_t KafkaProducer::delivered() const
{
    return m_counters->delivered.load();
}

std::uint64_t KafkaProducer::failed() const
{
    return m_counters->failed.load();
}

} // namespace Nocturne::Engine
