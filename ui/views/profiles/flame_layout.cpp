#include "flame_layout.h"

#include <algorithm>

namespace Nocturne::Ui {

using Engine::CallNodeId;
using Engine::CallTree;

FlameLayout layoutFlame(const CallTree &tree, CallNodeId zoom, double width, double minWidth, std::span<const double> weights)
{
    FlameLayout out;
    const auto weight = [&](CallNodeId id) { return weights.empty() ? tree.node(id).total : weights[id.value]; };
    if (zoom.value >= tree.size())
        zoom = CallTree::root();
    // Ancestors (root first) and the zoom node: full width.
    std::vector<CallNodeId> chain;
    for (CallNodeId at = zoom; at.isValid(); at = tree.node(at).parent)
        chain.push_back(at);
    std::reverse(chain.begin(), chain.end());
    for (std::size_t d = 0; d < chain.size(); ++d)
        out.rects.push_back({0.f, float(width), std::uint32_t(d), chain[d]});
    out.rows = std::uint32_t(chain.size());
    const double zoomWeight = weight(zoom);
    if (zoomWeight <= 0 || width <= 0)
        return out;
    const double scale = width / zoomWeight;
    struct Item
    {
        CallNodeId node;
        double x;
        std::uint32_t depth;
    };
    std::vector<Item> stack{{zoom, 0.0, std::uint32_t(chain.size() - 1)}};
    std::vector<CallNodeId> kids;
    while (!stack.empty()) {
        const Item item = stack.back();
        stack.pop_back();
        kids.clear();
        bool anyVisible = false;
        for (CallNodeId c = tree.node(item.node).firstChild; c.isValid(); c = tree.node(c).nextSibling) {
            kids.push_back(c);
            anyVisible = anyVisible || weight(c) * scale >= minWidth;
        }
        if (!anyVisible)
            continue;
        std::sort(kids.begin(), kids.end(), [&](CallNodeId a, CallNodeId b) { return tree.name(a) < tree.name(b); });
        // Children sit left-aligned under their parent in name order; the gap on the right is the parent's self
        // time. Siblings too narrow to draw still take their room, so the others stay where they belong.
        double x = item.x;
        for (CallNodeId c : kids) {
            const double w = weight(c) * scale;
            if (w < minWidth) {
                x += w;
                continue;
            }
            out.rects.push_back({float(x), float(x + w), item.depth + 1, c});
            out.rows = std::max(out.rows, item.depth + 2);
            stack.push_back({c, x, item.depth + 1});
            x += w;
        }
    }
    return out;
}

} // namespace Nocturne::Ui
