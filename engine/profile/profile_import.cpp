#include "profile_import.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <unordered_map>

#include <simdjson.h>
#include <zlib.h>

#include "perftools/profiles/profile.pb.h"

namespace Nocturne::Engine {

namespace {

constexpr std::size_t kProgressStep = std::size_t(4) << 20;

bool isGzip(std::string_view b)
{
    return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f && static_cast<unsigned char>(b[1]) == 0x8b;
}

Result<std::string> gunzip(std::string_view in, std::string_view source, const ProfileImportOptions &options)
{
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return makeError(ErrorCode::Internal, "zlib init failed", std::string(source));
    std::string out;
    out.reserve(std::min<std::size_t>(in.size() * 4, options.maxInflatedBytes));
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
    zs.avail_in = uInt(in.size());
    char buffer[1 << 16];
    int rc = Z_OK;
    std::size_t nextProgress = kProgressStep;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef *>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            const std::size_t at = zs.total_in;
            inflateEnd(&zs);
            return makeError(ErrorCode::ParseError, rc == Z_BUF_ERROR ? "truncated gzip data" : "corrupt gzip data",
                             std::string(source) + " @byte " + std::to_string(at));
        }
        out.append(buffer, sizeof buffer - zs.avail_out);
        if (out.size() > options.maxInflatedBytes) {
            inflateEnd(&zs);
            return makeError(ErrorCode::LimitExceeded, "inflated size exceeds the limit", std::string(source));
        }
        if (options.progress && zs.total_in >= nextProgress) {
            nextProgress += kProgressStep;
            if (!options.progress(0.5 * double(zs.total_in) / double(in.size()))) {
                inflateEnd(&zs);
                return makeError(ErrorCode::Cancelled, "import cancelled", std::string(source));
            }
        }
        if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            return makeError(ErrorCode::ParseError, "truncated gzip data", std::string(source) + " @byte " + std::to_string(in.size()));
        }
    }
    inflateEnd(&zs);
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string_view baseName(std::string_view path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Line-by-line reading with 1-based line numbers, progress and cancel.
class LineReader
{
public:
    LineReader(std::string_view data, const ProfileImportOptions &options)
        : m_data(data)
        , m_options(options)
    {
    }
    bool next(std::string_view &line)
    {
        if (m_pos >= m_data.size())
            return false;
        const char *start = m_data.data() + m_pos;
        const void *nl = std::memchr(start, '\n', m_data.size() - m_pos);
        const std::size_t len = nl ? std::size_t(static_cast<const char *>(nl) - start) : m_data.size() - m_pos;
        line = std::string_view(start, len);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        m_pos += len + 1;
        ++m_line;
        return true;
    }
    std::size_t lineNumber() const { return m_line; }
    // False when the caller asked to cancel.
    bool tick()
    {
        if (!m_options.progress || m_pos < m_nextProgress)
            return true;
        m_nextProgress = m_pos + kProgressStep;
        return m_options.progress(double(std::min(m_pos, m_data.size())) / double(std::max<std::size_t>(1, m_data.size())));
    }

private:
    std::string_view m_data;
    const ProfileImportOptions &m_options;
    std::size_t m_pos = 0;
    std::size_t m_line = 0;
    std::size_t m_nextProgress = kProgressStep;
};

struct Warnings
{
    Profile &profile;
    const ProfileImportOptions &options;
    std::string source;
    void add(std::size_t line, const std::string &what)
    {
        ++profile.skipped;
        if (profile.warnings.size() < options.maxWarnings)
            profile.warnings.push_back(source + ":" + std::to_string(line) + ": " + what);
    }
};

tl::unexpected<Error> cancelled(std::string_view source)
{
    return makeError(ErrorCode::Cancelled, "import cancelled", std::string(source));
}

Profile newProfile(std::string_view source, const char *format, std::string unit = "samples")
{
    Profile p;
    p.name = std::string(baseName(source));
    p.format = format;
    p.trees.emplace_back();
    p.trees.back().unit = unit;
    p.sampleTypes.push_back({"samples", unit == "samples" ? "count" : unit});
    return p;
}

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

// ---- pprof -------------------------------------------------------------------------------------------------------
Result<Profile> importPprof(std::string_view bytes, std::string_view source, const ProfileImportOptions &options)
{
    perftools::profiles::Profile pb;
    if (bytes.size() > std::size_t(INT32_MAX) || !pb.ParseFromArray(bytes.data(), int(bytes.size())))
        return makeError(ErrorCode::ParseError, "not a valid pprof protobuf (truncated or corrupt)", std::string(source) + " @byte 0");
    const auto &strings = pb.string_table();
    const auto str = [&](std::int64_t i) -> std::string_view {
        return i >= 0 && i < strings.size() ? std::string_view(strings.Get(int(i))) : std::string_view();
    };
    if (pb.sample_type_size() == 0)
        return makeError(ErrorCode::ParseError, "pprof profile has no sample types", std::string(source));
    Profile p;
    p.name = std::string(baseName(source));
    p.format = "pprof";
    p.timeUnit = "nanoseconds";
    p.startNs = pb.time_nanos();
    p.endNs = pb.time_nanos() + pb.duration_nanos();
    auto frames = std::make_shared<FrameTable>();
    for (const auto &st : pb.sample_type()) {
        p.sampleTypes.push_back({std::string(str(st.type())), std::string(str(st.unit()))});
        p.trees.emplace_back(frames);
        p.trees.back().unit = p.sampleTypes.back().unit;
    }
    p.selected = p.sampleTypes.size() - 1;
    if (pb.default_sample_type() != 0) {
        for (std::size_t i = 0; i < p.sampleTypes.size(); ++i)
            if (p.sampleTypes[i].type == str(pb.default_sample_type()))
                p.selected = i;
    }
    if (!options.sampleType.empty()) {
        bool found = false;
        for (std::size_t i = 0; i < p.sampleTypes.size(); ++i) {
            if (p.sampleTypes[i].type == options.sampleType) {
                p.selected = i;
                found = true;
            }
        }
        if (!found)
            return makeError(ErrorCode::NotFound, "no sample type '" + options.sampleType + "' in the profile", std::string(source));
    }
    std::unordered_map<std::uint64_t, const perftools::profiles::Function *> functions;
    for (const auto &f : pb.function())
        functions[f.id()] = &f;
    std::unordered_map<std::uint64_t, std::string_view> mappings;
    for (const auto &m : pb.mapping())
        mappings[m.id()] = baseName(str(m.filename()));
    // Each location's frames, leaf first (inlined callees before their caller).
    std::unordered_map<std::uint64_t, std::vector<FrameId>> locations;
    locations.reserve(std::size_t(pb.location_size()));
    Warnings warn{p, options, std::string(source)};
    for (const auto &loc : pb.location()) {
        auto &out = locations[loc.id()];
        const std::string_view module = mappings.count(loc.mapping_id()) ? mappings[loc.mapping_id()] : std::string_view();
        for (const auto &line : loc.line()) {
            const auto f = functions.find(line.function_id());
            if (f == functions.end()) {
                warn.add(0, "location " + std::to_string(loc.id()) + " names unknown function " + std::to_string(line.function_id()));
                continue;
            }
            std::string_view name = str(f->second->name());
            if (name.empty())
                name = str(f->second->system_name());
            out.push_back(frames->intern(name, module.empty() ? baseName(str(f->second->filename())) : module));
        }
        if (out.empty()) {
            char hex[32];
            std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(loc.address()));
            out.push_back(frames->intern(hex, module));
        }
    }
    std::vector<FrameId> rootFirst;
    std::vector<CallNodeId> leaves(p.trees.size());
    for (int s = 0; s < pb.sample_size(); ++s) {
        const auto &sample = pb.sample(s);
        rootFirst.clear();
        bool bad = false;
        for (int i = sample.location_id_size() - 1; i >= 0; --i) {
            const auto it = locations.find(sample.location_id(i));
            if (it == locations.end()) {
                bad = true;
                break;
            }
            for (auto f = it->second.rbegin(); f != it->second.rend(); ++f)
                rootFirst.push_back(*f);
        }
        if (bad) {
            warn.add(0, "sample " + std::to_string(s) + " names an unknown location");
            continue;
        }
        if (rootFirst.size() > options.maxDepth)
            rootFirst.resize(options.maxDepth);
        for (int v = 0; v < sample.value_size() && v < int(p.trees.size()); ++v)
            p.trees[std::size_t(v)].addStack(rootFirst, double(sample.value(v)));
        ++p.samples;
        if (options.progress && s % 65536 == 65535 && !options.progress(0.5 + 0.5 * double(s) / pb.sample_size()))
            return cancelled(source);
    }
    return p;
}

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

std::string detectText(std::string_view head)
{
    // JSON flavours by their keys near the start.
    std::size_t i = 0;
    while (i < head.size() && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
        ++i;
    if (i < head.size() && (head[i] == '{' || head[i] == '[')) {
        if (head.find("\"traceEvents\"") != std::string_view::npos || head[i] == '[')
            return "chrome-trace";
        if (head.find("speedscope.app/file-format-schema") != std::string_view::npos
            || (head.find("\"shared\"") != std::string_view::npos && head.find("\"profiles\"") != std::string_view::npos))
            return "speedscope";
        if (head.find("\"nodes\"") != std::string_view::npos && head.find("\"traceEvents\"") == std::string_view::npos)
            return "cpuprofile";
        return "chrome-trace";
    }
    // perf script: a header line ending in "event:" followed by tab-indented frames.
    std::size_t pos = 0;
    int lines = 0;
    bool sawTabFrame = false, sawBacktick = false, sawFolded = false;
    while (pos < head.size() && lines < 200) {
        const auto nl = head.find('\n', pos);
        const std::string_view line = head.substr(pos, nl == std::string_view::npos ? head.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? head.size() : nl + 1;
        ++lines;
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '\t' && line.find(" (") != std::string_view::npos)
            sawTabFrame = true;
        if (line.find('`') != std::string_view::npos)
            sawBacktick = true;
        const auto sp = line.find_last_of(' ');
        if (line.front() != ' ' && line.front() != '\t' && sp != std::string_view::npos && sp + 1 < line.size()
            && std::all_of(line.begin() + std::ptrdiff_t(sp) + 1, line.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '\r'; }))
            sawFolded = true;
    }
    if (sawTabFrame)
        return "perf-script";
    if (sawBacktick)
        return "dtrace";
    if (sawFolded)
        return "folded";
    return {};
}

} // namespace

std::string detectProfileFormat(std::string_view bytes)
{
    if (isGzip(bytes)) {
        // Look at the first inflated kilobytes only.
        z_stream zs{};
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
            return {};
        std::string head(65536, '\0');
        zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
        zs.avail_in = uInt(bytes.size());
        zs.next_out = reinterpret_cast<Bytef *>(head.data());
        zs.avail_out = uInt(head.size());
        inflate(&zs, Z_SYNC_FLUSH);
        head.resize(head.size() - zs.avail_out);
        inflateEnd(&zs);
        return detectProfileFormat(head);
    }
    // Binary (control bytes other than whitespace near the start): pprof is the only binary format.
    const std::string_view start = bytes.substr(0, 512);
    const auto binary = std::count_if(start.begin(), start.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 && u != '\n' && u != '\r' && u != '\t';
    });
    if (binary > 0)
        return "pprof";
    return detectText(bytes.substr(0, 65536));
}

Result<Profile> importProfile(std::string_view bytes, std::string_view sourceName, const ProfileImportOptions &options)
{
    std::string inflated;
    std::string_view data = bytes;
    if (isGzip(bytes)) {
        auto out = gunzip(bytes, sourceName, options);
        if (!out)
            return tl::unexpected(out.error());
        inflated = std::move(*out);
        data = inflated;
    }
    const std::string format = options.format.empty() ? detectProfileFormat(data) : options.format;
    Result<Profile> result = makeError(ErrorCode::Unsupported, "unrecognised profile format", std::string(sourceName));
    if (format == "folded")
        result = importFolded(data, sourceName, options);
    else if (format == "perf-script")
        result = importPerfScript(data, sourceName, options);
    else if (format == "dtrace")
        result = importDtrace(data, sourceName, options);
    else if (format == "pprof")
        result = importPprof(data, sourceName, options);
    else if (format == "speedscope" || format == "cpuprofile" || format == "chrome-trace")
        result = importJson(data, sourceName, format, options);
    else if (!format.empty())
        result = makeError(ErrorCode::Unsupported, "unknown profile format '" + format + "'", std::string(sourceName));
    if (result && options.progress)
        options.progress(1.0);
    return result;
}

Result<Profile> importProfileFile(const std::string &path, const ProfileImportOptions &options)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::IoError, "cannot open the file", path);
    in.seekg(0, std::ios::end);
    const auto size = std::streamoff(in.tellg());
    in.seekg(0);
    std::string bytes(std::size_t(std::max<std::streamoff>(0, size)), '\0');
    if (!in.read(bytes.data(), std::streamsize(bytes.size())))
        return makeError(ErrorCode::IoError, "cannot read the file", path);
    return importProfile(bytes, path, options);
}

std::string toFolded(const CallTree &tree)
{
    std::string out;
    std::vector<std::pair<CallNodeId, std::size_t>> stack{{CallTree::root(), 0}}; // node, length of prefix
    std::string prefix;
    while (!stack.empty()) {
        const auto [id, len] = stack.back();
        stack.pop_back();
        prefix.resize(len);
        const auto &n = tree.node(id);
        if (id != CallTree::root()) {
            if (!prefix.empty())
                prefix += ';';
            prefix += tree.frames()[n.frame].name;
            if (n.self > 0) {
                char buf[40];
                std::snprintf(buf, sizeof buf, " %.15g\n", n.self);
                out += prefix;
                out += buf;
            }
        }
        for (CallNodeId c = n.firstChild; c.isValid(); c = tree.node(c).nextSibling)
            stack.push_back({c, prefix.size()});
    }
    return out;
}

} // namespace Nocturne::Engine
