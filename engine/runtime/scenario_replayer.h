#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/strong_id.h"
#include "scenario/scenario_profiler.h"
#include "scenario/signal_generator.h"

namespace Nocturne::Engine {

class Engine;

// Drives a SignalGenerator into the engine on its own thread: the history window as fast as possible, then paced so
// that simulated time advances `speed` times faster than wall time (or unpaced when speed is 0).
class ScenarioReplayer
{
public:
    struct Options {
        double speed = 1.0;
        Timestamp from = 0;  // first step (simulated)
        Timestamp liveFrom = 0; // pacing starts here
        Timestamp until = 0; // 0: forever
        bool injectFaults = true;
        bool profiles = true; // synthetic CPU profiles per service into the engine's ProfileStore
    };

    ScenarioReplayer(Engine &engine, const Scenario &scenario, std::vector<SeriesId> seriesIds, Options options);
    ~ScenarioReplayer();

    void start();
    void stop();
    void wait();
    bool finished() const { return m_finished.load(std::memory_order_acquire); }
    std::string feedName() const;
    SignalGenerator &generator() { return m_generator; }

private:
    void run(std::stop_token stop);

    Engine &m_engine;
    SignalGenerator m_generator;
    ScenarioProfiler m_profiler; // a CPU profile per service every 5 simulated minutes
    std::vector<SeriesId> m_seriesIds; // generator series index → store id
    Options m_options;
    std::atomic<bool> m_finished{false};
    std::jthread m_thread;
};

} // namespace Nocturne::Engine
