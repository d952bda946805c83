#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "result.h"

namespace Nocturne::Engine {

// Time everywhere in the engine: nanoseconds since the Unix epoch, UTC.
using Timestamp = std::int64_t;
using Duration = std::int64_t; // nanoseconds

constexpr Duration kNanosecond = 1;
constexpr Duration kMicrosecond = 1000;
constexpr Duration kMillisecond = 1000 * kMicrosecond;
constexpr Duration kSecond = 1000 * kMillisecond;
constexpr Duration kMinute = 60 * kSecond;
constexpr Duration kHour = 60 * kMinute;
constexpr Duration kDay = 24 * kHour;
constexpr Duration kWeek = 7 * kDay;

// Where "now" comes from. Replay drives a ManualClock, so a scenario can run at 1×, N× or as fast as possible
// while every component sees one consistent simulated time.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock
{
public:
    Timestamp now() const override;
};

class ManualClock final : public Clock
{
public:
    explicit ManualClock(Timestamp start = 0)
        : m_now(start)
    {
    }
    Timestamp now() const override { return m_now.load(std::memory_order_acquire); }
    void set(Timestamp t) { m_now.store(t, std::memory_order_release); }
    void advance(Duration d) { m_now.fetch_add(d, std::memory_order_acq_rel); }

private:
    std::atomic<Timestamp> m_now;
};

// "90s", "5m", "1h30m", "2d", "250ms" → nanoseconds.
Result<Duration> parseDuration(const std::string &text);
// "2026-03-02T00:00:00Z" (UTC, optional fractional seconds) → nanoseconds since the epoch.
Result<Timestamp> parseIso8601(const std::string &text);
std::string formatIso8601(Timestamp t);
// Lenient form for data files: "YYYY-MM-DD HH:MM:SS[.fff]" or with 'T', optional trailing 'Z' (UTC assumed), or
// a plain number of seconds since the epoch.
Result<Timestamp> parseTimestamp(const std::string &text);
// Replay speed: "max" → 0 (as fast as possible), otherwise a positive finite number of simulated seconds per second.
Result<double> parseSpeed(const std::string &text);
std::string formatDuration(Duration d);

} // namespace Nocturne::Engine
