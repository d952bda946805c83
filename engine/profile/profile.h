#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profile/call_tree.h"

namespace Nocturne::Engine {

// One frame of the time-ordered flame chart: `frame` ran at `depth` from start to end (in the profile's time unit).
struct TimelineSpan
{
    FrameId frame;
    std::uint32_t depth = 0;
    double start = 0;
    double end = 0;
};

// A thread (or a speedscope profile) laid out in time order.
struct TimelineTrack
{
    std::string name;
    double start = 0;
    double end = 0;
    std::vector<TimelineSpan> spans; // by start, parents before children
};

struct SampleType
{
    std::string type; // "cpu", "samples", "alloc_space", …
    std::string unit; // "nanoseconds", "count", "bytes", …
};

// An imported profile: one call tree per sample type (all sharing one frame table), the time-ordered tracks when
// the source has times (evented profiles, samples with timestamps), and where it came from.
struct Profile
{
    std::string name;
    std::string format; // folded, perf-script, dtrace, pprof, speedscope, cpuprofile, chrome-trace
    std::string service;
    std::vector<SampleType> sampleTypes;
    std::vector<CallTree> trees;
    std::size_t selected = 0;
    std::vector<TimelineTrack> timeline;
    std::string timeUnit; // of the timeline: nanoseconds, microseconds, milliseconds, seconds, samples
    std::int64_t startNs = 0; // wall time the profile covers (0 when unknown)
    std::int64_t endNs = 0;
    std::size_t samples = 0; // stacks read
    std::size_t skipped = 0; // malformed records skipped (see warnings)
    std::vector<std::string> warnings;

    const CallTree &tree() const { return trees.at(selected); }
    CallTree &tree() { return trees.at(selected); }
};

// Builds time-ordered spans from successive stacks: frames shared with the previous stack stay open, the rest close
// at the new time and new ones open. Evented sources call open/close directly.
class TimelineBuilder
{
public:
    explicit TimelineBuilder(TimelineTrack &track)
        : m_track(track)
    {
    }
    // The stack (root first) that runs from `time` until the next call.
    void sample(double time, const std::vector<FrameId> &rootToLeaf);
    void open(double time, FrameId frame);
    // Closes the innermost open frame (evented "C"); false when nothing is open.
    bool close(double time);
    void finish(double time);
    std::size_t depth() const { return m_open.size(); }

private:
    TimelineTrack &m_track;
    std::vector<std::size_t> m_open; // indices of open spans
};

} // namespace Nocturne::Engine
