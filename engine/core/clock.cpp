#include "clock.h"

#include <cctype>
#include <cmath>
#include <stdexcept>
#include <cstdio>
#include <ctime>

namespace Nocturne::Engine {

Timestamp SystemClock::now() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Result<Duration> parseDuration(const std::string &text)
{
    if (text.empty())
        return makeError(ErrorCode::ParseError, "empty duration");
    Duration total = 0;
    std::size_t i = 0;
    bool any = false;
    while (i < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return makeError(ErrorCode::ParseError, "expected a number at position " + std::to_string(i) + " in '" + text + "'");
        std::int64_t number = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            if (number > 1'000'000'000)
                return makeError(ErrorCode::ParseError, "duration too large: '" + text + "'");
            number = number * 10 + (text[i] - '0');
            ++i;
        }
        std::string unit;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
            unit += text[i++];
        Duration scale = 0;
        if (unit == "ns")
            scale = kNanosecond;
        else if (unit == "us")
            scale = kMicrosecond;
        else if (unit == "ms")
            scale = kMillisecond;
        else if (unit == "s")
            scale = kSecond;
        else if (unit == "m")
            scale = kMinute;
        else if (unit == "h")
            scale = kHour;
        else if (unit == "d")
            scale = kDay;
        else if (unit == "w")
            scale = kWeek;
        else
            return makeError(ErrorCode::ParseError, "unknown duration unit '" + unit + "' in '" + text + "' (use ms, s, m, h, d, w)");
        total += number * scale;
        any = true;
    }
    if (!any)
        return makeError(ErrorCode::ParseError, "no duration in '" + text + "'");
    return total;
}

Result<Timestamp> parseIso8601(const std::string &text)
{
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6)
        return makeError(ErrorCode::ParseError, "expected YYYY-MM-DDTHH:MM:SSZ, got '" + text + "'");
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return makeError(ErrorCode::ParseError, "date/time field out of range in '" + text + "'");
    std::size_t pos = static_cast<std::size_t>(consumed);
    Duration fraction = 0;
    if (pos < text.size() && text[pos] == '.') {
        Duration scale = 100 * kMillisecond;
        ++pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            fraction += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
    }
    if (pos + 1 != text.size() || text[pos] != 'Z')
        return makeError(ErrorCode::ParseError, "timestamps must be UTC and end in 'Z': '" + text + "'");
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    const std::time_t seconds = timegm(&tm);
    return static_cast<Timestamp>(seconds) * kSecond + fraction;
}

Result<Timestamp> parseTimestamp(const std::string &raw)
{
    std::string text = raw;
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '"'))
        text.pop_back();
    std::size_t start = 0;
    while (start < text.size() && (text[start] == ' ' || text[start] == '"'))
        ++start;
    text = text.substr(start);
    if (text.empty())
        return makeError(ErrorCode::ParseError, "empty timestamp");
    const bool numeric = text.find_first_not_of("0123456789.") == std::string::npos;
    if (numeric) {
        try {
            std::size_t used = 0;
            const double seconds = std::stod(text, &used);
            if (used == text.size() && seconds < 1e11)
                return static_cast<Timestamp>(seconds * double(kSecond));
        } catch (const std::exception &) {
        }
        return makeError(ErrorCode::ParseError, "bad epoch seconds '" + text + "'");
    }
    if (text.size() >= 19 && text[10] == ' ')
        text[10] = 'T';
    if (text.back() != 'Z')
        text += 'Z';
    return parseIso8601(text);
}

std::string formatIso8601(Timestamp t)
{
    std::time_t seconds = static_cast<std::time_t>(t / kSecond);
    if (t < 0 && t % kSecond != 0)
        --seconds;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

Result<double> parseSpeed(const std::string &text)
{
    if (text == "max")
        return 0.0;
    try {
        std::size_t used = 0;
        const double speed = std::stod(text, &used);
        if (used == text.size() && speed > 0 && std::isfinite(speed))
            return speed;
    } catch (const std::exception &) {
    }
    return makeError(ErrorCode::InvalidArgument, "speed must be a positive number or 'max', got '" + text + "'");
}

std::string formatDuration(Duration d)
{
    const bool negative = d < 0;
    if (negative)
        d = -d;
    std::string out = negative ? "-" : "";
    if (d < kSecond)
        return out + std::to_string(d / kMillisecond) + "ms";
    const std::int64_t h = d / kHour, m = (d % kHour) / kMinute, s = (d % kMinute) / kSecond;
    if (h)
        out += std::to_string(h) + "h";
    if (m)
        out += std::to_string(m) + "m";
    if (s || (!h && !m))
        out += std::to_string(s) + "s";
    return out;
}

} // namespace Nocturne::Engine
