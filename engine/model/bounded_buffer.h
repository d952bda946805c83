#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace Nocturne::Engine {

// The most recent N records of a kind (log lines, spans, events): appends evict the oldest, readers get copies.
template<typename T>
class BoundedBuffer
{
public:
    explicit BoundedBuffer(std::size_t capacity)
        : m_capacity(capacity ? capacity : 1)
    {
    }

    template<typename It>
    void append(It first, It last)
    {
        std::lock_guard lock(m_mutex);
        for (; first != last; ++first) {
            if (m_items.size() == m_capacity)
                m_items.pop_front();
            m_items.push_back(*first);
            ++m_total;
        }
    }
    void append(const T &item) { append(&item, &item + 1); }

    // The newest `n` records, oldest first; `filter(const T&)` selects which ones count.
    template<typename Filter>
    std::vector<T> latest(std::size_t n, Filter filter) const
    {
        std::lock_guard lock(m_mutex);
        std::vector<T> out;
        for (auto it = m_items.rbegin(); it != m_items.rend() && out.size() < n; ++it) {
            if (filter(*it))
                out.push_back(*it);
        }
        return {out.rbegin(), out.rend()};
    }
    std::vector<T> latest(std::size_t n) const
    {
        return latest(n, [](const T &) { return true; });
    }
    std::size_t size() const
    {
        std::lock_guard lock(m_mutex);
        return m_items.size();
    }
    std::uint64_t total() const
    {
        std::lock_guard lock(m_mutex);
        return m_total;
    }
    std::size_t capacity() const { return m_capacity; }

private:
    const std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::deque<T> m_items;  // guarded by m_mutex
    std::uint64_t m_total = 0; // guarded by m_mutex
};

} // namespace Nocturne::Engine
