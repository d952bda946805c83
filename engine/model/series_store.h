#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/strong_id.h"
#include "model/metric_type.h"
#include "model/sample_ring.h"
#include "model/series_key.h"

namespace Nocturne::Engine {

enum class AppendOutcome {
    Appended,
    Replaced,    // same timestamp as the newest sample: value overwritten (a re-delivered sample is idempotent)
    OutOfOrder,  // older than the newest sample: rejected and counted, never inserted in the middle
    NotFinite,   // NaN or ±Inf: rejected and counted (Prometheus staleness markers are handled by the decoders)
    UnknownSeries,
};

struct DownsampleBucket {
    Timestamp start = 0;
    double min = 0, max = 0, avg = 0;
    std::uint32_t count = 0;
};

struct SeriesStoreStats {
    std::size_t series = 0;
    std::size_t samples = 0;        // samples currently held
    std::size_t bytes = 0;          // sample buffers + per-series bookkeeping + key text and index
    std::size_t sampleBytes = 0;    // sample buffers only
    std::uint64_t appended = 0;     // since start
    std::uint64_t replaced = 0;
    std::uint64_t rejectedOutOfOrder = 0;
    std::uint64_t rejectedNotFinite = 0;
    std::uint64_t evicted = 0;
    double bytesPerSample() const { return samples ? double(bytes) / double(samples) : 0.0; }
};

struct SampleRef {
    SeriesId series;
    Timestamp ts;
    double value;
};

// In-memory store of recent samples for every series the engine knows. Thread-safe: any number of writers and
// readers. Interning takes an exclusive lock on the index only; appends and reads lock one of 64 shards, so
// writers to different series rarely contend. Readers get copies, never references into the rings.
class SeriesStore
{
public:
    struct Options {
        Duration retention = 6 * kHour;
        std::size_t maxSamplesPerSeries = std::size_t(1) << 20;
    };

    SeriesStore();
    explicit SeriesStore(Options options);
    ~SeriesStore();
    SeriesStore(const SeriesStore &) = delete;
    SeriesStore &operator=(const SeriesStore &) = delete;

    SeriesId intern(const SeriesKey &key);
    std::optional<SeriesId> find(const SeriesKey &key) const;
    std::optional<SeriesKey> key(SeriesId id) const;
    std::size_t seriesCount() const;

    // The type its source declares for a series (Untyped until one does). A later declaration replaces the earlier
    // one: a series can change type (a redeployed exporter), and detection follows.
    void setType(SeriesId id, MetricType type);
    MetricType type(SeriesId id) const;

    AppendOutcome append(SeriesId id, Timestamp ts, double value);
    // Appends a batch; returns how many were stored (appended or replaced).
    std::size_t appendBatch(std::span<const SampleRef> samples);

    std::vector<Sample> range(SeriesId id, Timestamp from, Timestamp to) const;
    std::optional<Sample> last(SeriesId id) const;
    // min/max/avg per bucket of equal width over [from, to); empty buckets are omitted.
    std::vector<DownsampleBucket> downsample(SeriesId id, Timestamp from, Timestamp to, std::size_t buckets) const;

    std::vector<SeriesId> select(const std::vector<LabelMatcher> &matchers) const;
    std::vector<SeriesId> allSeries() const;

    SeriesStoreStats stats() const;
    const Options &options() const { return m_options; }

private:
    struct SeriesData {
        SampleRing ring;
        std::atomic<MetricType> type{MetricType::Untyped}; // written by decoders, read by detection without a lock
    };
    static constexpr std::size_t kShards = 64;
    static constexpr std::size_t kBlockSize = 4096;
    static constexpr std::size_t kMaxBlocks = 4096; // 16M series

    SeriesData *data(SeriesId id) const;
    std::mutex &shardMutex(SeriesId id) const { return m_shards[id.value % kShards].mutex; }
    AppendOutcome appendLocked(SeriesData &series, Timestamp ts, double value);

    Options m_options;

    mutable std::shared_mutex m_indexMutex;
    std::unordered_map<std::string, SeriesId> m_byCanonical; // guarded by m_indexMutex
    std::deque<SeriesKey> m_keys;                             // guarded by m_indexMutex
    std::unordered_map<std::string, std::vector<SeriesId>> m_postings; // "name\x1fvalue" → ids; guarded by m_indexMutex
    std::size_t m_keyBytes = 0;                                // guarded by m_indexMutex

    // Series payloads in fixed blocks so that lookups need no lock: a block pointer, once published, never moves.
    std::array<std::atomic<SeriesData *>, kMaxBlocks> m_blocks{};
    std::atomic<std::size_t> m_seriesCount{0};

    struct alignas(64) Shard {
        std::mutex mutex;
        std::uint64_t appended = 0, replaced = 0, outOfOrder = 0, notFinite = 0, evicted = 0; // guarded by mutex
    };
    mutable std::array<Shard, kShards> m_shards;
};

} // namespace Nocturne::Engine
