#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/clock.h"

namespace Nocturne::Engine {

struct Sample {
    Timestamp ts = 0;
    double value = 0.0;
    bool operator==(const Sample &) const = default;
};

// Time-ordered samples of one series in a power-of-two ring that grows on demand. Appends are O(1) amortised;
// the oldest samples fall out by time (retention) or count (cap). Raw samples cost 16 bytes; a compressed chunk
// format (delta-of-delta timestamps, XOR floats) can replace the ring behind this interface later.
class SampleRing
{
public:
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    std::size_t capacity() const { return m_capacity; }
    const Sample &at(std::size_t i) const { return m_data[(m_head + i) & (m_capacity - 1)]; }
    Sample &at(std::size_t i) { return m_data[(m_head + i) & (m_capacity - 1)]; }
    const Sample &front() const { return at(0); }
    const Sample &back() const { return at(m_size - 1); }
    Sample &back() { return at(m_size - 1); }

    void pushBack(Sample s, std::size_t maxCapacity)
    {
        if (m_size == m_capacity) {
            if (m_capacity >= maxCapacity)
                popFront();
            else
                grow();
        }
        m_data[(m_head + m_size) & (m_capacity - 1)] = s;
        ++m_size;
    }
    void popFront()
    {
        m_head = (m_head + 1) & (m_capacity - 1);
        --m_size;
    }
    // Drops samples older than `cutoff`; returns how many were dropped.
    std::size_t evictBefore(Timestamp cutoff)
    {
        std::size_t dropped = 0;
        while (m_size > 0 && front().ts < cutoff) {
            popFront();
            ++dropped;
        }
        return dropped;
    }
    // Index of the first sample with ts >= t (binary search over the ring).
    std::size_t lowerBound(Timestamp t) const
    {
        std::size_t lo = 0, hi = m_size;
        while (lo < hi) {
            const std::size_t mid = (lo + hi) / 2;
            if (at(mid).ts < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    std::size_t memoryBytes() const { return m_capacity * sizeof(Sample); }

private:
    void grow()
    {
        const std::size_t newCapacity = m_capacity ? m_capacity * 2 : kInitialCapacity;
        auto data = std::make_unique_for_overwrite<Sample[]>(newCapacity);
        for (std::size_t i = 0; i < m_size; ++i)
            data[i] = at(i);
        m_data = std::move(data);
        m_capacity = newCapacity;
        m_head = 0;
    }

    static constexpr std::size_t kInitialCapacity = 8;
    std::unique_ptr<Sample[]> m_data;
    std::size_t m_capacity = 0;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace Nocturne::Engine
