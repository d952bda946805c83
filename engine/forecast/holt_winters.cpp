#include "holt_winters.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace Nocturne::Engine {

namespace {

struct Fit {
    double alpha = 0, beta = 0, gamma = 0;
    double sse = std::numeric_limits<double>::infinity();
    double level = 0, trend = 0;
    std::vector<double> season;
    std::size_t residuals = 0;
};

// Runs the smoother over y and returns the final state and the one-step squared error.
Fit run(const std::vector<double> &y, int m, double alpha, double beta, double gamma)
{
    Fit f;
    f.alpha = alpha;
    f.beta = beta;
    f.gamma = gamma;
    const std::size_t n = y.size();
    std::size_t start = 1;
    if (m > 0) {
        // Initial level: mean of the first season; trend: mean change between the first two seasons; season: offsets.
        double first = 0, second = 0;
        for (int i = 0; i < m; ++i) {
            first += y[std::size_t(i)];
            second += y[std::size_t(i + m)];
        }
        first /= m;
        second /= m;
        f.level = first;
        f.trend = (second - first) / m;
        f.season.resize(std::size_t(m));
        for (int i = 0; i < m; ++i)
            f.season[std::size_t(i)] = y[std::size_t(i)] - first;
        start = std::size_t(m);
    } else {
        f.level = y[0];
        f.trend = n > 1 ? y[1] - y[0] : 0;
    }
    double sse = 0;
    for (std::size_t t = start; t < n; ++t) {
        const double s = m > 0 ? f.season[t % std::size_t(m)] : 0.0;
        const double predicted = f.level + f.trend + s;
        const double error = y[t] - predicted;
        sse += error * error;
        ++f.residuals;
        const double previousLevel = f.level;
        f.level = alpha * (y[t] - s) + (1 - alpha) * (f.level + f.trend);
        f.trend = beta * (f.level - previousLevel) + (1 - beta) * f.trend;
        if (m > 0)
            f.season[t % std::size_t(m)] = gamma * (y[t] - f.level) + (1 - gamma) * s;
    }
    f.sse = sse;
    return f;
}

} // namespace

const char *trendClassName(TrendClass trend)
{
    switch (trend) {
    case TrendClass::Falling: return "falling";
    case TrendClass::Flat: return "flat";
    case TrendClass::Rising: return "rising";
    }
    return "flat";
}

std::optional<Timestamp> Forecast::timeToReach(double threshold, bool pessimistic) const
{
    for (const ForecastPoint &p : points) {
        if ((pessimistic ? p.upper : p.value) >= threshold)
            return p.ts;
    }
    return std::nullopt;
}

Result<Forecast> forecastSeries(const std::vector<Sample> &samples, const ForecastRequest &request)
{
    if (request.step <= 0 || request.horizon <= 0)
        return makeError(ErrorCode::InvalidArgument, "forecast step and horizon must be positive");
    if (samples.size() < 4)
        return makeError(ErrorCode::InvalidArgument, "a forecast needs at least 4 samples, got " + std::to_string(samples.size()));
    // Bucket into a regular grid (mean per bucket); empty buckets carry the previous value forward.
    const Timestamp first = samples.front().ts - samples.front().ts % request.step;
    const Timestamp last = samples.back().ts;
    const std::size_t buckets = std::size_t((last - first) / request.step) + 1;
    if (buckets > 1'000'000)
        return makeError(ErrorCode::LimitExceeded, "too many forecast buckets; use a larger step");
    std::vector<double> sum(buckets, 0.0);
    std::vector<int> count(buckets, 0);
    for (const Sample &s : samples) {
        if (!std::isfinite(s.value) || s.ts < first)
            continue;
        const std::size_t b = std::size_t((s.ts - first) / request.step);
        sum[b] += s.value;
        ++count[b];
    }
    std::vector<double> y(buckets);
    double carry = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < buckets; ++i) {
        if (count[i])
            carry = sum[i] / count[i];
        y[i] = carry;
    }
    const auto firstValid = std::find_if(y.begin(), y.end(), [](double v) { return std::isfinite(v); });
    y.erase(y.begin(), firstValid);
    if (y.size() < 4)
        return makeError(ErrorCode::InvalidArgument, "fewer than 4 buckets of data after bucketing");

    int m = int(request.season / request.step);
    if (m < 2 || y.size() < std::size_t(2 * m))
        m = 0;

    Fit best;
    static constexpr double alphas[] = {0.05, 0.2, 0.4, 0.7};
    static constexpr double betas[] = {0.0, 0.02, 0.1};
    static constexpr double gammas[] = {0.05, 0.2, 0.5};
    for (double a : alphas) {
        for (double b : betas) {
            for (double g : (m > 0 ? std::vector<double>(std::begin(gammas), std::end(gammas)) : std::vector<double>{0.0})) {
                Fit f = run(y, m, a, b, g);
                if (f.sse < best.sse)
                    best = std::move(f);
            }
        }
    }

    Forecast out;
    out.step = request.step;
    out.seasonLength = m;
    out.alpha = best.alpha;
    out.beta = best.beta;
    out.gamma = best.gamma;
    out.residualSigma = best.residuals > 2 ? std::sqrt(best.sse / double(best.residuals - 1)) : 0.0;
    out.level = best.level;
    out.slopePerDay = best.trend * double(kDay) / double(request.step);
    const double scale = std::max(std::fabs(best.level), out.residualSigma);
    out.trend = out.slopePerDay > 0.02 * scale ? TrendClass::Rising : out.slopePerDay < -0.02 * scale ? TrendClass::Falling : TrendClass::Flat;

    const Timestamp lastBucket = first + Timestamp(buckets - 1) * request.step;
    // A series that has never been negative (latency, rate, utilisation) keeps a zero floor on its interval.
    const bool nonNegative = std::all_of(y.begin(), y.end(), [](double v) { return v >= 0; });
    const int steps = int(request.horizon / request.step);
    double variance = 0;
    for (int h = 1; h <= steps; ++h) {
        // Var(h) = σ² (1 + Σ_{j<h} c_j²), c_j = α(1 + jβ) + γ·[j mod m = 0]
        if (h > 1) {
            const int j = h - 1;
            const double c = best.alpha * (1 + j * best.beta) + (m > 0 && j % m == 0 ? best.gamma : 0.0);
            variance += c * c;
        }
        const std::size_t seasonIndex = m > 0 ? (y.size() - 1 + std::size_t(h)) % std::size_t(m) : 0;
        const double value = best.level + h * best.trend + (m > 0 ? best.season[seasonIndex] : 0.0);
        const double half = 1.96 * out.residualSigma * std::sqrt(1 + variance);
        const double lower = nonNegative ? std::max(0.0, value - half) : value - half;
        out.points.push_back({lastBucket + Timestamp(h) * request.step, nonNegative ? std::max(0.0, value) : value, lower, value + half});
    }
    return out;
}

CapacityAdvice adviseCapacity(const Forecast &forecast, double capacity, int replicas, double targetUtilisation)
{
    CapacityAdvice advice;
    if (capacity <= 0)
        return advice;
    advice.warnAt = forecast.timeToReach(0.70 * capacity);
    advice.criticalAt = forecast.timeToReach(0.85 * capacity);
    advice.criticalAtPessimistic = forecast.timeToReach(0.85 * capacity, true);
    for (const ForecastPoint &p : forecast.points)
        advice.forecastPeak = std::max(advice.forecastPeak, p.value);
    const double utilisation = advice.forecastPeak / capacity;
    advice.recommendedReplicas = std::max(1, int(std::ceil(double(std::max(replicas, 1)) * utilisation / std::max(0.05, targetUtilisation))));
    return advice;
}

} // namespace Nocturne::Engine
