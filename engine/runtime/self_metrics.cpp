// Engine self-monitoring in the Prometheus text exposition format (version 0.0.4): the tool must never be the silent
// failure in the room, so everything an operator needs to see whether Nocturne itself keeps up is here.
#include <cstdio>

#include "runtime/engine.h"

namespace Nocturne::Engine {

namespace {
void escapeLabel(std::string &out, std::string_view value)
{
    for (char c : value) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
}

class Writer
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += "# HELP ";
        m_out += name;
        m_out += ' ';
        m_out += help;
        m_out += "\n# TYPE ";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }
    void sample(const char *name, std::initializer_list<std::pair<const char *, std::string_view>> labels, double value)
    {
        m_out += name;
        if (labels.size()) {
            m_out += '{';
            bool first = true;
            for (const auto &[k, v] : labels) {
                if (!first)
                    m_out += ',';
                first = false;
                m_out += k;
                m_out += "=\"";
                escapeLabel(m_out, v);
                m_out += '"';
            }
            m_out += '}';
        }
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, " %.17g\n", value);
        m_out += buffer;
    }
    std::string take() { return std::move(m_out); }

private:
    std::string m_out;
};
} // namespace

std::string Engine::metricsExposition() const
{
    const SnapshotPtr snap = snapshot();
    std::vector<FeedStatus> feeds;
    {
        std::lock_guard lock(m_feedsMutex);
        for (const auto &f : m_feeds)
            feeds.push_back(f->status);
    }
    Writer w;
    w.family("nocturne_feed_up", "gauge", "1 when the feed is healthy, 0.5 when degraded, 0 when connecting or down.");
    for (const auto &f : feeds)
        w.sample("nocturne_feed_up", {{"feed", f.name}, {"state", feedStateName(f.state)}},
                 f.state == FeedState::Healthy || f.state == FeedState::Finished ? 1.0 : f.state == FeedState::Degraded ? 0.5 : 0.0);
    w.family("nocturne_feed_samples_total", "counter", "Samples a feed delivered into the store.");
    for (const auto &f : feeds)
        w.sample("nocturne_feed_samples_total", {{"feed", f.name}}, double(f.samples));
    w.family("nocturne_feed_samples_per_second", "gauge", "Samples per second a feed delivered over the last second.");
    for (const auto &f : feeds)
        w.sample("nocturne_feed_samples_per_second", {{"feed", f.name}}, f.samplesPerSecond);
    w.family("nocturne_feed_items_total", "counter", "Log lines, spans and events a feed delivered.");
    for (const auto &f : feeds) {
        w.sample("nocturne_feed_items_total", {{"feed", f.name}, {"kind", "logs"}}, double(f.logs));
        w.sample("nocturne_feed_items_total", {{"feed", f.name}, {"kind", "spans"}}, double(f.spans));
        w.sample("nocturne_feed_items_total", {{"feed", f.name}, {"kind", "events"}}, double(f.events));
    }
    w.family("nocturne_feed_rejected_total", "counter", "Items a feed refused, by reason.");
    for (const auto &f : feeds) {
        for (const auto &[reason, count] : f.rejectsByReason)
            w.sample("nocturne_feed_rejected_total", {{"feed", f.name}, {"reason", reason}}, double(count));
    }
    w.family("nocturne_feed_kafka_lag_messages", "gauge", "Kafka consumer lag over the feed's assigned partitions.");
    for (const auto &f : feeds) {
        if (f.lag >= 0)
            w.sample("nocturne_feed_kafka_lag_messages", {{"feed", f.name}}, double(f.lag));
    }
    w.family("nocturne_feed_queue_bytes", "gauge", "Bytes waiting between a feed's reader and the engine.");
    w.family("nocturne_feed_queue_capacity_bytes", "gauge", "Bound of that queue (the reader pauses at it).");
    for (const auto &f : feeds) {
        if (f.queueCapacity) {
            w.sample("nocturne_feed_queue_bytes", {{"feed", f.name}}, double(f.queueDepth));
            w.sample("nocturne_feed_queue_capacity_bytes", {{"feed", f.name}}, double(f.queueCapacity));
        }
    }
    w.family("nocturne_feed_last_data_timestamp_seconds", "gauge", "Wall time of the feed's last accepted batch.");
    for (const auto &f : feeds) {
        if (f.lastDataWall)
            w.sample("nocturne_feed_last_data_timestamp_seconds", {{"feed", f.name}}, double(f.lastDataWall) / 1e9);
    }
    const SeriesStoreStats store = m_store.stats();
    w.family("nocturne_store_series", "gauge", "Series in the in-memory store.");
    w.sample("nocturne_store_series", {}, double(store.series));
    w.family("nocturne_store_samples", "gauge", "Samples held in the in-memory store.");
    w.sample("nocturne_store_samples", {}, double(store.samples));
    w.family("nocturne_store_memory_bytes", "gauge", "Memory the store accounts for.");
    w.sample("nocturne_store_memory_bytes", {}, double(store.bytes));
    w.family("nocturne_detector_seconds_total", "counter", "Time spent in the streaming detectors.");
    w.sample("nocturne_detector_seconds_total", {}, double(m_detectorNanos.load()) / 1e9);
    w.family("nocturne_detector_samples_total", "counter", "Samples scored by the streaming detectors.");
    w.sample("nocturne_detector_samples_total", {}, double(m_detectorSamples.load()));
    w.family("nocturne_snapshot_publish_seconds", "gauge", "Time to build the last published snapshot.");
    w.sample("nocturne_snapshot_publish_seconds", {}, m_lastPublishMillis.load() / 1e3);
    w.family("nocturne_snapshot_publish_seconds_total", "counter", "Time spent building snapshots.");
    w.sample("nocturne_snapshot_publish_seconds_total", {}, double(m_publishNanosTotal.load()) / 1e9);
    w.family("nocturne_snapshot_publishes_total", "counter", "Snapshots published.");
    w.sample("nocturne_snapshot_publishes_total", {}, double(m_publishCount.load()));
    w.family("nocturne_open_anomaly_events", "gauge", "Anomaly events currently open.");
    w.sample("nocturne_open_anomaly_events", {}, snap ? double(snap->openAnomalies.size()) : 0.0);
    w.family("nocturne_dead_letters_total", "counter", "Refused items recorded in the dead-letter ring.");
    w.sample("nocturne_dead_letters_total", {}, double(m_deadLetters.total()));
    return w.take();
}

} // namespace Nocturne::Engine
