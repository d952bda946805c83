#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/strong_id.h"

namespace Nocturne::Engine {

struct FrameIdTag;
struct CallNodeIdTag;
using FrameId = StrongId<FrameIdTag>;
using CallNodeId = StrongId<CallNodeIdTag>;

// One function as profiles name it: the symbol and where it lives (library, package, file). Colouring by module
// uses `module`; identity is the pair.
struct Frame
{
    std::string name;
    std::string module;
};

// Interned frames: each distinct (name, module) is stored once and named by a FrameId. Strings are owned by the
// table; lookups are by string_view (no allocation on a hit).
class FrameTable
{
public:
    FrameTable();
    FrameTable(const FrameTable &) = delete;
    FrameTable &operator=(const FrameTable &) = delete;

    FrameId intern(std::string_view name, std::string_view module = {});
    std::optional<FrameId> find(std::string_view name, std::string_view module = {}) const;
    const Frame &operator[](FrameId id) const { return m_frames[id.value]; }
    std::size_t size() const { return m_frames.size(); }
    std::size_t bytes() const;
    // A deep copy (same ids), for trees that must grow their own table without touching a shared one.
    std::shared_ptr<FrameTable> clone() const;

private:
    struct KeyHash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const noexcept;
    };
    std::vector<Frame> m_frames;
    std::unordered_map<std::string, FrameId, KeyHash, std::equal_to<>> m_index; // name + '\x1f' + module
};

// A call tree (root → leaf) with self and total weights per node. Nodes are addressed by CallNodeId; the root is
// node 0 and has no frame. Children are found through one hash map keyed by (parent, frame), so adding a stack costs
// one lookup per frame. Weights are doubles: sample counts, nanoseconds or bytes (see `unit`).
class CallTree
{
public:
    struct Node
    {
        FrameId frame;
        CallNodeId parent;
        CallNodeId firstChild;
        CallNodeId nextSibling;
        std::uint32_t depth = 0;
        double self = 0;
        double total = 0;
    };

    explicit CallTree(std::shared_ptr<FrameTable> frames = std::make_shared<FrameTable>());
    // Copies share the frame table (frames are immutable once interned).
    CallTree(const CallTree &) = default;
    CallTree &operator=(const CallTree &) = default;
    CallTree(CallTree &&) noexcept = default;
    CallTree &operator=(CallTree &&) noexcept = default;

    static constexpr CallNodeId root() { return CallNodeId(0); }
    FrameTable &frames() { return *m_frames; }
    const FrameTable &frames() const { return *m_frames; }
    const std::shared_ptr<FrameTable> &frameTable() const { return m_frames; }

    const Node &node(CallNodeId id) const { return m_nodes[id.value]; }
    std::size_t size() const { return m_nodes.size(); }
    double total() const { return m_nodes[0].total; }
    std::size_t maxDepth() const { return m_maxDepth; }
    std::string_view name(CallNodeId id) const;

    // The child of `parent` for `frame`, created when missing.
    CallNodeId child(CallNodeId parent, FrameId frame);
    std::optional<CallNodeId> findChild(CallNodeId parent, FrameId frame) const;
    // Adds one stack, root first. Total grows on every node of the path, self on the leaf; an empty stack adds to
    // the root's self ("no stack").
    CallNodeId addStack(std::span<const FrameId> rootToLeaf, double weight);
    // Adds weight along an existing path ending at `leaf` (as addStack would for the same frames).
    void addWeight(CallNodeId leaf, double weight);
    // A copy with its own copy of the frame table (same node and frame ids): cheaper than merging into an empty tree.
    CallTree deepCopy() const;
    // Adds every stack of `other` (frames re-interned by name and module when the tables differ), weights × scale.
    void merge(const CallTree &other, double scale = 1.0);
    // Children of a node, in insertion order.
    std::vector<CallNodeId> children(CallNodeId id) const;
    // Root-first frames of the path to `id` (not including the root).
    std::vector<FrameId> path(CallNodeId id) const;
    // The node reached by following `rootToLeaf` from the root, if it exists.
    std::optional<CallNodeId> findPath(std::span<const FrameId> rootToLeaf) const;

    std::size_t bytes() const;
    std::string unit = "samples";

private:
    static std::uint64_t key(CallNodeId parent, FrameId frame) { return (std::uint64_t(parent.value) << 32) | frame.value; }

    // (parent, frame) → child: open addressing with linear probing (no allocation per node; the node-based
    // std::unordered_map made loading and diffing large profiles 2× slower).
    struct ChildIndex
    {
        static constexpr std::uint64_t kEmpty = ~std::uint64_t(0);
        std::vector<std::uint64_t> keys;
        std::vector<std::uint32_t> values;
        std::size_t count = 0;
        std::size_t mask = 0;
        void reserve(std::size_t n);
        std::uint32_t *find(std::uint64_t key);
        const std::uint32_t *find(std::uint64_t key) const;
        // Inserts when missing; returns the slot's value and whether it was inserted.
        std::pair<std::uint32_t, bool> tryEmplace(std::uint64_t key, std::uint32_t value);
        std::size_t bytes() const { return keys.capacity() * 8 + values.capacity() * 4; }
    };

    std::shared_ptr<FrameTable> m_frames;
    std::vector<Node> m_nodes;
    std::vector<CallNodeId> m_lastChild; // for O(1) append to the sibling list
    ChildIndex m_childIndex;
    std::size_t m_maxDepth = 0;
};

// Two trees over the union of their paths: `after` as measured, `before` normalised to the same total
// (before × total(after)/total(before)) so that a function that kept its share shows no change. delta = after −
// normalised before, per node (total and self).
struct CallTreeDiff
{
    CallTree tree;              // union of paths; node values are the `after` weights
    std::vector<double> before; // per node: normalised `before` total
    std::vector<double> beforeSelf;
    double beforeTotal = 0; // raw totals
    double afterTotal = 0;
    double scale = 1; // total(after)/total(before)

    double deltaTotal(CallNodeId id) const { return tree.node(id).total - before[id.value]; }
    double deltaSelf(CallNodeId id) const { return tree.node(id).self - beforeSelf[id.value]; }
    // Change of the node's share of the whole, in [-1, 1].
    double shareDelta(CallNodeId id) const { return afterTotal > 0 ? deltaTotal(id) / tree.total() : 0.0; }
};

CallTreeDiff diffTrees(const CallTree &before, const CallTree &after);

// Sandwich views of one function: its callers (inverted: the function at the root, callers above) and its callees
// (every call of the function merged under one root). Recursion is counted once (outermost call).
CallTree callersOf(const CallTree &tree, FrameId function);
CallTree calleesOf(const CallTree &tree, FrameId function);

} // namespace Nocturne::Engine
