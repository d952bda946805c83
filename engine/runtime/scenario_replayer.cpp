#include "scenario_replayer.h"

#include <chrono>

#include "runtime/engine.h"

namespace Nocturne::Engine {

ScenarioReplayer::ScenarioReplayer(Engine &engine, const Scenario &scenario, std::vector<SeriesId> seriesIds, Options options)
    : m_engine(engine)
    , m_generator(scenario, SignalGenerator::Options{options.injectFaults})
    , m_profiler(scenario, options.injectFaults)
    , m_seriesIds(std::move(seriesIds))
    , m_options(options)
{
}

ScenarioReplayer::~ScenarioReplayer()
{
    stop();
}

std::string ScenarioReplayer::feedName() const
{
    return "scenario:" + m_generator.scenario().name;
}

void ScenarioReplayer::start()
{
    m_thread = std::jthread([this](std::stop_token stop) { run(stop); });
}

void ScenarioReplayer::stop()
{
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
}

void ScenarioReplayer::wait()
{
    if (m_thread.joinable())
        m_thread.join();
}

void ScenarioReplayer::run(std::stop_token stop)
{
    using WallClock = std::chrono::steady_clock;
    const std::string feed = feedName();
    m_engine.setFeedState(feed, FeedState::Healthy);
    const Duration step = m_generator.step();
    Timestamp t = m_generator.align(m_options.from);
    const auto wallStart = WallClock::now();
    StepOutput out;
    std::vector<SampleRef> refs;
    // Profiles cover whole periods on the grid anchored at the scenario start.
    const Timestamp start = m_generator.scenario().start;
    Timestamp nextProfileAt = start + ((t - start + ScenarioProfiler::kPeriod - 1) / ScenarioProfiler::kPeriod + 1) * ScenarioProfiler::kPeriod;
    while (!stop.stop_requested() && (m_options.until == 0 || t < m_options.until)) {
        if (m_options.speed > 0 && t >= m_options.liveFrom) {
            // Step t becomes visible when simulated time passes t + step, i.e. when its samples are complete.
            const double wallSeconds = double(t + step - m_options.liveFrom) / double(kSecond) / m_options.speed;
            const auto due = wallStart + std::chrono::duration_cast<WallClock::duration>(std::chrono::duration<double>(wallSeconds));
            // Sleep in short slices so stop requests are honoured promptly even at slow speeds.
            while (!stop.stop_requested() && WallClock::now() < due)
                std::this_thread::sleep_for(std::min<WallClock::duration>(due - WallClock::now(), std::chrono::milliseconds(50)));
            if (stop.stop_requested())
                break;
        }
        out.clear();
        m_generator.generate(t, out);
        refs.clear();
        refs.reserve(out.samples.size());
        for (const GeneratedSample &s : out.samples)
            refs.push_back(SampleRef{m_seriesIds[s.series], t, s.value});
        m_engine.ingestSamples(refs, feed);
        m_engine.ingestLogs(out.logs, feed);
        m_engine.ingestSpans(out.spans, feed);
        m_engine.ingestEvents(out.events, feed);
        t += step;
        if (m_options.profiles && t >= nextProfileAt) {
            for (StoredProfile &p : m_profiler.generate(nextProfileAt - ScenarioProfiler::kPeriod))
                m_engine.profiles().add(std::move(p));
            nextProfileAt += ScenarioProfiler::kPeriod;
        }
        m_engine.simulationClock().set(t);
        m_engine.advanceTo(t);
    }
    if (m_options.until != 0 && t >= m_options.until)
        m_engine.setFeedState(feed, FeedState::Finished);
    m_finished.store(true, std::memory_order_release);
}

} // namespace Nocturne::Engine
