#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/pattern.h"
#include "core/result.h"

namespace Nocturne::Engine {

struct Label {
    std::string name;
    std::string value;
    auto operator<=>(const Label &) const = default;
};

using Labels = std::vector<Label>;

// A series is a metric name plus a set of labels, as in Prometheus. Labels are kept sorted by name so that
// the same set written in any order is the same series.
struct SeriesKey {
    std::string name;
    Labels labels; // sorted by name, names unique

    static SeriesKey make(std::string name, Labels labels);
    // Canonical text form: name{a="x",b="y"} with Prometheus escaping. Also the interning key.
    std::string canonical() const;
    std::string_view label(std::string_view labelName) const;
    bool operator==(const SeriesKey &) const = default;
};

// Prometheus-style matcher. The name "__name__" matches the metric name.
struct LabelMatcher {
    enum class Op { Equal, NotEqual, RegexMatch, RegexNoMatch };
    std::string name;
    Op op = Op::Equal;
    std::string value;

    static Result<LabelMatcher> make(std::string name, Op op, std::string value);
    bool matches(std::string_view actual) const;

private:
    Pattern m_regex; // compiled for =~ and !~ only; copies share the program
};

// Parses a selector such as `http_requests_total{service="order",code=~"5.."}` or `{job!="x"}`.
Result<std::vector<LabelMatcher>> parseSelector(std::string_view text);

} // namespace Nocturne::Engine
