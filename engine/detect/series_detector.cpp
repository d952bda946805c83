#include "series_detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace Nocturne::Engine {

namespace {

// Tail score of a standardised deviation: 0 below 2.5σ, 0.5 at 5.5σ, 0.8 at 14.5σ; it keeps ranking large deviations
// instead of saturating, so one threshold can separate "surprising" from "very surprising" across series.
double tailScore(double z)
{
    const double excess = std::max(0.0, std::fabs(z) - 2.5);
    return excess / (excess + 1.5);
}

// Anomaly likelihood of a feature against its running mean and variance (Gaussian tail, as HTM's likelihood does),
// on a log scale: 0.5 is a 1e-5 tail, 1 is 1e-10 or rarer. The same number means the same rarity on every series.
double likelihoodScore(double feature, double mean, double variance, double minSd)
{
    const double sd = std::sqrt(std::max(variance, minSd * minSd));
    const double tail = std::max(1e-10, 0.5 * std::erfc((feature - mean) / (sd * std::sqrt(2.0))));
    return std::clamp(std::log(tail) / std::log(1e-10), 0.0, 1.0);
}

// Exponentially weighted mean and variance, one step.
void updateMoments(float &mean, float &variance, double x, double alpha)
{
    const double d = x - double(mean);
    mean = float(double(mean) + alpha * d);
    variance = float((1 - alpha) * (double(variance) + alpha * d * d));
}

int slotOfDay(Timestamp ts, int slots)
{
    const Timestamp inDay = ((ts % kDay) + kDay) % kDay;
    return static_cast<int>(inDay / (kDay / slots));
}

int dayOfWeek(Timestamp ts)
{
    const Timestamp days = ts >= 0 ? ts / kDay : (ts - kDay + 1) / kDay;
    return static_cast<int>(((days % 7) + 7) % 7);
}

// The seasonal profile at a timestamp, piecewise linear rather than a staircase: a slot's value stands for the slot's
// centre and is blended with its neighbour, and the day offsets are blended over the hour around midnight. A
// staircase makes every slot boundary (and midnight) a jump of the expected value, which scores as an anomaly.
double smoothSeasonal(const float *daily, int slots, const float *weekday, Timestamp ts)
{
    const Timestamp inDay = ((ts % kDay) + kDay) % kDay;
    const double position = double(inDay) / double(kDay / slots);
    const int slot = std::min(slots - 1, int(position));
    const double within = position - slot;
    const int neighbour = within < 0.5 ? (slot + slots - 1) % slots : (slot + 1) % slots;
    const double w = std::fabs(within - 0.5);
    const double d = (1 - w) * double(daily[slot]) + w * double(daily[neighbour]);
    const int day = dayOfWeek(ts);
    double dayOffset = weekday[day];
    constexpr Timestamp kHalfHour = kHour / 2;
    if (inDay < kHalfHour) {
        const double wd = 0.5 - double(inDay) / double(kHour);
        dayOffset = (1 - wd) * dayOffset + wd * double(weekday[(day + 6) % 7]);
    } else if (kDay - inDay <= kHalfHour) {
        const double wd = 0.5 - double(kDay - inDay) / double(kHour);
        dayOffset = (1 - wd) * dayOffset + wd * double(weekday[(day + 1) % 7]);
    }
    return d + dayOffset;
}

} // namespace

const char *anomalyReasonName(AnomalyReason reason)
{
    switch (reason) {
    case AnomalyReason::None: return "none";
    case AnomalyReason::WarmingUp: return "warming-up";
    case AnomalyReason::SpikeUp: return "spike-up";
    case AnomalyReason::SpikeDown: return "spike-down";
    case AnomalyReason::LevelShiftUp: return "level-shift-up";
    case AnomalyReason::LevelShiftDown: return "level-shift-down";
    case AnomalyReason::DriftUp: return "drift-up";
    case AnomalyReason::DriftDown: return "drift-down";
    case AnomalyReason::BadValue: return "bad-value";
    case AnomalyReason::OutOfOrder: return "out-of-order";
    case AnomalyReason::Duplicate: return "duplicate";
    }
    return "unknown";
}

Detection SeriesDetector::update(Timestamp ts, double value, const DetectorConfig &config)
{
    State &s = m_state;
    Detection out;
    if (!std::isfinite(value)) {
        out.reason = AnomalyReason::BadValue;
        return out;
    }
    if (s.n > 0 && ts < s.lastTs) {
        out.reason = AnomalyReason::OutOfOrder;
        return out;
    }
    if (s.n > 0 && ts == s.lastTs) {
        out.reason = AnomalyReason::Duplicate;
        return out;
    }
    out.value = value;

    if (s.n == 0) {
        s.level = s.baseline = value;
        s.firstTs = ts;
    }
    const int hour = slotOfDay(ts, kDailySlots);
    const int day = dayOfWeek(ts);
    const double profile = smoothSeasonal(s.daily, kDailySlots, s.weekday, ts);
    const double seasonal = s.seasonalOn ? profile : 0.0;
    const double expected = s.level + seasonal;
    const double residual = value - expected;
    // σ from the mean absolute deviation (×1.25 for a normal), with a floor so flat series do not divide by zero.
    const double floor = 1e-9 + 1e-4 * std::fabs(s.level);
    // A series that is mostly flat with sporadic bursts has a tiny MAD; the unclipped mean deviation keeps its
    // normal bursts from scoring as infinitely surprising.
    const double sigma = std::max({1.25 * double(s.scale), 0.5 * double(s.heavyScale), floor});
    const double z = residual / sigma;
    // Calibrate by the series' own tail: a series whose 99th-percentile |z| is 8 needs a deviation 8/3 as large.
    const double tailFactor = 3.0 / std::max(3.0, double(s.tailZ));
    const double effectiveZ = z * tailFactor;

    out.expected = expected;
    out.z = effectiveZ;
    out.lower = expected - config.bandZ * sigma;
    out.upper = expected + config.bandZ * sigma;

    // --- score (uses the state before this sample: strictly causal) ---
    AnomalyReason shiftReason = AnomalyReason::None;
    if (s.n < config.warmupSamples) {
        out.reason = AnomalyReason::WarmingUp;
    } else {
        // CUSUM input is clipped hard: isolated spikes must not add up to a "shift"; a shift is many moderate steps.
        const double clippedZ = std::clamp(effectiveZ, -4.0, 4.0);
        s.cusumPos = float(std::max(0.0, double(s.cusumPos) + clippedZ - config.cusumSlack));
        s.cusumNeg = float(std::max(0.0, double(s.cusumNeg) - clippedZ - config.cusumSlack));
        const double spike = tailScore(effectiveZ);
        const double shift = std::max(0.0, std::max(double(s.cusumPos), double(s.cusumNeg)) - config.cusumLimit);
        const double shiftScore = 1.0 - std::exp(-shift / config.cusumLimit);
        // Drift: the level has left its long-run baseline by much more than it normally wanders. Measured against
        // the wander (not the residual scale, which a lagging level inflates), so slow ramps are caught.
        const double driftZ = (s.level - s.baseline) / std::max({3.0 * double(s.driftDev), double(s.diffScale), floor});
        double driftScore = s.n > 4 * config.warmupSamples ? 0.9 * tailScore(driftZ) : 0.0;
        // A staircase of same-direction level shifts is a drift that the level keeps adopting step by step.
        const bool staircase = std::abs(int(s.shiftStreak)) >= 2 && ts - s.lastShiftTs < config.staircase;
        if (staircase)
            driftScore = std::max(driftScore, 0.85);
        const double driftDirection = staircase ? double(s.shiftStreak) : driftZ;
        double raw = spike;
        out.reason = z >= 0 ? AnomalyReason::SpikeUp : AnomalyReason::SpikeDown;
        if (shiftScore > raw) {
            raw = shiftScore;
            out.reason = s.cusumPos >= s.cusumNeg ? AnomalyReason::LevelShiftUp : AnomalyReason::LevelShiftDown;
        }
        if (driftScore > raw) {
            raw = driftScore;
            out.reason = driftDirection >= 0 ? AnomalyReason::DriftUp : AnomalyReason::DriftDown;
        }
        out.rawScore = raw;
        // Calibrate: how rare is the recent surprise, and the recent shift of the mean, for this series? Features and
        // their distributions include this sample, never later ones. The distributions are learned from the end of
        // the warm-up, with 1/k weights at first so that a short history is not dominated by its first values.
        const double alpha = std::max(config.likelihoodAlpha, 1.0 / double(s.n + 1 - config.warmupSamples));
        s.surpriseShort = float(double(s.surpriseShort) + config.surpriseShortAlpha * (raw - double(s.surpriseShort)));
        const double surpriseScore =
            likelihoodScore(s.surpriseShort, s.surpriseMean, s.surpriseVar, config.surpriseMinSd);
        updateMoments(s.surpriseMean, s.surpriseVar, s.surpriseShort, alpha);
        const double valueSd = std::sqrt(std::max(s.valueVar, 1e-12 + 1e-8 * s.valueMean * s.valueMean));
        const double meanShift = std::fabs(s.valueShort - s.valueMean) / valueSd;
        const double meanShiftScore = likelihoodScore(meanShift, s.shiftMean, s.shiftVar, config.shiftMinSd);
        updateMoments(s.shiftMean, s.shiftVar, meanShift, alpha);
        // The spike part alone (not the CUSUM or drift, which are sustained by nature), against its own history.
        const double spikeScore = likelihoodScore(spike, s.spikeMean, s.spikeVar, config.spikeMinSd);
        updateMoments(s.spikeMean, s.spikeVar, spike, alpha);
        double score = std::max({surpriseScore, meanShiftScore, config.spikeWeight * spikeScore});
        if (raw < 0.05)
            out.reason = AnomalyReason::None;
        if (meanShiftScore > surpriseScore && meanShiftScore >= config.threshold)
            shiftReason = s.valueShort >= s.valueMean ? AnomalyReason::LevelShiftUp : AnomalyReason::LevelShiftDown;
        // Episode hold: one episode, one alarm. Held at 0 (not merely lowered) so that no threshold below the
        // production one sees the episode's tail either; released once the calibrated score has been calm for a while.
        const bool held = s.inEpisode != 0;
        if (held) {
            s.calmRun = score < config.rearmScore ? std::uint8_t(std::min(255, s.calmRun + 1)) : 0;
            if (s.calmRun >= config.rearmSamples)
                s.inEpisode = 0;
            score = 0;
        }
        out.score = score;
        if (!held && score >= config.threshold) {
            s.inEpisode = 1;
            s.calmRun = 0;
        }
    }
    // --- learn (winsorised, so the anomaly itself does not become the new normal at once) ---
    const double alphaLevel = std::max(config.levelAlpha, 1.0 / double(s.n + 1));
    const double clipped = std::clamp(residual, -config.winsorZ * sigma, config.winsorZ * sigma);
    const bool shifted = out.reason == AnomalyReason::LevelShiftUp || out.reason == AnomalyReason::LevelShiftDown;
    if (shifted && out.rawScore >= config.threshold) {
        // A confirmed change point: adopt the new level, restart the CUSUM, and re-anchor the drift baseline (a
        // step is not a drift; the step itself was the news).
        s.level += residual;
        s.baseline = s.level;
        s.cusumPos = s.cusumNeg = 0;
        const int direction = residual >= 0 ? 1 : -1;
        const bool continues = s.lastShiftTs != INT64_MIN && ts - s.lastShiftTs < config.staircase && s.shiftStreak * direction > 0;
        s.shiftStreak = std::int8_t(continues ? std::clamp(int(s.shiftStreak) + direction, -100, 100) : direction);
        s.lastShiftTs = ts;
    } else {
        s.level += alphaLevel * clipped;
    }
    const double alphaScale = std::max(config.scaleAlpha, 1.0 / double(s.n + 1));
    // Stochastic-approximation 99th percentile of |z|, in the log domain so that it reaches a heavy tail within a
    // few dozen exceedances; updated after scoring. Isolated outliers teach it the series' tail; a sustained anomaly
    // (two or more anomalous samples in a row) does not, or the next incident would look normal.
    s.anomalousRun = out.rawScore >= config.threshold ? std::uint8_t(std::min(255, s.anomalousRun + 1)) : 0;
    if (s.n >= 10 && s.anomalousRun < 2) {
        const double step = 0.1;
        const double logTail = std::log(double(s.tailZ)) + (std::fabs(z) > double(s.tailZ) ? step * 0.99 : -step * 0.01);
        s.tailZ = float(std::clamp(std::exp(logTail), 3.0, 1e6));
    }
    s.scale = float(double(s.scale) + alphaScale * (std::fabs(clipped) - double(s.scale)));
    s.heavyScale = float(double(s.heavyScale) + std::max(0.01, 1.0 / double(s.n + 1)) * (std::fabs(residual) - double(s.heavyScale)));
    const double alphaDrift = std::max(config.driftAlpha, 1.0 / double(s.n + 1));
    s.baseline += alphaDrift * (s.level - s.baseline);
    s.driftDev = float(double(s.driftDev) + 0.2 * alphaDrift * (std::fabs(s.level - s.baseline) - double(s.driftDev)));
    if (s.n > 0) {
        const double step = std::min(std::fabs(value - double(s.lastValue)), config.winsorZ * 2 * sigma) / 1.128;
        s.diffScale = float(double(s.diffScale) + alphaScale * (step - double(s.diffScale)));
    }
    s.lastValue = float(value);

    // Seasonal profile: slot offsets learn the de-levelled value; the period test keeps them only when they help.
    const double deLevelled = std::clamp(value - s.level, -config.winsorZ * 3 * sigma, config.winsorZ * 3 * sigma);
    // A slot learns fast on its first visits (1/visits), then settles to seasonalAlpha.
    if (s.slotVisits[hour] < 255)
        ++s.slotVisits[hour];
    const double alphaSlot = std::max(config.seasonalAlpha, 1.0 / double(s.slotVisits[hour]));
    s.daily[hour] = float(double(s.daily[hour]) + alphaSlot * (deLevelled - double(s.weekday[day]) - double(s.daily[hour])));
    s.weekday[day] = float(double(s.weekday[day]) + config.weekdayAlpha * (deLevelled - double(s.daily[hour]) - double(s.weekday[day])));
    const double seasonalResidual = value - (s.level + profile);
    s.rawScale = float(double(s.rawScale) + alphaScale * (std::fabs(value - s.level) - double(s.rawScale)));
    s.seasonalError = float(double(s.seasonalError) + alphaScale * (std::fabs(seasonalResidual) - double(s.seasonalError)));
    // Enough history (two days) and the profile removes a fifth of the error: the series is seasonal.
    const bool history = ts - s.firstTs >= 2 * kDay;
    if (history && !s.seasonalOn && s.seasonalError < 0.8f * s.rawScale)
        s.seasonalOn = 1;
    else if (s.seasonalOn && s.seasonalError > 0.95f * s.rawScale)
        s.seasonalOn = 0;

    // Mean-shift feature: a recent mean (a few samples) against a long-run mean and spread (hundreds of samples).
    const double alphaShort = std::max(config.shiftShortAlpha, 1.0 / double(s.n + 1));
    const double alphaLong = std::max(config.shiftLongAlpha, 1.0 / double(s.n + 1));
    s.valueShort += alphaShort * (value - s.valueShort);
    const double valueDelta = value - s.valueMean;
    s.valueMean += alphaLong * valueDelta;
    s.valueVar = (1 - alphaLong) * (s.valueVar + alphaLong * valueDelta * valueDelta);
    // Shown only: the model above learns from its own reason, the operator sees why the score is high.
    if (shiftReason != AnomalyReason::None)
        out.reason = shiftReason;

    s.lastTs = ts;
    ++s.n;
    return out;
}

std::string SeriesDetector::save() const
{
    static_assert(std::is_trivially_copyable_v<State>);
    std::string bytes(sizeof(State), '\0');
    std::memcpy(bytes.data(), &m_state, sizeof(State));
    return bytes;
}

Result<SeriesDetector> SeriesDetector::restore(std::string_view bytes)
{
    if (bytes.size() != sizeof(State))
        return makeError(ErrorCode::ParseError,
                         "detector state has " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(sizeof(State)));
    SeriesDetector detector;
    std::memcpy(&detector.m_state, bytes.data(), sizeof(State));
    if (detector.m_state.version != State{}.version)
        return makeError(ErrorCode::SchemaError, "unknown detector state version " + std::to_string(detector.m_state.version));
    if (!std::isfinite(detector.m_state.level) || !std::isfinite(detector.m_state.baseline))
        return makeError(ErrorCode::ParseError, "detector state holds non-finite values");
    return detector;
}

} // namespace Nocturne::Engine
