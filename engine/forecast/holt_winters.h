#pragma once

#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/sample_ring.h"

namespace Nocturne::Engine {

enum class TrendClass { Falling, Flat, Rising };
const char *trendClassName(TrendClass trend);

struct ForecastPoint {
    Timestamp ts = 0;
    double value = 0;
    double lower = 0; // 95 % prediction interval
    double upper = 0;
};

struct Forecast {
    Duration step = 0;
    int seasonLength = 0; // 0: no seasonal component was fitted
    double alpha = 0, beta = 0, gamma = 0;
    double residualSigma = 0;
    double level = 0;
    double slopePerDay = 0;
    TrendClass trend = TrendClass::Flat;
    std::vector<ForecastPoint> points;

    // First forecast time at which the point forecast (or, pessimistically, the upper bound) reaches `threshold`.
    std::optional<Timestamp> timeToReach(double threshold, bool pessimistic = false) const;
};

struct ForecastRequest {
    Duration step = kHour;       // the series is averaged into buckets of this width first
    Duration season = kDay;      // seasonal period to fit when there are at least two of them
    Duration horizon = 3 * kDay;
};

// Additive Holt–Winters (level, trend, season) with smoothing parameters chosen by a small grid search on one-step
// squared error, and 95 % prediction intervals from the residual variance (Hyndman's additive-HW variance formula).
// Falls back to Holt's linear trend when there is less than two seasons of data.
Result<Forecast> forecastSeries(const std::vector<Sample> &samples, const ForecastRequest &request);

struct CapacityAdvice {
    std::optional<Timestamp> warnAt;     // forecast reaches 70 % of capacity
    std::optional<Timestamp> criticalAt; // forecast reaches 85 %
    std::optional<Timestamp> criticalAtPessimistic; // upper bound reaches 85 %
    int recommendedReplicas = 0;         // to keep the forecast peak at the target utilisation
    double forecastPeak = 0;
};

// `capacity`: the value that means 100 % (e.g. 1.0 for a ratio, cores × replicas for CPU). `replicas` and
// `targetUtilisation` drive the recommendation: replicas × peak / (capacity × target), rounded up, at least 1.
CapacityAdvice adviseCapacity(const Forecast &forecast, double capacity, int replicas, double targetUtilisation = 0.6);

} // namespace Nocturne::Engine
