#include "hotspots.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "core/pattern.h"

namespace Nocturne::Engine {

double HotspotTable::selfShare(std::string_view name) const
{
    double sum = 0;
    for (const auto &f : functions)
        sum += f.name == name ? f.self : 0.0;
    return total > 0 ? sum / total : 0.0;
}

double HotspotTable::totalShare(std::string_view name) const
{
    double sum = 0;
    for (const auto &f : functions)
        sum += f.name == name ? f.total : 0.0;
    return total > 0 ? std::min(1.0, sum / total) : 0.0;
}

namespace {
// Depth-first walk calling enter(node) and leave(node); iterative so deep stacks cannot overflow.
template<typename Enter, typename Leave>
void walk(const CallTree &tree, Enter &&enter, Leave &&leave)
{
    std::vector<std::pair<CallNodeId, bool>> stack{{CallTree::root(), false}};
    while (!stack.empty()) {
        auto [id, done] = stack.back();
        stack.pop_back();
        if (done) {
            leave(id);
            continue;
        }
        enter(id);
        stack.push_back({id, true});
        for (CallNodeId c = tree.node(id).firstChild; c.isValid(); c = tree.node(c).nextSibling)
            stack.push_back({c, false});
    }
}

// Inclusive weight of the functions `match` accepts, counting each stack once (outermost matching call).
template<typename Match>
double inclusiveWeight(const CallTree &tree, Match &&match)
{
    double sum = 0;
    int inside = 0;
    walk(
        tree,
        [&](CallNodeId id) {
            if (id == CallTree::root() || !match(tree.node(id).frame))
                return;
            if (inside++ == 0)
                sum += tree.node(id).total;
        },
        [&](CallNodeId id) {
            if (id != CallTree::root() && match(tree.node(id).frame))
                --inside;
        });
    return sum;
}
} // namespace

HotspotTable hotspots(const CallTree &tree)
{
    HotspotTable table;
    table.total = tree.total();
    const std::size_t frames = tree.frames().size();
    std::vector<double> self(frames, 0.0), total(frames, 0.0);
    std::vector<int> onPath(frames, 0);
    walk(
        tree,
        [&](CallNodeId id) {
            const auto &n = tree.node(id);
            if (!n.frame.isValid())
                return;
            self[n.frame.value] += n.self;
            if (onPath[n.frame.value]++ == 0)
                total[n.frame.value] += n.total;
        },
        [&](CallNodeId id) {
            const auto &n = tree.node(id);
            if (n.frame.isValid())
                --onPath[n.frame.value];
        });
    for (std::size_t f = 0; f < frames; ++f) {
        if (total[f] > 0 || self[f] > 0)
            table.functions.push_back({FrameId(std::uint32_t(f)), tree.frames()[FrameId(std::uint32_t(f))].name, self[f], total[f]});
    }
    std::sort(table.functions.begin(), table.functions.end(), [](const FunctionStat &a, const FunctionStat &b) {
        return a.self != b.self ? a.self > b.self : a.total > b.total;
    });
    return table;
}

std::vector<char> matchFrames(const FrameTable &frames, const std::string &pattern, std::string *error)
{
    std::vector<char> mask(frames.size(), 0);
    // The pattern is typed into the flame graph's search box: RE2 keeps a hostile one linear in the frame name.
    const auto re = Pattern::compile(pattern, Pattern::Options{.caseInsensitive = true}, "frame search");
    if (!re) {
        if (error)
            *error = re.error().message;
        return mask;
    }
    for (std::size_t f = 0; f < frames.size(); ++f)
        mask[f] = re->partialMatch(frames[FrameId(std::uint32_t(f))].name) ? 1 : 0;
    return mask;
}

double inclusiveShare(const CallTree &tree, const std::vector<char> &frameMask)
{
    if (tree.total() <= 0)
        return 0.0;
    const auto match = [&](FrameId f) { return f.isValid() && f.value < frameMask.size() && frameMask[f.value]; };
    return inclusiveWeight(tree, match) / tree.total();
}

std::vector<Mover> topMovers(const CallTree &before, const CallTree &after, std::size_t limit)
{
    std::unordered_map<std::string, Mover> byName;
    const auto add = [&](const CallTree &tree, bool isAfter) {
        const HotspotTable t = hotspots(tree);
        for (const auto &f : t.functions) {
            Mover &m = byName[f.name];
            m.name = f.name;
            const double share = t.total > 0 ? f.total / t.total : 0.0;
            const double selfShare = t.total > 0 ? f.self / t.total : 0.0;
            (isAfter ? m.afterShare : m.beforeShare) += share;
            (isAfter ? m.afterSelfShare : m.beforeSelfShare) += selfShare;
        }
    };
    add(before, false);
    add(after, true);
    std::vector<Mover> out;
    out.reserve(byName.size());
    for (auto &[_, m] : byName)
        out.push_back(std::move(m));
    std::sort(out.begin(), out.end(), [](const Mover &a, const Mover &b) {
        return std::abs(a.delta()) != std::abs(b.delta()) ? std::abs(a.delta()) > std::abs(b.delta()) : a.name < b.name;
    });
    if (out.size() > limit)
        out.resize(limit);
    return out;
}

// ---- rules -------------------------------------------------------------------------------------------------------

struct HotspotRule::Node
{
    enum class Kind { Number, Function, Compare, And, Or, Not } kind = Kind::Number;
    double number = 0;
    bool percent = false;
    std::string function; // hotspot/total/self/delta
    std::string argument; // the name or the pattern as written
    bool isRegex = false;
    Pattern regex; // unanchored, like the search box; (?i) makes it case-insensitive
    std::string op;
    std::shared_ptr<const Node> left, right;
};

namespace {
using RuleNode = HotspotRule::Node;
using NodePtr = std::shared_ptr<const RuleNode>;

class RuleParser
{
public:
    explicit RuleParser(std::string_view text)
        : m_text(text)
    {
    }

    Result<NodePtr> parse()
    {
        auto e = orExpr();
        if (!e)
            return e;
        skip();
        if (m_pos != m_text.size())
            return fail("unexpected '" + std::string(m_text.substr(m_pos, 12)) + "'");
        return e;
    }

private:
    tl::unexpected<Error> fail(const std::string &what) const
    {
        return makeError(ErrorCode::ParseError, what, "rule column " + std::to_string(m_pos + 1));
    }
    void skip()
    {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
            ++m_pos;
    }
    bool take(std::string_view token)
    {
        skip();
        if (m_text.substr(m_pos, token.size()) != token)
            return false;
        // Word operators must end at a word boundary ("order" is not "or" + "der").
        if (std::isalpha(static_cast<unsigned char>(token.back())) && m_pos + token.size() < m_text.size()
            && (std::isalnum(static_cast<unsigned char>(m_text[m_pos + token.size()])) || m_text[m_pos + token.size()] == '_'))
            return false;
        m_pos += token.size();
        return true;
    }
    static NodePtr binary(RuleNode::Kind kind, NodePtr l, NodePtr r, std::string op = {})
    {
        auto n = std::make_shared<RuleNode>();
        n->kind = kind;
        n->left = std::move(l);
        n->right = std::move(r);
        n->op = std::move(op);
        return n;
    }
    Result<NodePtr> orExpr()
    {
        auto l = andExpr();
        while (l && (take("||") || take("or"))) {
            auto r = andExpr();
            if (!r)
                return r;
            l = binary(RuleNode::Kind::Or, *l, *r);
        }
        return l;
    }
    Result<NodePtr> andExpr()
    {
        auto l = notExpr();
        while (l && (take("&&") || take("and"))) {
            auto r = notExpr();
            if (!r)
                return r;
            l = binary(RuleNode::Kind::And, *l, *r);
        }
        return l;
    }
    Result<NodePtr> notExpr()
    {
        if (take("not") || (peek('!') && !peekAt(1, '=') && take("!"))) {
            auto inner = notExpr();
            if (!inner)
                return inner;
            return binary(RuleNode::Kind::Not, *inner, nullptr);
        }
        if (take("(")) {
            auto inner = orExpr();
            if (!inner)
                return inner;
            if (!take(")"))
                return fail("expected ')'");
            return inner;
        }
        return compare();
    }
    bool peek(char c)
    {
        skip();
        return m_pos < m_text.size() && m_text[m_pos] == c;
    }
    bool peekAt(std::size_t offset, char c) const { return m_pos + offset < m_text.size() && m_text[m_pos + offset] == c; }

    Result<NodePtr> compare()
    {
        auto l = value();
        if (!l)
            return l;
        for (std::string_view op : {">=", "<=", "==", "!=", ">", "<"}) {
            if (take(op)) {
                auto r = value();
                if (!r)
                    return r;
                if ((*l)->kind == RuleNode::Kind::Number && (*r)->kind == RuleNode::Kind::Number)
                    return fail("a comparison needs a function on one side");
                return binary(RuleNode::Kind::Compare, *l, *r, std::string(op));
            }
        }
        return fail("expected a comparison (>, >=, <, <=, ==, !=)");
    }
    Result<NodePtr> value()
    {
        skip();
        auto n = std::make_shared<RuleNode>();
        const std::size_t start = m_pos;
        if (m_pos < m_text.size() && (std::isdigit(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '.' || m_text[m_pos] == '-')) {
            std::size_t end = m_pos + 1;
            while (end < m_text.size() && (std::isdigit(static_cast<unsigned char>(m_text[end])) || m_text[end] == '.' || m_text[end] == 'e'))
                ++end;
            try {
                n->number = std::stod(std::string(m_text.substr(m_pos, end - m_pos)));
            } catch (...) {
                return fail("bad number");
            }
            m_pos = end;
            if (take("%")) {
                n->number /= 100.0;
                n->percent = true;
            }
            return NodePtr(n);
        }
        while (m_pos < m_text.size() && (std::isalpha(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_'))
            ++m_pos;
        const std::string name(m_text.substr(start, m_pos - start));
        if (name.empty())
            return fail("expected a number or a function");
        if (name != "hotspot" && name != "total" && name != "self" && name != "delta") {
            m_pos = start;
            return fail("unknown function '" + name + "' (hotspot, total, self, delta)");
        }
        n->kind = RuleNode::Kind::Function;
        n->function = name;
        if (!take("("))
            return fail("expected '(' after " + name);
        skip();
        if (m_pos < m_text.size() && m_text[m_pos] == '~') {
            n->isRegex = true;
            ++m_pos;
        }
        skip();
        if (m_pos >= m_text.size() || m_text[m_pos] != '"')
            return fail("expected a quoted function name");
        ++m_pos;
        std::string arg;
        while (m_pos < m_text.size() && m_text[m_pos] != '"') {
            if (m_text[m_pos] == '\\' && m_pos + 1 < m_text.size())
                ++m_pos;
            arg.push_back(m_text[m_pos++]);
        }
        if (m_pos >= m_text.size())
            return fail("unterminated string");
        ++m_pos;
        n->argument = arg;
        if (n->isRegex) {
            auto re = Pattern::compile(arg);
            if (!re)
                return fail("bad regular expression: " + re.error().message);
            n->regex = std::move(*re);
        }
        if (!take(")"))
            return fail("expected ')'");
        return NodePtr(n);
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

Result<double> functionValue(const RuleNode &n, const HotspotContext &ctx)
{
    const auto share = [&](const CallTree &tree, bool self) -> double {
        if (tree.total() <= 0)
            return 0.0;
        std::vector<char> matches(tree.frames().size(), 0);
        for (std::size_t f = 0; f < matches.size(); ++f) {
            const std::string &name = tree.frames()[FrameId(std::uint32_t(f))].name;
            matches[f] = n.isRegex ? n.regex.partialMatch(name) : name == n.argument;
        }
        const auto match = [&](FrameId f) { return f.isValid() && matches[f.value]; };
        if (!self)
            return inclusiveWeight(tree, match) / tree.total();
        double sum = 0;
        for (std::size_t i = 1; i < tree.size(); ++i) {
            const auto &node = tree.node(CallNodeId(std::uint32_t(i)));
            sum += match(node.frame) ? node.self : 0.0;
        }
        return sum / tree.total();
    };
    if (!ctx.profile)
        return makeError(ErrorCode::InvalidArgument, "no profile to evaluate the rule on");
    if (n.function == "self")
        return share(*ctx.profile, true);
    if (n.function == "delta") {
        if (!ctx.baseline)
            return makeError(ErrorCode::InvalidArgument, "delta() needs a baseline profile");
        return share(*ctx.profile, false) - share(*ctx.baseline, false);
    }
    return share(*ctx.profile, false);
}

Result<bool> evaluateNode(const RuleNode &n, const HotspotContext &ctx, std::string *explanation)
{
    using K = RuleNode::Kind;
    switch (n.kind) {
    case K::And: {
        auto l = evaluateNode(*n.left, ctx, explanation);
        if (!l || !*l)
            return l;
        return evaluateNode(*n.right, ctx, explanation);
    }
    case K::Or: {
        auto l = evaluateNode(*n.left, ctx, explanation);
        if (!l || *l)
            return l;
        return evaluateNode(*n.right, ctx, explanation);
    }
    case K::Not: {
        auto v = evaluateNode(*n.left, ctx, explanation);
        return v ? Result<bool>(!*v) : v;
    }
    case K::Compare: {
        const auto side = [&](const RuleNode &s) -> Result<double> {
            return s.kind == K::Number ? Result<double>(s.number) : functionValue(s, ctx);
        };
        auto l = side(*n.left);
        if (!l)
            return tl::unexpected(l.error());
        auto r = side(*n.right);
        if (!r)
            return tl::unexpected(r.error());
        bool v = false;
        if (n.op == ">") v = *l > *r;
        else if (n.op == ">=") v = *l >= *r;
        else if (n.op == "<") v = *l < *r;
        else if (n.op == "<=") v = *l <= *r;
        else if (n.op == "==") v = std::abs(*l - *r) < 1e-12;
        else v = std::abs(*l - *r) >= 1e-12;
        if (explanation) {
            const auto text = [](const RuleNode &s, double value) {
                char buf[160];
                if (s.kind == K::Number)
                    std::snprintf(buf, sizeof buf, "%g %%", value * 100);
                else
                    std::snprintf(buf, sizeof buf, "%s(%s\"%s\") = %.1f %%", s.function.c_str(), s.isRegex ? "~" : "", s.argument.c_str(), value * 100);
                return std::string(buf);
            };
            if (!explanation->empty())
                *explanation += "; ";
            *explanation += text(*n.left, *l) + " " + n.op + " " + text(*n.right, *r) + (v ? " (holds)" : " (does not hold)");
        }
        return v;
    }
    default:
        return makeError(ErrorCode::Internal, "malformed rule");
    }
}
} // namespace

Result<HotspotRule> HotspotRule::parse(std::string_view text)
{
    RuleParser parser(text);
    auto root = parser.parse();
    if (!root)
        return tl::unexpected(root.error());
    HotspotRule rule;
    rule.m_text = std::string(text);
    rule.m_root = *root;
    return rule;
}

Result<bool> HotspotRule::evaluate(const HotspotContext &context) const
{
    return evaluateNode(*m_root, context, nullptr);
}

std::string HotspotRule::explain(const HotspotContext &context) const
{
    std::string text;
    if (auto r = evaluateNode(*m_root, context, &text); !r)
        return r.error().message;
    return text;
}

} // namespace Nocturne::Engine
