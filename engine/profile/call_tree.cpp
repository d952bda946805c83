#include "call_tree.h"

#include <algorithm>
#include <utility>

namespace Nocturne::Engine {

namespace {
constexpr char kKeySep = '\x1f';

std::string makeKey(std::string_view name, std::string_view module)
{
    std::string key;
    key.reserve(name.size() + module.size() + 1);
    key.append(name);
    key.push_back(kKeySep);
    key.append(module);
    return key;
}
} // namespace

std::size_t FrameTable::KeyHash::operator()(std::string_view key) const noexcept
{
    // FNV-1a, 64 bit: frame names are short and this beats std::hash's per-call setup on them.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : key)
        h = (h ^ c) * 1099511628211ull;
    return std::size_t(h ^ (h >> 32));
}

FrameTable::FrameTable() = default;

FrameId FrameTable::intern(std::string_view name, std::string_view module)
{
    // The common case (no module) looks up without building a key string.
    thread_local std::string scratch;
    scratch.assign(name);
    scratch.push_back(kKeySep);
    scratch.append(module);
    if (auto it = m_index.find(std::string_view(scratch)); it != m_index.end())
        return it->second;
    const FrameId id(std::uint32_t(m_frames.size()));
    m_frames.push_back(Frame{std::string(name), std::string(module)});
    m_index.emplace(scratch, id);
    return id;
}

std::optional<FrameId> FrameTable::find(std::string_view name, std::string_view module) const
{
    if (auto it = m_index.find(std::string_view(makeKey(name, module))); it != m_index.end())
        return it->second;
    return std::nullopt;
}

std::shared_ptr<FrameTable> FrameTable::clone() const
{
    auto copy = std::make_shared<FrameTable>();
    copy->m_frames = m_frames;
    copy->m_index = m_index;
    return copy;
}

std::size_t FrameTable::bytes() const
{
    std::size_t b = m_frames.capacity() * sizeof(Frame) + m_index.bucket_count() * sizeof(void *);
    for (const Frame &f : m_frames)
        b += 2 * (f.name.capacity() + f.module.capacity()) + 64;
    return b;
}

namespace {
inline std::size_t slotOf(std::uint64_t key, std::size_t mask)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return std::size_t(key) & mask;
}
} // namespace

void CallTree::ChildIndex::reserve(std::size_t n)
{
    std::size_t capacity = 16;
    while (capacity < 2 * n)
        capacity <<= 1;
    if (capacity <= keys.size())
        return;
    std::vector<std::uint64_t> oldKeys(capacity, kEmpty);
    std::vector<std::uint32_t> oldValues(capacity, 0);
    oldKeys.swap(keys);
    oldValues.swap(values);
    mask = capacity - 1;
    for (std::size_t i = 0; i < oldKeys.size(); ++i) {
        if (oldKeys[i] == kEmpty)
            continue;
        std::size_t slot = slotOf(oldKeys[i], mask);
        while (keys[slot] != kEmpty)
            slot = (slot + 1) & mask;
        keys[slot] = oldKeys[i];
        values[slot] = oldValues[i];
    }
}

const std::uint32_t *CallTree::ChildIndex::find(std::uint64_t key) const
{
    if (keys.empty())
        return nullptr;
    for (std::size_t slot = slotOf(key, mask);; slot = (slot + 1) & mask) {
        if (keys[slot] == key)
            return &values[slot];
        if (keys[slot] == kEmpty)
            return nullptr;
    }
}

std::uint32_t *CallTree::ChildIndex::find(std::uint64_t key)
{
    return const_cast<std::uint32_t *>(std::as_const(*this).find(key));
}

std::pair<std::uint32_t, bool> CallTree::ChildIndex::tryEmplace(std::uint64_t key, std::uint32_t value)
{
    if (2 * (count + 1) > keys.size())
        reserve(count + 1 > keys.size() / 2 ? std::max<std::size_t>(16, keys.size()) : count + 1);
    for (std::size_t slot = slotOf(key, mask);; slot = (slot + 1) & mask) {
        if (keys[slot] == key)
            return {values[slot], false};
        if (keys[slot] == kEmpty) {
            keys[slot] = key;
            values[slot] = value;
            ++count;
            return {value, true};
        }
    }
}

CallTree::CallTree(std::shared_ptr<FrameTable> frames)
    : m_frames(std::move(frames))
{
    m_nodes.push_back(Node{});
    m_lastChild.push_back(CallNodeId{});
}

CallTree CallTree::deepCopy() const
{
    CallTree copy(*this);
    copy.m_frames = m_frames->clone();
    return copy;
}

std::string_view CallTree::name(CallNodeId id) const
{
    const Node &n = m_nodes[id.value];
    return n.frame.isValid() ? std::string_view((*m_frames)[n.frame].name) : std::string_view("all");
}

std::optional<CallNodeId> CallTree::findChild(CallNodeId parent, FrameId frame) const
{
    if (const std::uint32_t *v = m_childIndex.find(key(parent, frame)))
        return CallNodeId(*v);
    return std::nullopt;
}

CallNodeId CallTree::child(CallNodeId parent, FrameId frame)
{
    const auto [value, inserted] = m_childIndex.tryEmplace(key(parent, frame), std::uint32_t(m_nodes.size()));
    if (!inserted)
        return CallNodeId(value);
    const CallNodeId id(value);
    Node n;
    n.frame = frame;
    n.parent = parent;
    n.depth = m_nodes[parent.value].depth + 1;
    m_maxDepth = std::max<std::size_t>(m_maxDepth, n.depth);
    m_nodes.push_back(n);
    m_lastChild.push_back(CallNodeId{});
    Node &p = m_nodes[parent.value];
    if (!p.firstChild.isValid())
        p.firstChild = id;
    else
        m_nodes[m_lastChild[parent.value].value].nextSibling = id;
    m_lastChild[parent.value] = id;
    return id;
}

CallNodeId CallTree::addStack(std::span<const FrameId> rootToLeaf, double weight)
{
    CallNodeId at = root();
    m_nodes[0].total += weight;
    for (FrameId f : rootToLeaf) {
        at = child(at, f);
        m_nodes[at.value].total += weight;
    }
    m_nodes[at.value].self += weight;
    return at;
}

void CallTree::addWeight(CallNodeId leaf, double weight)
{
    m_nodes[leaf.value].self += weight;
    for (CallNodeId at = leaf; at.isValid(); at = m_nodes[at.value].parent)
        m_nodes[at.value].total += weight;
}

void CallTree::merge(const CallTree &other, double scale)
{
    const bool sameTable = other.m_frames == m_frames;
    std::vector<FrameId> frameMap;
    if (!sameTable)
        frameMap.assign(other.frames().size(), FrameId{});
    std::vector<CallNodeId> nodeMap(other.m_nodes.size());
    nodeMap[0] = root();
    m_nodes[0].total += other.m_nodes[0].total * scale;
    m_nodes[0].self += other.m_nodes[0].self * scale;
    m_childIndex.reserve(m_childIndex.count + other.m_nodes.size());
    m_nodes.reserve(m_nodes.size() + other.m_nodes.size());
    m_lastChild.reserve(m_lastChild.size() + other.m_nodes.size());
    for (std::size_t i = 1; i < other.m_nodes.size(); ++i) { // parents precede their children
        const Node &src = other.m_nodes[i];
        FrameId f = src.frame;
        if (!sameTable) {
            FrameId &mapped = frameMap[f.value];
            if (!mapped.isValid()) {
                const Frame &frame = other.frames()[f];
                mapped = m_frames->intern(frame.name, frame.module);
            }
            f = mapped;
        }
        const CallNodeId to = child(nodeMap[src.parent.value], f);
        nodeMap[i] = to;
        m_nodes[to.value].total += src.total * scale;
        m_nodes[to.value].self += src.self * scale;
    }
    if (unit.empty() || total() == other.total() * scale)
        unit = other.unit;
}

std::vector<CallNodeId> CallTree::children(CallNodeId id) const
{
    std::vector<CallNodeId> out;
    for (CallNodeId c = m_nodes[id.value].firstChild; c.isValid(); c = m_nodes[c.value].nextSibling)
        out.push_back(c);
    return out;
}

std::vector<FrameId> CallTree::path(CallNodeId id) const
{
    std::vector<FrameId> out;
    for (CallNodeId at = id; at.isValid() && at != root(); at = m_nodes[at.value].parent)
        out.push_back(m_nodes[at.value].frame);
    std::reverse(out.begin(), out.end());
    return out;
}

std::optional<CallNodeId> CallTree::findPath(std::span<const FrameId> rootToLeaf) const
{
    CallNodeId at = root();
    for (FrameId f : rootToLeaf) {
        const auto next = findChild(at, f);
        if (!next)
            return std::nullopt;
        at = *next;
    }
    return at;
}

std::size_t CallTree::bytes() const
{
    return m_nodes.capacity() * (sizeof(Node) + sizeof(CallNodeId)) + m_childIndex.bytes();
}

CallTreeDiff diffTrees(const CallTree &before, const CallTree &after)
{
    // The union starts as a copy of `after` (own frame table, so the shared one is never written to).
    CallTreeDiff d{after.deepCopy(), {}, {}, before.total(), after.total(), 1};
    d.scale = before.total() > 0 ? after.total() / before.total() : 0.0;
    // Walk `before` onto the union: nodes only it has are created with zero `after` weight.
    std::vector<FrameId> frameMap(before.frames().size());
    std::vector<CallNodeId> nodeMap(before.size());
    nodeMap[0] = CallTree::root();
    d.before.assign(d.tree.size(), 0.0);
    d.beforeSelf.assign(d.tree.size(), 0.0);
    const auto put = [&](CallNodeId id, const CallTree::Node &src) {
        if (id.value >= d.before.size()) {
            d.before.resize(id.value + 1, 0.0);
            d.beforeSelf.resize(id.value + 1, 0.0);
        }
        d.before[id.value] += src.total * d.scale;
        d.beforeSelf[id.value] += src.self * d.scale;
    };
    put(CallTree::root(), before.node(CallTree::root()));
    for (std::size_t i = 1; i < before.size(); ++i) {
        const CallTree::Node &src = before.node(CallNodeId(std::uint32_t(i)));
        FrameId &f = frameMap[src.frame.value];
        if (!f.isValid()) {
            const Frame &frame = before.frames()[src.frame];
            f = d.tree.frames().intern(frame.name, frame.module);
        }
        nodeMap[i] = d.tree.child(nodeMap[src.parent.value], f);
        put(nodeMap[i], src);
    }
    d.before.resize(d.tree.size(), 0.0);
    d.beforeSelf.resize(d.tree.size(), 0.0);
    return d;
}

namespace {
// Visits nodes of `function` that have no ancestor of the same function (the outermost calls), depth first.
template<typename Visit>
void forOutermost(const CallTree &tree, FrameId function, Visit &&visit)
{
    struct Item
    {
        CallNodeId id;
        int inside; // calls of `function` on the path above, including this node
    };
    std::vector<Item> stack{{CallTree::root(), 0}};
    while (!stack.empty()) {
        const Item item = stack.back();
        stack.pop_back();
        for (CallNodeId c = tree.node(item.id).firstChild; c.isValid(); c = tree.node(c).nextSibling) {
            const bool match = tree.node(c).frame == function;
            if (match && item.inside == 0) {
                visit(c);
                continue; // everything below is inside this call
            }
            stack.push_back({c, item.inside + (match ? 1 : 0)});
        }
    }
}
} // namespace

CallTree callersOf(const CallTree &tree, FrameId function)
{
    CallTree out(tree.frameTable());
    out.unit = tree.unit;
    std::vector<FrameId> stack;
    forOutermost(tree, function, [&](CallNodeId n) {
        stack.clear();
        for (CallNodeId at = n; at.isValid() && at != CallTree::root(); at = tree.node(at).parent)
            stack.push_back(tree.node(at).frame); // the function first, then its callers outwards
        out.addStack(stack, tree.node(n).total);
    });
    // Self of the inverted tree is meaningless except at the callers' ends; keep it as the top-caller weight.
    return out;
}

CallTree calleesOf(const CallTree &tree, FrameId function)
{
    CallTree out(tree.frameTable());
    out.unit = tree.unit;
    const CallNodeId top = out.child(CallTree::root(), function);
    forOutermost(tree, function, [&](CallNodeId n) {
        // Copy the call's subtree under the merged root; self weights carry the totals up with them.
        std::vector<std::pair<CallNodeId, CallNodeId>> work{{n, top}}; // (source, destination)
        while (!work.empty()) {
            const auto [src, dst] = work.back();
            work.pop_back();
            const CallTree::Node &s = tree.node(src);
            if (s.self != 0)
                out.addWeight(dst, s.self);
            for (CallNodeId c = s.firstChild; c.isValid(); c = tree.node(c).nextSibling)
                work.push_back({c, out.child(dst, tree.node(c).frame)});
        }
    });
    return out;
}

} // namespace Nocturne::Engine

#include "profile/profile.h"

namespace Nocturne::Engine {

void TimelineBuilder::sample(double time, const std::vector<FrameId> &rootToLeaf)
{
    std::size_t keep = 0;
    while (keep < m_open.size() && keep < rootToLeaf.size() && m_track.spans[m_open[keep]].frame == rootToLeaf[keep])
        ++keep;
    while (m_open.size() > keep)
        close(time);
    for (std::size_t d = keep; d < rootToLeaf.size(); ++d)
        open(time, rootToLeaf[d]);
}

void TimelineBuilder::open(double time, FrameId frame)
{
    if (m_track.spans.empty() && m_open.empty())
        m_track.start = time;
    m_open.push_back(m_track.spans.size());
    m_track.spans.push_back({frame, std::uint32_t(m_open.size() - 1), time, time});
}

bool TimelineBuilder::close(double time)
{
    if (m_open.empty())
        return false;
    m_track.spans[m_open.back()].end = time;
    m_open.pop_back();
    m_track.end = std::max(m_track.end, time);
    return true;
}

void TimelineBuilder::finish(double time)
{
    while (!m_open.empty())
        close(time);
    m_track.end = std::max(m_track.end, time);
}

} // namespace Nocturne::Engine
