#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "model/records.h"
#include "model/series_key.h"
#include "scenario/metric_catalog.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

struct GeneratedSeries {
    SeriesKey key;
    std::string entityId;           // entity id, or "caller->callee" for call-edge series
    std::size_t entity = 0;         // index into the estate's entities (the caller for edge series)
    const MetricSpec *spec = nullptr;
    double base = 0;                // the clean value at load 1
    std::uint64_t seed = 0;
};

struct GeneratedSample {
    std::uint32_t series = 0; // index into SignalGenerator::series()
    double value = 0;
};

// Everything the scenario emits for one time step.
struct StepOutput {
    Timestamp ts = 0;
    std::vector<GeneratedSample> samples;
    std::vector<LogRecord> logs;
    std::vector<SpanRecord> spans;
    std::vector<EventRecord> events;
    void clear();
};

// Synthesises the scenario's signals. Every value is a pure function of (seed, series, step), so the same seed gives
// identical signals whatever the replay speed, chunking or thread, and generate() is safe to call concurrently.
class SignalGenerator
{
public:
    struct Options {
        bool injectFaults = true;
    };

    explicit SignalGenerator(const Scenario &scenario);
    SignalGenerator(const Scenario &scenario, Options options);

    const Scenario &scenario() const { return m_scenario; }
    const std::vector<GeneratedSeries> &series() const { return m_series; }
    Duration step() const { return m_scenario.step; }
    // Rounds down to the step grid anchored at the scenario start.
    Timestamp align(Timestamp t) const;

    void generate(Timestamp t, StepOutput &out) const;

    // A remediation acted on `root` at `at`: faults rooted there that are active then end at `at` (their effects ramp
    // down as at a natural end). undo == true removes the mitigation (a rollback). Thread-safe; affects steps
    // generated afterwards. Signals stay a pure function of (seed, series, step, mitigations).
    void mitigate(const std::string &root, Timestamp at, bool undo = false);

    // The traffic multiplier shared by every load-following metric: daily and weekly rhythm and a slow trend.
    static double loadFactor(Timestamp t, Timestamp scenarioStart);

private:
    struct EffectTarget {
        std::uint32_t series;
        const FaultEffect *effect;
    };
    struct CompiledFault {
        const FaultSpec *spec;
        std::vector<EffectTarget> targets;
    };
    struct EntityLogs {
        std::size_t entity;
        std::vector<const LogTemplate *> templates;
        double totalWeight;
    };

    void build();
    void buildEdgeSeries();
    void generateLogs(Timestamp t, std::int64_t stepIndex, const std::vector<FaultInstance> &active, StepOutput &out) const;
    void generateSpans(Timestamp t, std::int64_t stepIndex, const std::vector<double> &factor, StepOutput &out) const;
    void generateEvents(Timestamp t, const std::vector<FaultInstance> &active, StepOutput &out) const;
    std::string render(const std::string &text, std::uint64_t seed) const;
    double entityParam(const Entity &entity, const char *name, double fallback) const;

    const Scenario &m_scenario;
    Options m_options;
    mutable std::mutex m_mitigationMutex;
    std::vector<std::pair<std::string, Timestamp>> m_mitigations; // guarded by m_mitigationMutex
    std::vector<GeneratedSeries> m_series;
    std::vector<CompiledFault> m_faults; // parallel to m_scenario.faults
    std::vector<EntityLogs> m_entityLogs;
    Duration m_maxEffectTail = 0;                  // longest lag + hold + ramp: how far back an instance can still act
    std::vector<std::int32_t> m_latencySeries;     // per entity: the series that scales its span durations, or -1
    std::vector<std::int32_t> m_errorSeries;       // per entity: its error-ratio series, or -1
    std::vector<std::int32_t> m_coupledTo;         // per series: the series whose fault factor it inherits, or -1
    std::vector<std::vector<std::pair<std::size_t, double>>> m_calls; // per entity: (callee, share)
    std::vector<std::size_t> m_entryServices;
};

// Strength of an effect at time t for one fault occurrence: ramps up after onset + lag, holds, ramps down after
// end + lag + hold. In [0, 1].
double effectIntensity(const FaultEffect &effect, const FaultInstance &instance, Timestamp t);

} // namespace Nocturne::Engine
