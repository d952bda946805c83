#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "decode/prometheus_text.h"

namespace Nocturne::Engine {

// A range query answer (resultType "matrix") flattened into samples; series keys carry the metric's labels with
// __name__ as the name (a series without __name__, e.g. the result of rate(), is named by `fallbackName` and typed as
// a gauge).
struct RangeQueryResult {
    std::vector<ParsedSample> samples;
    std::size_t series = 0;
    std::vector<std::string> warnings;
};

// Decodes /api/v1/query_range. Prometheus' own errors ("status":"error") come back as an Error with its errorType and
// message; malformed JSON names the offset.
Result<RangeQueryResult> decodeRangeQuery(std::string_view json, const std::string &fallbackName);

struct TargetHealth {
    std::string job;
    std::string instance;
    std::string health; // "up", "down", "unknown"
    std::string lastError;
};

// Decodes /api/v1/targets (active targets).
Result<std::vector<TargetHealth>> decodeTargets(std::string_view json);

struct RuleAlert {
    std::map<std::string, std::string> labels; // includes alertname
    std::map<std::string, std::string> annotations;
    std::string state; // "firing" or "pending"
    Timestamp activeAt = 0;
};
// Decodes /api/v1/alerts (the alerts of Prometheus' alerting rules).
Result<std::vector<RuleAlert>> decodeRuleAlerts(std::string_view json);

} // namespace Nocturne::Engine
