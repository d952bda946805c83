#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "profile/call_tree.h"

namespace Nocturne::Ui {

// One box of a flame graph: x in pixels, depth in rows from the root (row 0).
struct FlameRect
{
    float x0 = 0;
    float x1 = 0;
    std::uint32_t depth = 0;
    Engine::CallNodeId node;
};

// Geometry of a flame graph zoomed on `zoom`: the zoom node's ancestors and the node itself span the full width, its
// descendants get widths proportional to their weight; children sorted by name so two graphs of related trees line
// up. Boxes narrower than minWidth pixels are dropped with their subtrees (that bounds the work by what is visible,
// like flamegraph.pl's --minwidth). `weights` replaces node totals (e.g. a diff's normalised baseline) when given.
struct FlameLayout
{
    std::vector<FlameRect> rects;
    std::uint32_t rows = 0;
};

FlameLayout layoutFlame(const Engine::CallTree &tree, Engine::CallNodeId zoom, double width, double minWidth = 0.5,
                        std::span<const double> weights = {});

} // namespace Nocturne::Ui
