#include "series_store.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace Nocturne::Engine {

namespace {
std::string postingKey(std::string_view name, std::string_view value)
{
    std::string key;
    key.reserve(name.size() + value.size() + 1);
    key.append(name);
    key.push_back('\x1f');
    key.append(value);
    return key;
}
} // namespace

SeriesStore::SeriesStore()
    : SeriesStore(Options{})
{
}

SeriesStore::SeriesStore(Options options)
    : m_options(options)
{
    if (m_options.maxSamplesPerSeries < 8)
        m_options.maxSamplesPerSeries = 8;
}

SeriesStore::~SeriesStore()
{
    for (auto &block : m_blocks)
        delete[] block.load(std::memory_order_relaxed);
}

SeriesStore::SeriesData *SeriesStore::data(SeriesId id) const
{
    if (!id.isValid() || id.value >= m_seriesCount.load(std::memory_order_acquire))
        return nullptr;
    SeriesData *block = m_blocks[id.value / kBlockSize].load(std::memory_order_acquire);
    return block ? &block[id.value % kBlockSize] : nullptr;
}

SeriesId SeriesStore::intern(const SeriesKey &key)
{
    std::string canonical = key.canonical();
    {
        std::shared_lock lock(m_indexMutex);
        if (auto it = m_byCanonical.find(canonical); it != m_byCanonical.end())
            return it->second;
    }
    std::unique_lock lock(m_indexMutex);
    if (auto it = m_byCanonical.find(canonical); it != m_byCanonical.end())
        return it->second;
    const std::size_t index = m_keys.size();
    if (index >= kBlockSize * kMaxBlocks)
        return SeriesId{};
    const std::size_t blockIndex = index / kBlockSize;
    if (!m_blocks[blockIndex].load(std::memory_order_relaxed))
        m_blocks[blockIndex].store(new SeriesData[kBlockSize], std::memory_order_release);
    const SeriesId id{static_cast<std::uint32_t>(index)};
    m_keys.push_back(key);
    m_postings[postingKey("__name__", key.name)].push_back(id);
    for (const auto &label : key.labels)
        m_postings[postingKey(label.name, label.value)].push_back(id);
    m_keyBytes += 2 * canonical.size() + sizeof(SeriesKey) + key.labels.size() * (sizeof(Label) + sizeof(SeriesId));
    m_byCanonical.emplace(std::move(canonical), id);
    m_seriesCount.store(index + 1, std::memory_order_release);
    return id;
}

std::optional<SeriesId> SeriesStore::find(const SeriesKey &key) const
{
    std::shared_lock lock(m_indexMutex);
    if (auto it = m_byCanonical.find(key.canonical()); it != m_byCanonical.end())
        return it->second;
    return std::nullopt;
}

std::optional<SeriesKey> SeriesStore::key(SeriesId id) const
{
    std::shared_lock lock(m_indexMutex);
    if (!id.isValid() || id.value >= m_keys.size())
        return std::nullopt;
    return m_keys[id.value];
}

std::size_t SeriesStore::seriesCount() const
{
    return m_seriesCount.load(std::memory_order_acquire);
}

AppendOutcome SeriesStore::appendLocked(SeriesData &series, Timestamp ts, double value)
{
    auto &ring = series.ring;
    if (!ring.empty()) {
        Sample &newest = ring.back();
        if (ts == newest.ts) {
            newest.value = value;
            return AppendOutcome::Replaced;
        }
        if (ts < newest.ts)
            return AppendOutcome::OutOfOrder;
    }
    ring.pushBack(Sample{ts, value}, m_options.maxSamplesPerSeries);
    if (m_options.retention > 0)
        ring.evictBefore(ts - m_options.retention);
    return AppendOutcome::Appended;
}

AppendOutcome SeriesStore::append(SeriesId id, Timestamp ts, double value)
{
    SeriesData *series = data(id);
    if (!series)
        return AppendOutcome::UnknownSeries;
    Shard &shard = m_shards[id.value % kShards];
    std::lock_guard lock(shard.mutex);
    if (!std::isfinite(value)) {
        ++shard.notFinite;
        return AppendOutcome::NotFinite;
    }
    const std::size_t before = series->ring.size();
    const AppendOutcome outcome = appendLocked(*series, ts, value);
    switch (outcome) {
    case AppendOutcome::Appended:
        ++shard.appended;
        shard.evicted += before + 1 - series->ring.size();
        break;
    case AppendOutcome::Replaced: ++shard.replaced; break;
    case AppendOutcome::OutOfOrder: ++shard.outOfOrder; break;
    default: break;
    }
    return outcome;
}

std::size_t SeriesStore::appendBatch(std::span<const SampleRef> samples)
{
    std::size_t stored = 0;
    if (samples.size() < 256) {
        for (const auto &s : samples) {
            const AppendOutcome outcome = append(s.series, s.ts, s.value);
            stored += outcome == AppendOutcome::Appended || outcome == AppendOutcome::Replaced;
        }
        return stored;
    }
    // Large batches: a stable counting sort by shard, then one lock per shard instead of one per sample. Stability
    // keeps each series' samples in arrival order (a series always maps to the same shard).
    std::array<std::uint32_t, kShards + 1> start{};
    for (const auto &s : samples)
        ++start[s.series.value % kShards + 1];
    for (std::size_t i = 1; i <= kShards; ++i)
        start[i] += start[i - 1];
    std::vector<std::uint32_t> order(samples.size());
    std::array<std::uint32_t, kShards> next{};
    std::copy(start.begin(), start.begin() + kShards, next.begin());
    for (std::uint32_t i = 0; i < samples.size(); ++i)
        order[next[samples[i].series.value % kShards]++] = i;
    for (std::size_t shardIndex = 0; shardIndex < kShards; ++shardIndex) {
        if (start[shardIndex] == start[shardIndex + 1])
            continue;
        Shard &shard = m_shards[shardIndex];
        std::lock_guard lock(shard.mutex);
        for (std::uint32_t k = start[shardIndex]; k < start[shardIndex + 1]; ++k) {
            const SampleRef &s = samples[order[k]];
            SeriesData *series = data(s.series);
            if (!series)
                continue;
            if (!std::isfinite(s.value)) {
                ++shard.notFinite;
                continue;
            }
            const std::size_t before = series->ring.size();
            switch (appendLocked(*series, s.ts, s.value)) {
            case AppendOutcome::Appended:
                ++shard.appended;
                shard.evicted += before + 1 - series->ring.size();
                ++stored;
                break;
            case AppendOutcome::Replaced:
                ++shard.replaced;
                ++stored;
                break;
            case AppendOutcome::OutOfOrder: ++shard.outOfOrder; break;
            default: break;
            }
        }
    }
    return stored;
}

void SeriesStore::setType(SeriesId id, MetricType type)
{
    // Decoders call this for every sample: a relaxed read keeps the steady state free of writes to shared lines.
    if (SeriesData *series = data(id); series && series->type.load(std::memory_order_relaxed) != type)
        series->type.store(type, std::memory_order_relaxed);
}

MetricType SeriesStore::type(SeriesId id) const
{
    const SeriesData *series = data(id);
    return series ? series->type.load(std::memory_order_relaxed) : MetricType::Untyped;
}

std::vector<Sample> SeriesStore::range(SeriesId id, Timestamp from, Timestamp to) const
{
    std::vector<Sample> out;
    SeriesData *series = data(id);
    if (!series || to < from)
        return out;
    std::lock_guard lock(shardMutex(id));
    const auto &ring = series->ring;
    const std::size_t begin = ring.lowerBound(from);
    const std::size_t end = ring.lowerBound(to == std::numeric_limits<Timestamp>::max() ? to : to + 1);
    out.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i)
        out.push_back(ring.at(i));
    return out;
}

std::optional<Sample> SeriesStore::last(SeriesId id) const
{
    SeriesData *series = data(id);
    if (!series)
        return std::nullopt;
    std::lock_guard lock(shardMutex(id));
    if (series->ring.empty())
        return std::nullopt;
    return series->ring.back();
}

std::vector<DownsampleBucket> SeriesStore::downsample(SeriesId id, Timestamp from, Timestamp to,
                                                       std::size_t buckets) const
{
    std::vector<DownsampleBucket> out;
    SeriesData *series = data(id);
    if (!series || to <= from || buckets == 0)
        return out;
    const Duration width = std::max<Duration>(1, (to - from + Duration(buckets) - 1) / Duration(buckets));
    std::lock_guard lock(shardMutex(id));
    const auto &ring = series->ring;
    const std::size_t end = ring.lowerBound(to);
    DownsampleBucket current;
    double sum = 0;
    std::int64_t currentIndex = -1;
    for (std::size_t i = ring.lowerBound(from); i < end; ++i) {
        const Sample &s = ring.at(i);
        const std::int64_t index = (s.ts - from) / width;
        if (index != currentIndex) {
            if (current.count) {
                current.avg = sum / current.count;
                out.push_back(current);
            }
            currentIndex = index;
            current = DownsampleBucket{from + index * width, s.value, s.value, 0, 0};
            sum = 0;
        }
        current.min = std::min(current.min, s.value);
        current.max = std::max(current.max, s.value);
        sum += s.value;
        ++current.count;
    }
    if (current.count) {
        current.avg = sum / current.count;
        out.push_back(current);
    }
    return out;
}

std::vector<SeriesId> SeriesStore::select(const std::vector<LabelMatcher> &matchers) const
{
    std::shared_lock lock(m_indexMutex);
    // Start from the smallest posting list among equality matchers with a non-empty value; otherwise scan.
    const std::vector<SeriesId> *candidates = nullptr;
    for (const auto &m : matchers) {
        if (m.op != LabelMatcher::Op::Equal || m.value.empty())
            continue;
        auto it = m_postings.find(postingKey(m.name, m.value));
        if (it == m_postings.end())
            return {};
        if (!candidates || it->second.size() < candidates->size())
            candidates = &it->second;
    }
    std::vector<SeriesId> out;
    auto accept = [&](SeriesId id) {
        const SeriesKey &key = m_keys[id.value];
        for (const auto &m : matchers) {
            if (!m.matches(key.label(m.name)))
                return;
        }
        out.push_back(id);
    };
    if (candidates) {
        for (SeriesId id : *candidates)
            accept(id);
    } else {
        for (std::size_t i = 0; i < m_keys.size(); ++i)
            accept(SeriesId{static_cast<std::uint32_t>(i)});
    }
    return out;
}

std::vector<SeriesId> SeriesStore::allSeries() const
{
    const std::size_t n = seriesCount();
    std::vector<SeriesId> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = SeriesId{static_cast<std::uint32_t>(i)};
    return out;
}

SeriesStoreStats SeriesStore::stats() const
{
    SeriesStoreStats stats;
    const std::size_t n = seriesCount();
    stats.series = n;
    for (std::size_t i = 0; i < n; ++i) {
        const SeriesId id{static_cast<std::uint32_t>(i)};
        SeriesData *series = data(id);
        std::lock_guard lock(shardMutex(id));
        stats.samples += series->ring.size();
        stats.sampleBytes += series->ring.memoryBytes();
    }
    for (auto &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        stats.appended += shard.appended;
        stats.replaced += shard.replaced;
        stats.rejectedOutOfOrder += shard.outOfOrder;
        stats.rejectedNotFinite += shard.notFinite;
        stats.evicted += shard.evicted;
    }
    std::size_t keyBytes = 0;
    {
        std::shared_lock lock(m_indexMutex);
        keyBytes = m_keyBytes;
    }
    const std::size_t blocks = (n + kBlockSize - 1) / kBlockSize;
    stats.bytes = stats.sampleBytes + keyBytes + blocks * kBlockSize * sizeof(SeriesData);
    return stats;
}

} // namespace Nocturne::Engine
