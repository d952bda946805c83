#include "profile/profile_import_detail.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <memory>
#include <unordered_map>

#include <simdjson.h>

namespace Nocturne::Engine::ProfileImportDetail {

namespace {
} // namespace

// ---- JSON formats ------------------------------------------------------------------------------------------------
std::string jsonError(simdjson::error_code e) { return std::string("JSON: ") + simdjson::error_message(e); }

double number(simdjson::dom::element e, double fallback = 0)
{
    double d;
    if (e.get_double().get(d) == simdjson::SUCCESS)
        return d;
    std::int64_t i;
    if (e.get_int64().get(i) == simdjson::SUCCESS)
        return double(i);
    std::uint64_t u;
    if (e.get_uint64().get(u) == simdjson::SUCCESS)
        return double(u);
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) { // trace events often quote numbers
        double v = fallback;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return v;
    }
    return fallback;
}

std::string_view text(simdjson::dom::element e, const char *key)
{
    std::string_view s;
    if (e[key].get_string().get(s) == simdjson::SUCCESS)
        return s;
    return {};
}

Result<Profile> importSpeedscope(simdjson::dom::element root, std::string_view source, const ProfileImportOptions &options)
{
    simdjson::dom::array frameList;
    if (root["shared"]["frames"].get_array().get(frameList) != simdjson::SUCCESS)
        return makeError(ErrorCode::ParseError, "speedscope file without shared.frames", std::string(source));
    simdjson::dom::array profiles;
    if (root["profiles"].get_array().get(profiles) != simdjson::SUCCESS)
        return makeError(ErrorCode::ParseError, "speedscope file without profiles", std::string(source));
    Profile p = newProfile(source, "speedscope");
    CallTree &tree = p.trees.back();
    Warnings warn{p, options, std::string(source)};
    std::vector<FrameId> frames;
    for (auto f : frameList) {
        std::string name(text(f, "name"));
        if (name.empty())
            name = "(anonymous)";
        frames.push_back(tree.frames().intern(name, baseName(text(f, "file"))));
    }
    const auto frameAt = [&](double idx) -> std::optional<FrameId> {
        if (!(idx >= 0) || idx >= double(frames.size()))
            return std::nullopt;
        return frames[std::size_t(idx)];
    };
    std::size_t index = 0;
    std::vector<FrameId> stack;
    for (auto prof : profiles) {
        ++index;
        const std::string_view type = text(prof, "type");
        const std::string_view unit = text(prof, "unit");
        if (!unit.empty() && unit != "none") {
            tree.unit = std::string(unit);
            p.sampleTypes.back().unit = tree.unit;
            p.timeUnit = tree.unit;
        }
        TimelineTrack track;
        track.name = std::string(text(prof, "name"));
        if (track.name.empty())
            track.name = "profile " + std::to_string(index);
        TimelineBuilder builder(track);
        double t = number(prof["startValue"]);
        if (type == "sampled") {
            simdjson::dom::array samples, weights;
            if (prof["samples"].get_array().get(samples) != simdjson::SUCCESS) {
                warn.add(0, "profile " + std::to_string(index) + ": sampled without samples");
                continue;
            }
            const bool hasWeights = prof["weights"].get_array().get(weights) == simdjson::SUCCESS;
            auto w = hasWeights ? weights.begin() : simdjson::dom::array::iterator();
            std::size_t n = 0;
            for (auto s : samples) {
                ++n;
                double weight = 1;
                if (hasWeights) {
                    if (w == weights.end()) {
                        warn.add(0, "profile " + std::to_string(index) + ": fewer weights than samples");
                        break;
                    }
                    weight = number(*w);
                    ++w;
                }
                stack.clear();
                simdjson::dom::array ids;
                if (s.get_array().get(ids) != simdjson::SUCCESS) {
                    warn.add(0, "profile " + std::to_string(index) + " sample " + std::to_string(n) + ": not an array");
                    continue;
                }
                bool ok = true;
                for (auto id : ids) {
                    const auto f = frameAt(number(id, -1));
                    if (!f) {
                        ok = false;
                        break;
                    }
                    stack.push_back(*f);
                }
                if (!ok) {
                    warn.add(0, "profile " + std::to_string(index) + " sample " + std::to_string(n) + ": frame index out of range");
                    continue;
                }
                if (stack.size() > options.maxDepth)
                    stack.resize(options.maxDepth);
                tree.addStack(stack, weight);
                builder.sample(t, stack);
                t += weight;
                ++p.samples;
            }
            builder.finish(t);
        } else if (type == "evented") {
            simdjson::dom::array events;
            if (prof["events"].get_array().get(events) != simdjson::SUCCESS) {
                warn.add(0, "profile " + std::to_string(index) + ": evented without events");
                continue;
            }
            double last = t;
            std::vector<FrameId> open;
            std::size_t n = 0;
            for (auto e : events) {
                ++n;
                const double at = number(e["at"], last);
                if (at < last) {
                    warn.add(0, "profile " + std::to_string(index) + " event " + std::to_string(n) + ": time goes backwards");
                    continue;
                }
                if (!open.empty() && at > last)
                    tree.addStack(open, at - last); // what ran since the previous event
                last = at;
                const std::string_view kind = text(e, "type");
                const auto f = frameAt(number(e["frame"], -1));
                if (!f) {
                    warn.add(0, "profile " + std::to_string(index) + " event " + std::to_string(n) + ": frame index out of range");
                    continue;
                }
                if (kind == "O") {
                    if (open.size() >= options.maxDepth) {
                        warn.add(0, "profile " + std::to_string(index) + ": stack deeper than the limit");
                        continue;
                    }
                    open.push_back(*f);
                    builder.open(at, *f);
                } else if (kind == "C") {
                    if (open.empty() || open.back() != *f) {
                        warn.add(0, "profile " + std::to_string(index) + " event " + std::to_string(n) + ": close does not match the open frame");
                        continue;
                    }
                    open.pop_back();
                    builder.close(at);
                }
                ++p.samples;
            }
            builder.finish(std::max(last, number(prof["endValue"], last)));
        } else {
            warn.add(0, "profile " + std::to_string(index) + ": unknown type '" + std::string(type) + "'");
            continue;
        }
        p.timeline.push_back(std::move(track));
    }
    if (tree.total() <= 0 && p.samples == 0)
        return makeError(ErrorCode::ParseError, "speedscope file has no samples or events", std::string(source));
    return p;
}

// Chrome CPU profile nodes (a .cpuprofile, or the cpuProfile of trace ProfileChunk events).
struct CpuNode
{
    std::uint64_t parent = 0;
    FrameId frame;
    double hitCount = 0;
};

FrameId cpuFrame(FrameTable &frames, simdjson::dom::element callFrame)
{
    std::string name(text(callFrame, "functionName"));
    const std::string_view url = text(callFrame, "url");
    if (name.empty()) {
        const double line = number(callFrame["lineNumber"], -1);
        name = "(anonymous " + std::string(baseName(url)) + (line >= 0 ? ":" + std::to_string(std::int64_t(line) + 1) : "") + ")";
    }
    return frames.intern(name, baseName(url));
}

void readCpuNodes(simdjson::dom::array nodes, FrameTable &frames, std::unordered_map<std::uint64_t, CpuNode> &out)
{
    for (auto n : nodes) {
        const auto id = std::uint64_t(number(n["id"]));
        CpuNode &node = out[id];
        simdjson::dom::element cf;
        if (n["callFrame"].get(cf) == simdjson::SUCCESS)
            node.frame = cpuFrame(frames, cf);
        node.hitCount = number(n["hitCount"]);
        if (n["parent"].error() == simdjson::SUCCESS)
            node.parent = std::uint64_t(number(n["parent"]));
        simdjson::dom::array children;
        if (n["children"].get_array().get(children) == simdjson::SUCCESS) {
            for (auto c : children)
                out[std::uint64_t(number(c))].parent = id;
        }
    }
}

// Stacks (root first, "(root)" dropped) of the sampled node ids, cached per node.
class CpuStacks
{
public:
    CpuStacks(const std::unordered_map<std::uint64_t, CpuNode> &nodes, const FrameTable &frames, std::size_t maxDepth)
        : m_nodes(nodes)
        , m_frames(frames)
        , m_maxDepth(maxDepth)
    {
    }
    const std::vector<FrameId> *stack(std::uint64_t id)
    {
        if (auto it = m_cache.find(id); it != m_cache.end())
            return &it->second;
        if (!m_nodes.count(id))
            return nullptr;
        std::vector<FrameId> s;
        for (std::uint64_t at = id; at && s.size() <= m_maxDepth;) {
            const auto it = m_nodes.find(at);
            if (it == m_nodes.end())
                break;
            if (it->second.frame.isValid() && m_frames[it->second.frame].name != "(root)")
                s.push_back(it->second.frame);
            at = it->second.parent;
        }
        std::reverse(s.begin(), s.end()); // a parent cycle stops at maxDepth
        return &m_cache.emplace(id, std::move(s)).first->second;
    }

private:
    const std::unordered_map<std::uint64_t, CpuNode> &m_nodes;
    const FrameTable &m_frames;
    std::size_t m_maxDepth;
    std::unordered_map<std::uint64_t, std::vector<FrameId>> m_cache;
};

// Samples + timeDeltas (microseconds) → tree (sample counts) and a time-ordered track.
void addCpuSamples(Profile &p, const std::unordered_map<std::uint64_t, CpuNode> &nodes, const std::vector<std::uint64_t> &samples,
                   const std::vector<double> &deltas, double start, TimelineTrack &track, Warnings &warn, const ProfileImportOptions &options)
{
    CallTree &tree = p.trees.back();
    CpuStacks stacks(nodes, tree.frames(), options.maxDepth);
    TimelineBuilder builder(track);
    double t = start;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        t += i < deltas.size() ? deltas[i] : 0.0;
        const auto *s = stacks.stack(samples[i]);
        if (!s) {
            warn.add(0, "sample " + std::to_string(i) + " names unknown node " + std::to_string(samples[i]));
            continue;
        }
        tree.addStack(*s, 1.0);
        builder.sample(t, *s);
        ++p.samples;
    }
    builder.finish(t);
}

Result<Profile> importCpuProfile(simdjson::dom::element root, std::string_view source, const ProfileImportOptions &options)
{
    Profile p = newProfile(source, "cpuprofile");
    p.timeUnit = "microseconds";
    Warnings warn{p, options, std::string(source)};
    std::unordered_map<std::uint64_t, CpuNode> nodes;
    simdjson::dom::array nodeList, sampleList, deltaList;
    if (root["nodes"].get_array().get(nodeList) != simdjson::SUCCESS)
        return makeError(ErrorCode::ParseError, "cpuprofile without nodes", std::string(source));
    readCpuNodes(nodeList, p.trees.back().frames(), nodes);
    std::vector<std::uint64_t> samples;
    std::vector<double> deltas;
    if (root["samples"].get_array().get(sampleList) == simdjson::SUCCESS)
        for (auto s : sampleList)
            samples.push_back(std::uint64_t(number(s)));
    if (root["timeDeltas"].get_array().get(deltaList) == simdjson::SUCCESS)
        for (auto d : deltaList)
            deltas.push_back(number(d));
    if (samples.empty()) {
        // Old format: hit counts only.
        CpuStacks stacks(nodes, p.trees.back().frames(), options.maxDepth);
        for (const auto &[id, n] : nodes) {
            if (n.hitCount > 0) {
                p.trees.back().addStack(*stacks.stack(id), n.hitCount);
                p.samples += std::size_t(n.hitCount);
            }
        }
    } else {
        TimelineTrack track;
        track.name = "main";
        addCpuSamples(p, nodes, samples, deltas, number(root["startTime"]), track, warn, options);
        p.timeline.push_back(std::move(track));
    }
    if (p.samples == 0)
        return makeError(ErrorCode::ParseError, "cpuprofile has no samples", std::string(source));
    return p;
}

// Chrome trace events: V8 sampling (Profile/ProfileChunk), complete and begin/end events, or samples+stackFrames.
Result<Profile> importChromeTrace(simdjson::dom::element root, std::string_view source, const ProfileImportOptions &options)
{
    simdjson::dom::array events;
    if (root.get_array().get(events) != simdjson::SUCCESS && root["traceEvents"].get_array().get(events) != simdjson::SUCCESS)
        return makeError(ErrorCode::ParseError, "trace without traceEvents", std::string(source));
    Profile p = newProfile(source, "chrome-trace");
    p.timeUnit = "microseconds";
    Warnings warn{p, options, std::string(source)};
    FrameTable &frames = p.trees.back().frames();
    std::map<std::string, std::string> threadNames; // "pid:tid" → name
    struct Chunked
    {
        std::unordered_map<std::uint64_t, CpuNode> nodes;
        std::vector<std::uint64_t> samples;
        std::vector<double> deltas;
        double start = 0;
        std::string thread;
    };
    std::map<std::string, Chunked> profiles; // by pid + id
    struct Complete
    {
        double start, end;
        FrameId frame;
    };
    std::map<std::string, std::vector<Complete>> byThread;
    std::map<std::string, std::vector<std::pair<double, FrameId>>> openBegin;
    const auto threadKey = [](simdjson::dom::element e) {
        return std::to_string(std::int64_t(number(e["pid"]))) + ":" + std::to_string(std::int64_t(number(e["tid"])));
    };
    for (auto e : events) {
        const std::string_view ph = text(e, "ph");
        const std::string_view name = text(e, "name");
        if (ph == "M" && name == "thread_name") {
            threadNames[threadKey(e)] = std::string(text(e["args"], "name"));
        } else if (ph == "P" && (name == "Profile" || name == "ProfileChunk")) {
            const std::string key = std::to_string(std::int64_t(number(e["pid"]))) + ":" + std::string(text(e, "id"));
            Chunked &c = profiles[key];
            if (c.thread.empty())
                c.thread = threadKey(e);
            simdjson::dom::element data;
            if (e["args"]["data"].get(data) != simdjson::SUCCESS)
                continue;
            if (name == "Profile")
                c.start = number(data["startTime"]);
            simdjson::dom::array arr;
            if (data["cpuProfile"]["nodes"].get_array().get(arr) == simdjson::SUCCESS)
                readCpuNodes(arr, frames, c.nodes);
            if (data["cpuProfile"]["samples"].get_array().get(arr) == simdjson::SUCCESS)
                for (auto s : arr)
                    c.samples.push_back(std::uint64_t(number(s)));
            if (data["timeDeltas"].get_array().get(arr) == simdjson::SUCCESS)
                for (auto d : arr)
                    c.deltas.push_back(number(d));
        } else if (ph == "X") {
            const double ts = number(e["ts"]);
            byThread[threadKey(e)].push_back({ts, ts + number(e["dur"]), frames.intern(name.empty() ? "(unnamed)" : name, text(e, "cat"))});
        } else if (ph == "B") {
            openBegin[threadKey(e)].push_back({number(e["ts"]), frames.intern(name.empty() ? "(unnamed)" : name, text(e, "cat"))});
        } else if (ph == "E") {
            auto &open = openBegin[threadKey(e)];
            if (open.empty()) {
                warn.add(0, "end event without a begin");
                continue;
            }
            byThread[threadKey(e)].push_back({open.back().first, number(e["ts"]), open.back().second});
            open.pop_back();
        }
    }
    const auto trackName = [&](const std::string &key) {
        const auto it = threadNames.find(key);
        return it == threadNames.end() || it->second.empty() ? key : it->second + " (" + key + ")";
    };
    bool sampled = false;
    for (auto &[key, c] : profiles) {
        if (c.samples.empty())
            continue;
        sampled = true;
        TimelineTrack track;
        track.name = trackName(c.thread);
        addCpuSamples(p, c.nodes, c.samples, c.deltas, c.start, track, warn, options);
        p.timeline.push_back(std::move(track));
    }
    // "samples" + "stackFrames" (e.g. Hermes): frames with parent links, samples naming a leaf frame.
    simdjson::dom::array sampleList;
    simdjson::dom::object stackFrames;
    if (!sampled && root["samples"].get_array().get(sampleList) == simdjson::SUCCESS
        && root["stackFrames"].get_object().get(stackFrames) == simdjson::SUCCESS) {
        std::unordered_map<std::string, std::pair<std::string, FrameId>> sf; // id → (parent id, frame)
        for (auto [id, f] : stackFrames) {
            std::string parent;
            simdjson::dom::element pe;
            if (f["parent"].get(pe) == simdjson::SUCCESS)
                parent = pe.is_string() ? std::string(std::string_view(pe.get_string().value_unsafe())) : std::to_string(std::int64_t(number(pe)));
            sf[std::string(id)] = {parent, frames.intern(text(f, "name"), text(f, "category"))};
        }
        std::map<std::string, std::pair<std::unique_ptr<TimelineTrack>, std::unique_ptr<TimelineBuilder>>> tracks;
        std::vector<FrameId> stack;
        double lastT = 0;
        for (auto s : sampleList) {
            simdjson::dom::element se;
            if (s["sf"].get(se) != simdjson::SUCCESS)
                continue;
            std::string leaf = se.is_string() ? std::string(std::string_view(se.get_string().value_unsafe())) : std::to_string(std::int64_t(number(se)));
            stack.clear();
            for (std::string at = leaf; !at.empty() && stack.size() <= options.maxDepth;) {
                const auto it = sf.find(at);
                if (it == sf.end())
                    break;
                stack.push_back(it->second.second);
                at = it->second.first;
            }
            if (stack.empty()) {
                warn.add(0, "sample names unknown stack frame " + leaf);
                continue;
            }
            std::reverse(stack.begin(), stack.end());
            p.trees.back().addStack(stack, number(s["weight"], 1));
            ++p.samples;
            const std::string key = threadKey(s);
            auto &slot = tracks[key];
            if (!slot.first) {
                slot.first = std::make_unique<TimelineTrack>();
                slot.first->name = trackName(key);
                slot.second = std::make_unique<TimelineBuilder>(*slot.first);
            }
            lastT = number(s["ts"]);
            slot.second->sample(lastT, stack);
        }
        for (auto &[_, slot] : tracks) {
            slot.second->finish(std::max(lastT, slot.first->end));
            p.timeline.push_back(std::move(*slot.first));
        }
        sampled = p.samples > 0;
    }
    if (!sampled) {
        // Evented: nested complete events per thread become the flame chart; self time is the tree's weight.
        for (auto &[key, list] : byThread) {
            std::sort(list.begin(), list.end(), [](const Complete &a, const Complete &b) {
                return a.start != b.start ? a.start < b.start : a.end > b.end;
            });
            TimelineTrack track;
            track.name = trackName(key);
            TimelineBuilder builder(track);
            std::vector<std::pair<double, FrameId>> open; // (end, frame)
            std::vector<FrameId> stack;
            double last = list.empty() ? 0 : list.front().start;
            const auto advance = [&](double to) {
                // Close everything that ended before `to`, charging time to the stack that ran.
                while (!open.empty() && open.back().first <= to) {
                    const double end = open.back().first;
                    if (end > last) {
                        p.trees.back().addStack(stack, end - last);
                        last = end;
                    }
                    builder.close(end);
                    open.pop_back();
                    stack.pop_back();
                }
                if (!open.empty() && to > last)
                    p.trees.back().addStack(stack, to - last);
                last = std::max(last, to);
            };
            for (const Complete &c : list) {
                advance(c.start);
                if (open.size() >= options.maxDepth)
                    continue;
                const double end = open.empty() ? c.end : std::min(c.end, open.back().first); // children end inside
                open.push_back({end, c.frame});
                stack.push_back(c.frame);
                builder.open(c.start, c.frame);
                ++p.samples;
            }
            advance(std::numeric_limits<double>::infinity() > 0 && !open.empty() ? open.front().first : last);
            builder.finish(last);
            if (!track.spans.empty())
                p.timeline.push_back(std::move(track));
        }
        p.trees.back().unit = "microseconds";
        p.sampleTypes.back() = {"wall", "microseconds"};
    }
    if (p.samples == 0)
        return makeError(ErrorCode::ParseError, "trace has no samples or duration events", std::string(source));
    std::sort(p.timeline.begin(), p.timeline.end(), [](const TimelineTrack &a, const TimelineTrack &b) { return a.spans.size() > b.spans.size(); });
    return p;
}

Result<Profile> importJson(std::string_view data, std::string_view source, const std::string &format, const ProfileImportOptions &options)
{
    simdjson::dom::parser parser;
    simdjson::padded_string padded(data);
    simdjson::dom::element root;
    if (auto e = parser.parse(padded).get(root); e)
        return makeError(ErrorCode::ParseError, jsonError(e), std::string(source));
    if (format == "speedscope")
        return importSpeedscope(root, source, options);
    if (format == "cpuprofile")
        return importCpuProfile(root, source, options);
    return importChromeTrace(root, source, options);
}

} // namespace Nocturne::Engine::ProfileImportDetail
