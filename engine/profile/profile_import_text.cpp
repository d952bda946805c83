#include "profile/profile_import_detail.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>

namespace Nocturne::Engine::ProfileImportDetail {

namespace {
// Folded frames carry optional annotations: _[k] kernel, _[j] JIT, _[i] inlined; they become the module.
FrameId internFolded(FrameTable &frames, std::string_view name)
{
    if (name.size() > 4 && name[name.size() - 4] == '_' && name[name.size() - 3] == '[' && name.back() == ']') {
        switch (name[name.size() - 2]) {
        case 'k': return frames.intern(name.substr(0, name.size() - 4), "kernel");
        case 'j': return frames.intern(name.substr(0, name.size() - 4), "jit");
        case 'i': return frames.intern(name.substr(0, name.size() - 4), "inlined");
        default: break;
        }
    }
    return frames.intern(name);
}
} // namespace

// ---- folded ------------------------------------------------------------------------------------------------------
Result<Profile> importFolded(std::string_view data, std::string_view source, const ProfileImportOptions &options)
{
    Profile p = newProfile(source, "folded");
    CallTree &tree = p.trees.back();
    Warnings warn{p, options, std::string(source)};
    LineReader reader(data, options);
    std::vector<std::string_view> prevFrames, frames;
    std::vector<CallNodeId> prevNodes; // prevNodes[i]: node of prevFrames[0..i]
    std::string_view line;
    while (reader.next(line)) {
        if (!reader.tick())
            return cancelled(source);
        line = trim(line);
        if (line.empty() || line.front() == '#')
            continue;
        const auto space = line.find_last_of(' ');
        if (space == std::string_view::npos) {
            warn.add(reader.lineNumber(), "no sample count");
            continue;
        }
        const std::string_view countText = line.substr(space + 1);
        double weight = 0;
        std::int64_t whole = 0;
        auto [ptr, ec] = std::from_chars(countText.data(), countText.data() + countText.size(), whole);
        if (ec == std::errc() && ptr == countText.data() + countText.size())
            weight = double(whole);
        else {
            auto [p2, ec2] = std::from_chars(countText.data(), countText.data() + countText.size(), weight);
            if (ec2 != std::errc() || p2 != countText.data() + countText.size() || !(weight >= 0) || weight > 1e18) {
                warn.add(reader.lineNumber(), "bad sample count '" + std::string(countText.substr(0, 32)) + "'");
                continue;
            }
        }
        if (weight < 0) {
            warn.add(reader.lineNumber(), "negative sample count");
            continue;
        }
        const std::string_view stack = trim(line.substr(0, space));
        frames.clear();
        std::size_t start = 0;
        while (start <= stack.size()) {
            const auto semi = stack.find(';', start);
            const std::size_t end = semi == std::string_view::npos ? stack.size() : semi;
            if (end > start)
                frames.push_back(stack.substr(start, end - start));
            if (semi == std::string_view::npos)
                break;
            start = semi + 1;
        }
        if (frames.size() > options.maxDepth) {
            warn.add(reader.lineNumber(), "stack deeper than " + std::to_string(options.maxDepth) + " frames cut");
            frames.resize(options.maxDepth);
        }
        // Sorted folded files share long prefixes with the previous line: reuse its nodes without hashing.
        std::size_t keep = 0;
        while (keep < frames.size() && keep < prevFrames.size() && frames[keep] == prevFrames[keep])
            ++keep;
        prevNodes.resize(keep);
        CallNodeId at = keep ? prevNodes[keep - 1] : CallTree::root();
        for (std::size_t i = keep; i < frames.size(); ++i) {
            at = tree.child(at, internFolded(tree.frames(), frames[i]));
            prevNodes.push_back(at);
        }
        tree.addWeight(at, weight);
        std::swap(prevFrames, frames);
        ++p.samples;
    }
    if (p.samples == 0)
        return makeError(ErrorCode::ParseError, p.warnings.empty() ? "no stacks found" : "no valid stacks (" + p.warnings.front() + ")",
                         std::string(source) + ":1");
    return p;
}

// Symbol names as stackcollapse-perf.pl writes them, so perf script and folded files of one recording compare:
// JIT Java names lose the leading 'L' and use ':' for ';' ("Lorg/x/Y;.f" → "org/x/Y:.f"); argument lists are cut
// ("f(int, char*)" → "f") except in Go method names ("pkg.(*T).m") and "(anonymous namespace)".
std::string tidySymbol(std::string_view symbol)
{
    std::string name(symbol);
    if (name.size() > 2 && name.front() == 'L' && name.find('/') != std::string::npos)
        name.erase(0, 1);
    std::replace(name.begin(), name.end(), ';', ':');
    if (name.find(".(") == std::string::npos && !name.empty() && name.front() != '(') {
        std::size_t cut = name.find('(');
        while (cut != std::string::npos && name.compare(cut, 21, "(anonymous namespace)") == 0)
            cut = name.find('(', cut + 21);
        if (cut != std::string::npos)
            name.resize(cut);
    }
    return name;
}

// ---- perf script -------------------------------------------------------------------------------------------------
// "comm pid/tid [cpu] time: period event:" then "\taddr symbol+off (module)" lines, a blank line ends a sample.
Result<Profile> importPerfScript(std::string_view data, std::string_view source, const ProfileImportOptions &options)
{
    Profile p = newProfile(source, "perf-script");
    p.timeUnit = "seconds";
    CallTree &tree = p.trees.back();
    Warnings warn{p, options, std::string(source)};
    LineReader reader(data, options);
    std::string comm, thread;
    double time = 0;
    bool inSample = false;
    std::size_t headerLine = 0;
    std::vector<FrameId> leafFirst, rootFirst;
    struct Track
    {
        TimelineTrack *track = nullptr;
        std::unique_ptr<TimelineBuilder> builder;
        double first = 0, last = 0;
        std::size_t n = 0;
    };
    std::map<std::string, Track> tracks;
    std::vector<std::unique_ptr<TimelineTrack>> trackStore;
    const auto flush = [&] {
        if (!inSample)
            return;
        inSample = false;
        rootFirst.clear();
        rootFirst.push_back(tree.frames().intern(comm, "process"));
        for (auto it = leafFirst.rbegin(); it != leafFirst.rend(); ++it)
            rootFirst.push_back(*it);
        if (rootFirst.size() > options.maxDepth) {
            warn.add(headerLine, "stack deeper than " + std::to_string(options.maxDepth) + " frames cut");
            rootFirst.resize(options.maxDepth);
        }
        tree.addStack(rootFirst, 1.0);
        ++p.samples;
        auto &slot = tracks[comm + " " + thread];
        if (!slot.track) {
            trackStore.push_back(std::make_unique<TimelineTrack>());
            slot.track = trackStore.back().get();
            slot.track->name = comm + " " + thread;
            slot.builder = std::make_unique<TimelineBuilder>(*slot.track);
            slot.first = time;
        }
        slot.builder->sample(time, rootFirst);
        slot.last = std::max(slot.last, time);
        ++slot.n;
        leafFirst.clear();
    };
    std::string_view line;
    while (reader.next(line)) {
        if (!reader.tick())
            return cancelled(source);
        if (line.empty() || trim(line).empty()) {
            flush();
            continue;
        }
        if (line.front() == '#')
            continue;
        if (line.front() != ' ' && line.front() != '\t') {
            flush();
            // Header: find the "time:" token (digits and a dot, ending in ':'); comm and pid/tid come before it.
            std::vector<std::string_view> tokens;
            for (std::size_t i = 0; i < line.size();) {
                while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
                    ++i;
                std::size_t j = i;
                while (j < line.size() && line[j] != ' ' && line[j] != '\t')
                    ++j;
                if (j > i)
                    tokens.push_back(line.substr(i, j - i));
                i = j;
            }
            // pid or pid/tid is the first numeric token after the command name (which may contain spaces); an
            // optional [cpu] and "time:" follow. Without a time, samples are spaced one unit apart.
            std::size_t pidAt = 0;
            const auto numeric = [](std::string_view tok) {
                return !tok.empty() && std::all_of(tok.begin(), tok.end(), [](char c) { return (c >= '0' && c <= '9') || c == '/'; });
            };
            for (std::size_t t = 1; t < tokens.size(); ++t) {
                if (numeric(tokens[t])) {
                    pidAt = t;
                    break;
                }
            }
            if (pidAt == 0) {
                warn.add(reader.lineNumber(), "sample header without a pid");
                continue;
            }
            comm.clear();
            for (std::size_t t = 0; t < pidAt; ++t)
                comm += (t ? " " : "") + std::string(tokens[t]);
            thread = std::string(tokens[pidAt]);
            bool timed = false;
            for (std::size_t t = pidAt + 1; t < tokens.size() && t <= pidAt + 2; ++t) {
                const auto tok = tokens[t];
                if (tok.size() > 2 && tok.back() == ':' && tok.find('.') != std::string_view::npos
                    && std::all_of(tok.begin(), tok.end() - 1, [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
                    std::from_chars(tok.data(), tok.data() + tok.size() - 1, time);
                    timed = true;
                    break;
                }
            }
            if (!timed) {
                time = double(p.samples);
                p.timeUnit = "samples";
            }
            inSample = true;
            headerLine = reader.lineNumber();
            continue;
        }
        if (!inSample) {
            warn.add(reader.lineNumber(), "frame line outside a sample");
            continue;
        }
        // "\t addr symbol+0x12 (module)"
        std::string_view rest = trim(line);
        const auto sp = rest.find(' ');
        if (sp == std::string_view::npos) {
            warn.add(reader.lineNumber(), "frame line without a symbol");
            continue;
        }
        rest = trim(rest.substr(sp + 1));
        std::string_view module;
        if (rest.size() > 2 && rest.front() == '(' && rest.back() == ')') { // no symbol, only the module
            module = rest.substr(1, rest.size() - 2);
            rest = "[unknown]";
        } else if (!rest.empty() && rest.back() == ')') {
            const auto open = rest.rfind(" (");
            if (open != std::string_view::npos) {
                module = rest.substr(open + 2, rest.size() - open - 3);
                rest = trim(rest.substr(0, open));
            }
        }
        if (const auto plus = rest.rfind("+0x"); plus != std::string_view::npos && plus > 0)
            rest = rest.substr(0, plus);
        std::string_view mod = baseName(module);
        std::string name;
        if (rest == "[unknown]" && !mod.empty())
            name = mod.front() == '[' ? std::string(mod) : "[" + std::string(mod) + "]";
        else
            name = tidySymbol(rest);
        if (module == "[kernel.kallsyms]")
            mod = "kernel";
        leafFirst.push_back(tree.frames().intern(name, mod));
    }
    flush();
    if (p.samples == 0)
        return makeError(ErrorCode::ParseError, "no perf samples found", std::string(source) + ":1");
    for (auto &[_, slot] : tracks) // the last sample lasts one average interval
        slot.builder->finish(slot.last + (slot.n > 1 ? (slot.last - slot.first) / double(slot.n - 1) : 1.0));
    for (auto &t : trackStore)
        p.timeline.push_back(std::move(*t));
    std::sort(p.timeline.begin(), p.timeline.end(), [](const TimelineTrack &a, const TimelineTrack &b) { return a.spans.size() > b.spans.size(); });
    return p;
}

// ---- DTrace aggregated stacks ------------------------------------------------------------------------------------
// Leaf-first "module`function+0x12" lines, then the count on a line of its own; blank lines between stacks.
Result<Profile> importDtrace(std::string_view data, std::string_view source, const ProfileImportOptions &options)
{
    Profile p = newProfile(source, "dtrace");
    CallTree &tree = p.trees.back();
    Warnings warn{p, options, std::string(source)};
    LineReader reader(data, options);
    std::vector<FrameId> leafFirst;
    std::string_view line;
    while (reader.next(line)) {
        if (!reader.tick())
            return cancelled(source);
        const std::string_view t = trim(line);
        if (t.empty()) {
            if (!leafFirst.empty())
                warn.add(reader.lineNumber(), "stack without a count");
            leafFirst.clear();
            continue;
        }
        if (std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            if (leafFirst.empty())
                continue;
            double weight = 0;
            std::from_chars(t.data(), t.data() + t.size(), weight);
            std::reverse(leafFirst.begin(), leafFirst.end());
            if (leafFirst.size() > options.maxDepth)
                leafFirst.resize(options.maxDepth);
            tree.addStack(leafFirst, weight);
            ++p.samples;
            leafFirst.clear();
            continue;
        }
        if (t.starts_with("CPU ") || t.find(":tick") != std::string_view::npos || (t.find(':') != std::string_view::npos && t.find('`') == std::string_view::npos && leafFirst.empty()))
            continue; // dtrace's own header lines
        std::string_view frame = t;
        if (const auto plus = frame.rfind("+0x"); plus != std::string_view::npos && plus > 0)
            frame = frame.substr(0, plus);
        const auto tick = frame.find('`');
        if (tick != std::string_view::npos)
            leafFirst.push_back(tree.frames().intern(frame.substr(tick + 1), frame.substr(0, tick)));
        else
            leafFirst.push_back(tree.frames().intern(frame));
    }
    if (p.samples == 0)
        return makeError(ErrorCode::ParseError, "no dtrace stacks found", std::string(source) + ":1");
    return p;
}

} // namespace Nocturne::Engine::ProfileImportDetail
