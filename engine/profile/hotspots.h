#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "profile/call_tree.h"

namespace Nocturne::Engine {

// Per-function weights of a call tree: self (time in the function itself) and total (inclusive; a recursive
// function is counted once per stack, at its outermost call, so totals never exceed the profile's total).
struct FunctionStat
{
    FrameId frame;
    std::string name;
    double self = 0;
    double total = 0;
};

struct HotspotTable
{
    std::vector<FunctionStat> functions; // by self, largest first
    double total = 0;
    // Shares in [0, 1] of the function called `name` (summed over modules); 0 when absent.
    double selfShare(std::string_view name) const;
    double totalShare(std::string_view name) const;
};

HotspotTable hotspots(const CallTree &tree);

// Frames whose name matches `pattern` anywhere (RE2 syntax, case-insensitive; an invalid pattern matches nothing and
// sets *error), as a mask indexed by FrameId.
std::vector<char> matchFrames(const FrameTable &frames, const std::string &pattern, std::string *error = nullptr);
// Share of the tree's total spent in (inclusive) frames of the mask, each stack counted once.
double inclusiveShare(const CallTree &tree, const std::vector<char> &frameMask);

// A function whose share of the profile moved between two periods (before → after), largest moves first.
struct Mover
{
    std::string name;
    double beforeShare = 0; // total share
    double afterShare = 0;
    double beforeSelfShare = 0;
    double afterSelfShare = 0;
    double delta() const { return afterShare - beforeShare; }
};
std::vector<Mover> topMovers(const CallTree &before, const CallTree &after, std::size_t limit = 20);

// Hot-spot rules for policies and alerts, e.g. `hotspot("encrypt_data") > 30%`.
//   hotspot(f), total(f)  inclusive share of f        self(f)  exclusive share
//   delta(f)              change of f's inclusive share against the baseline profile (needs one)
//   f: "exact name" or ~"regular expression" (RE2, unanchored, (?i) for any case; shares of all matching functions,
//      outermost calls)
//   comparisons > >= < <= == != against numbers (0.3) or percentages (30%); and/or/not (&&, ||, !), parentheses.
struct HotspotContext
{
    const CallTree *profile = nullptr;
    const CallTree *baseline = nullptr;
};

class HotspotRule
{
public:
    static Result<HotspotRule> parse(std::string_view text);
    // True when the rule holds; an error when it needs a baseline that is missing.
    Result<bool> evaluate(const HotspotContext &context) const;
    // Each comparison with its measured value, e.g. `hotspot("encrypt_data") = 34.2 % > 30 %`.
    std::string explain(const HotspotContext &context) const;
    const std::string &text() const { return m_text; }

    struct Node; // the parsed expression (opaque)

private:
    std::string m_text;
    std::shared_ptr<const Node> m_root;
};

} // namespace Nocturne::Engine
