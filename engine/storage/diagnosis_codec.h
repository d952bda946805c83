#pragma once

#include "core/result.h"
#include "diagnose/root_cause.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace Nocturne::Engine {

// A ranked diagnosis (RcaCandidate with its RcaEvidence) as compact JSON, so a closed incident's ranking can be kept
// with the incident and read back exactly: {"version":1,"candidates":[{...}]}, one key per field, named as in
// root_cause.h. Integers (onset, tier) are written exactly; doubles in their shortest round-tripping form; NaN (a
// correlation that was not computed) as null and ±infinity as the strings "Infinity" / "-Infinity". Strings are
// stored as UTF-8 (invalid sequences come back as U+FFFD). A field added to RcaCandidate or RcaEvidence must be added
// here too; missing keys read back as the field's default, so older rows stay readable.

// Bounds on what decodeDiagnosis accepts (a stored row is input like any other: it can be corrupt or hostile).
inline constexpr std::size_t kMaxDiagnosisJsonBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxDiagnosisCandidates = 1000;
inline constexpr std::size_t kMaxDiagnosisEvidence = 64; // per candidate

std::string encodeDiagnosis(const std::vector<RcaCandidate> &candidates);

// Errors name the offending field ("candidates[3].evidence[1].score: expected a number, got a string"): ParseError
// for malformed JSON or wrong types, LimitExceeded past the bounds above, Unsupported for a newer format version.
// Never throws.
[[nodiscard]] Result<std::vector<RcaCandidate>> decodeDiagnosis(std::string_view json) noexcept;

} // namespace Nocturne::Engine
