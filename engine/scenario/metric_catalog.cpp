#include "metric_catalog.h"

#include <limits>

namespace Nocturne::Engine {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// name, unit, baseParam, baseDefault, baseScale, loadExp, noise, tailP, tailScale, lo, hi, integer, onlyWithParam, jitter
constexpr MetricSpec kService[] = {
    {"http_requests_per_second", "req/s", "rps", 100, 1, 1.0, 0.03, 0.002, 0.5, 0, kInf, false, false, false},
    {"http_request_duration_p99_seconds", "s", "latency_ms", 50, 0.001, 0.25, 0.05, 0.004, 0.8, 0, kInf, false, false, false},
    {"http_errors_ratio", "ratio", "error_ratio", 0.002, 1, 0.3, 0.2, 0.003, 2.0, 0, 1, false, false, false},
    {"db_pool_active_connections", "connections", "pool", 20, 0.35, 0.8, 0.08, 0, 0, 0, kInf, true, true, false},
    {"db_pool_wait_seconds", "s", "pool", 20, 0.0001, 0.5, 0.3, 0.002, 1.0, 0, kInf, false, true, false},
};
constexpr MetricSpec kPod[] = {
    {"container_cpu_usage_ratio", "ratio", nullptr, 0.35, 1, 0.8, 0.06, 0.002, 0.5, 0, 1, false, false, true},
    {"container_memory_working_set_bytes", "bytes", "memory_mb", 512, 1.0e6, 0.05, 0.01, 0, 0, 0, kInf, false, false, true},
    {"kube_pod_container_restarts", "count", nullptr, 0, 1, 0, 0, 0, 0, 0, kInf, true, false, false},
};
constexpr MetricSpec kHost[] = {
    {"node_cpu_utilization_ratio", "ratio", nullptr, 0.3, 1, 0.7, 0.05, 0.002, 0.5, 0, 1, false, false, true},
    {"node_memory_used_ratio", "ratio", nullptr, 0.55, 1, 0.05, 0.01, 0, 0, 0, 1, false, false, true},
    {"node_network_rtt_milliseconds", "ms", nullptr, 0.25, 1, 0.1, 0.08, 0.005, 1.5, 0, kInf, false, false, true},
    {"node_network_retransmits_per_second", "1/s", nullptr, 2, 1, 0.8, 0.3, 0.003, 2.0, 0, kInf, false, false, true},
};
constexpr MetricSpec kCache[] = {
    {"redis_ops_per_second", "ops/s", "ops", 5000, 1, 1.0, 0.03, 0.002, 0.5, 0, kInf, false, false, false},
    {"redis_keyspace_hit_ratio", "ratio", nullptr, 0.95, 1, 0, 0.004, 0, 0, 0, 1, false, false, false},
    {"redis_command_latency_ms", "ms", nullptr, 0.4, 1, 0.3, 0.08, 0.004, 1.0, 0, kInf, false, false, true},
    {"redis_connected_clients", "clients", nullptr, 220, 1, 0.5, 0.03, 0, 0, 0, kInf, true, false, true},
};
constexpr MetricSpec kDatabase[] = {
    {"mysql_queries_per_second", "q/s", "qps", 1000, 1, 1.0, 0.03, 0.002, 0.5, 0, kInf, false, false, false},
    {"mysql_global_status_threads_connected", "threads", "connections", 100, 1, 0.6, 0.04, 0, 0, 0, kInf, true, false, false},
    {"mysql_innodb_row_lock_waits_per_second", "1/s", nullptr, 0.5, 1, 1.0, 0.35, 0.004, 3.0, 0, kInf, false, false, true},
    {"mysql_slow_queries_per_second", "1/s", nullptr, 0.2, 1, 1.0, 0.35, 0.004, 3.0, 0, kInf, false, false, true},
    {"mysql_cpu_ratio", "ratio", nullptr, 0.3, 1, 0.8, 0.05, 0.002, 0.5, 0, 1, false, false, true},
};
constexpr MetricSpec kQueue[] = {
    {"kafka_messages_in_per_second", "msg/s", "msgs", 300, 1, 1.0, 0.04, 0.002, 0.5, 0, kInf, false, false, false},
    {"kafka_consumergroup_lag", "messages", nullptr, 120, 1, 1.0, 0.3, 0.005, 3.0, 0, kInf, true, false, true},
    {"kafka_request_latency_ms", "ms", nullptr, 3, 1, 0.3, 0.08, 0.004, 1.0, 0, kInf, false, false, true},
};
constexpr MetricSpec kServer[] = {
    {"node_cpu_utilization_ratio", "ratio", nullptr, 0.45, 1, 0, 0.04, 0.001, 0.3, 0, 1, false, false, true},
    {"node_memory_used_ratio", "ratio", nullptr, 0.6, 1, 0, 0.01, 0, 0, 0, 1, false, false, true},
};
constexpr MetricSpec kGpu[] = {
    {"DCGM_FI_DEV_GPU_UTIL", "%", nullptr, 96, 1, 0, 0.015, 0.001, 0.0, 0, 100, true, false, false},
    {"DCGM_FI_DEV_GPU_TEMP", "C", nullptr, 64, 1, 0.03, 0.015, 0, 0, 0, 120, true, false, true},
    {"DCGM_FI_DEV_POWER_USAGE", "W", nullptr, 560, 1, 0, 0.03, 0.001, 0.1, 0, 800, false, false, true},
    {"DCGM_FI_DEV_XID_ERRORS", "xid", nullptr, 0, 1, 0, 0, 0, 0, 0, kInf, true, false, false},
    {"DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "ratio", nullptr, 0.62, 1, 0, 0.03, 0, 0, 0, 1, false, false, true},
    {"DCGM_FI_DEV_FB_USED", "MiB", nullptr, 71000, 1, 0, 0.005, 0, 0, 0, 81559, true, false, true},
};
constexpr MetricSpec kPort[] = {
    {"ib_port_utilization_ratio", "ratio", nullptr, 0.55, 1, 0, 0.05, 0.002, 0.3, 0, 1, false, false, true},
    {"ib_port_xmit_data_bytes_per_second", "B/s", nullptr, 1.4e10, 1, 0, 0.05, 0.002, 0.3, 0, 2.5e10, false, false, true},
    {"ib_port_xmit_wait_per_second", "ticks/s", nullptr, 1500, 1, 0, 0.3, 0.004, 2.0, 0, kInf, false, false, true},
    {"ib_port_rcv_errors_per_second", "1/s", nullptr, 0.01, 1, 0, 0.8, 0.001, 5.0, 0, kInf, false, false, false},
    {"ib_port_symbol_errors_per_second", "1/s", nullptr, 0.05, 1, 0, 0.8, 0.001, 5.0, 0, kInf, false, false, false},
    {"roce_pfc_pause_frames_per_second", "frames/s", nullptr, 20, 1, 0, 0.5, 0.003, 3.0, 0, kInf, false, false, true},
};
constexpr MetricSpec kTransceiver[] = {
    {"transceiver_rx_power_dbm", "dBm", nullptr, -1.8, 1, 0, 0.02, 0, 0, -40, 5, false, false, true},
    {"transceiver_tx_power_dbm", "dBm", nullptr, -0.9, 1, 0, 0.02, 0, 0, -40, 5, false, false, true},
    {"transceiver_temperature_celsius", "C", nullptr, 45, 1, 0.05, 0.01, 0, 0, -10, 100, false, false, true},
    {"transceiver_bias_current_ma", "mA", nullptr, 7.2, 1, 0, 0.01, 0, 0, 0, 20, false, false, true},
    {"transceiver_voltage_volts", "V", nullptr, 3.29, 1, 0, 0.002, 0, 0, 0, 4, false, false, false},
};
constexpr MetricSpec kJob[] = {
    {"training_step_time_seconds", "s", nullptr, 1.9, 1, 0, 0.015, 0.002, 0.3, 0, kInf, false, false, false},
    {"nccl_allreduce_bus_bandwidth_gbps", "Gb/s", nullptr, 180, 1, 0, 0.03, 0.002, -0.3, 0, kInf, false, false, false},
};
constexpr MetricSpec kEdge[] = {
    {"rpc_client_requests_per_second", "req/s", nullptr, 0, 1, 1.0, 0.04, 0.002, 0.5, 0, kInf, false, false, false},
    {"rpc_client_duration_p99_seconds", "s", nullptr, 0, 1, 0.25, 0.06, 0.004, 0.8, 0, kInf, false, false, false},
    {"rpc_client_errors_ratio", "ratio", nullptr, 0, 1, 0.3, 0.25, 0.003, 2.0, 0, 1, false, false, false},
};
} // namespace

std::span<const MetricSpec> edgeMetrics()
{
    return kEdge;
}

std::span<const MetricSpec> metricsForKind(EntityKind kind)
{
    switch (kind) {
    case EntityKind::Service: return kService;
    case EntityKind::Pod: return kPod;
    case EntityKind::Host: return kHost;
    case EntityKind::Cache: return kCache;
    case EntityKind::Database: return kDatabase;
    case EntityKind::Queue: return kQueue;
    case EntityKind::Server: return kServer;
    case EntityKind::Gpu: return kGpu;
    case EntityKind::Nic: return {};
    case EntityKind::Switch: return {};
    case EntityKind::Port: return kPort;
    case EntityKind::Transceiver: return kTransceiver;
    case EntityKind::Job: return kJob;
    }
    return {};
}

} // namespace Nocturne::Engine
