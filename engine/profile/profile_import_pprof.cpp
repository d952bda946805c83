#include "profile/profile_import_detail.h"

#include <cstdio>
#include <unordered_map>

#include "perftools/profiles/profile.pb.h"

namespace Nocturne::Engine::ProfileImportDetail {

namespace {
} // namespace

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

} // namespace Nocturne::Engine::ProfileImportDetail
