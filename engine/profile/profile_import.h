#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "profile/profile.h"

namespace Nocturne::Engine {

struct ProfileImportOptions
{
    // pprof: the sample type to select by name ("cpu", "samples", "alloc_space"); empty: the file's default.
    std::string sampleType;
    // Called with the share done in [0, 1] every few MB; return false to cancel (the import then fails with
    // ErrorCode::Cancelled).
    std::function<bool(double)> progress;
    // folded, perf-script, dtrace, pprof, speedscope, cpuprofile, chrome-trace; empty: detected from the content.
    std::string format;
    std::size_t maxDepth = 4096;   // deeper stacks are cut (counted as a warning), never recursed on
    std::size_t maxWarnings = 20;  // kept in Profile::warnings; all are counted in Profile::skipped
    std::size_t maxInflatedBytes = std::size_t(4) << 30;
};

// The format a buffer holds, judged from its first bytes (gzip is looked through), or "" when unknown.
std::string detectProfileFormat(std::string_view bytes);

// Imports a profile from memory. Malformed records are skipped and counted (with line numbers in the warnings); a
// file with nothing usable, truncated binary data or hostile structure fails with an error naming the source and
// the line or byte offset.
Result<Profile> importProfile(std::string_view bytes, std::string_view sourceName, const ProfileImportOptions &options = {});
Result<Profile> importProfileFile(const std::string &path, const ProfileImportOptions &options = {});

// Writes the selected tree as folded stacks (one line per leaf path with self weight > 0).
std::string toFolded(const CallTree &tree);

} // namespace Nocturne::Engine
