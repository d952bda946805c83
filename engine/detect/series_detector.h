#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace Nocturne::Engine {

// Why a sample scored as it did; short and machine-readable, shown in tooltips and carried into events.
enum class AnomalyReason : std::uint8_t {
    None,
    WarmingUp,       // not enough history yet: score is 0 by definition
    SpikeUp,
    SpikeDown,
    LevelShiftUp,    // CUSUM change point
    LevelShiftDown,
    DriftUp,         // slow departure of the level from its long-run baseline
    DriftDown,
    BadValue,        // NaN or ±Inf: ignored, state unchanged
    OutOfOrder,      // older than the last accepted sample: ignored
    Duplicate,       // same timestamp as the last accepted sample: ignored (first value wins)
};
const char *anomalyReasonName(AnomalyReason reason);

struct Detection {
    double score = 0;    // [0, 1], calibrated: ≥ the engine threshold means "anomalous"; debounced (one alarm per episode)
    double rawScore = 0; // the same before debouncing: how surprising this sample is (what event clustering uses)
    double expected = 0; // what the detector expected for this timestamp
    double lower = 0;    // normal band
    double upper = 0;
    double z = 0;        // standardised residual, calibrated by the series' own tail (input to joint scoring)
    double value = 0;    // the sample itself (events compare a return with the band from before the episode)
    AnomalyReason reason = AnomalyReason::None;
};

struct DetectorConfig {
    std::uint32_t warmupSamples = 60;   // no scores before this many accepted samples
    double levelAlpha = 0.005;           // per-sample weight of the robust level
    double scaleAlpha = 0.005;           // per-sample weight of the residual scale
    double seasonalAlpha = 0.05;        // per-sample weight of a daily slot
    double weekdayAlpha = 0.01;         // per-sample weight of a weekday offset
    double winsorZ = 4.0;               // residuals are clipped here before they update the baseline
    double bandZ = 3.0;                 // the normal band is expected ± bandZ·σ
    double cusumSlack = 1.0;            // CUSUM allowance k, in σ
    double cusumLimit = 10.0;           // CUSUM decision limit h, in σ
    double driftAlpha = 0.0005;         // long-run baseline for drift
    Duration staircase = 30 * kMinute; // two same-direction shifts closer than this make a drift
    // Calibration: the score is the anomaly likelihood of two surprise features against their own causal history,
    // mapped so that 0.5 means a tail probability of 1e-5 on every series (one threshold for all data).
    double surpriseShortAlpha = 0.1;    // recent average of the model's raw surprise
    double shiftShortAlpha = 0.2;       // recent mean of the value, compared with...
    double shiftLongAlpha = 0.002;      // ...its long-run mean, in long-run standard deviations
    double likelihoodAlpha = 0.001;     // how fast each feature's own distribution is learned
    double surpriseMinSd = 0.01;        // floors: a feature that never moves must not make every wobble a 1e-10 tail
    double shiftMinSd = 0.3;
    // A one-sample surprise is calibrated on its own too (not averaged), so a single contextual outlier is not diluted;
    // capped below 1 because one sample is weaker evidence than a sustained change.
    double spikeWeight = 0.8;
    double spikeMinSd = 0.1;
    // One episode, one alarm: after an alarm the score is held at 0 until the calibrated surprise has stayed below
    // rearmScore for rearmSamples samples in a row (the series is back to normal), so a second fault minutes later on
    // a 10 s series alarms again, while a noisy episode does not alarm on every sample.
    double rearmScore = 0.3;
    std::uint32_t rearmSamples = 20;
    double threshold = 0.5;             // the engine's production threshold (the CLI documents it)
};

// Streaming per-series detector: robust level (winsorised EWMA with a mean-absolute-deviation scale), daily and
// weekday seasonal profile used only when it explains the data (period test on residual variance), CUSUM change
// points, spike score on the seasonal residual, slow drift. That raw surprise, and the shift of the recent mean from the
// long-run mean, are each calibrated against their own running distribution (anomaly likelihood, as in Numenta's HTM
// post-processing): the score is how improbable the recent surprise is for this series, so a noisy series does not
// alarm on its usual noise and a quiet one does not need a huge deviation. After an alarm the score is held at 0 until
// the series has been back to normal for a while, so one episode raises one alarm.
// update() is O(1), strictly causal (the score of a sample uses only it and earlier samples), and the state is a flat
// ~400-byte value that can be saved and restored.
class SeriesDetector
{
public:
    SeriesDetector() = default;

    Detection update(Timestamp ts, double value, const DetectorConfig &config);
    Detection update(Timestamp ts, double value) { return update(ts, value, DetectorConfig{}); }

    std::string save() const;
    static Result<SeriesDetector> restore(std::string_view bytes);
    static constexpr std::size_t stateBytes();
    std::uint32_t samples() const { return m_state.n; }

private:
    static constexpr int kDailySlots = 48; // half-hour slots
    struct State {
        std::uint32_t version = 4;
        std::uint32_t n = 0;              // accepted samples
        Timestamp lastTs = INT64_MIN;
        Timestamp firstTs = 0;
        Timestamp lastShiftTs = INT64_MIN;
        double level = 0;
        double baseline = 0;              // slow level, for drift
        float scale = 0;                  // EW mean |residual|
        float rawScale = 0;               // EW mean |x - level| (no seasonality), for the period test
        float heavyScale = 0;
        float driftDev = 0;               // EW mean |level - baseline|: how far the level normally wanders
        float diffScale = 0;              // EW mean |x(t) - x(t-1)| / 1.128: noise σ that a drifting level cannot inflate
        float lastValue = 0;             // EW mean |residual| without winsorising: the floor for sparse, spiky series
        float seasonalError = 0;          // EW mean |residual| with the seasonal profile
        float cusumPos = 0, cusumNeg = 0;
        // Anomaly likelihood: recent raw surprise, and the running mean/variance of it and of the mean-shift feature.
        float surpriseShort = 0, surpriseMean = 0, surpriseVar = 0;
        float shiftMean = 0, shiftVar = 0;
        float spikeMean = 0, spikeVar = 0;
        // Value moments for the mean-shift feature; double because counters and byte rates are large.
        double valueShort = 0, valueMean = 0, valueVar = 0;
        float tailZ = 3;                  // running 99th percentile of |z|: heavy-tailed series raise their own bar
        float daily[kDailySlots] = {};
        float weekday[7] = {};
        std::uint8_t slotVisits[kDailySlots] = {};
        std::uint8_t seasonalOn = 0;
        std::int8_t shiftStreak = 0;      // signed count of same-direction level shifts: a staircase is a drift
        std::uint8_t anomalousRun = 0;    // consecutive samples with a raw score over the threshold
        std::uint8_t inEpisode = 0;       // an alarm was raised and the series has not been calm since
        std::uint8_t calmRun = 0;         // consecutive calm samples within an episode
    };
    State m_state;

};

constexpr std::size_t SeriesDetector::stateBytes()
{
    return sizeof(State);
}

} // namespace Nocturne::Engine
