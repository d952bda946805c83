#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/strong_id.h"

namespace Nocturne::Engine {

struct TemplateIdTag;
using TemplateId = StrongId<TemplateIdTag>;

struct MinedTemplate {
    TemplateId id;
    std::vector<std::string> tokens; // "<*>" for variables
    std::uint64_t count = 0;
    std::string text() const;
};

struct MinerConfig {
    double similarity = 0.5;       // share of identical non-variable tokens to join a cluster
    int prefixDepth = 2;           // leading tokens used to route a line in the tree (Drain's depth)
    std::size_t maxChildren = 100; // a tree node with more distinct children routes the rest through <*>
    std::size_t maxTemplates = 100'000; // memory bound: beyond it lines join their leaf's best template or an
                                        // all-variable overflow template of their length
};

// Online template miner in the Drain family: lines are tokenised on white space, variables are masked by a small set
// of general rules (numbers, hex, IPs, UUIDs, paths, identifiers carrying digits, values with units), routed through a
// fixed-depth tree by token count and leading constant tokens, and joined to the most similar template of their leaf
// (positions that differ become <*>). Bounded memory; template ids are stable for the life of the miner.
class TemplateMiner
{
public:
    explicit TemplateMiner(MinerConfig config = {});
    ~TemplateMiner();
    TemplateMiner(TemplateMiner &&) noexcept;
    TemplateMiner &operator=(TemplateMiner &&) noexcept;

    TemplateId add(std::string_view content);
    // Rebuilds the miner from saved templates (ids are the positions in `saved`, so they stay stable across restarts).
    void restore(std::vector<MinedTemplate> saved);
    const MinedTemplate &get(TemplateId id) const { return m_templates[id.value]; }
    // Whether the last add() made a template that differs from a known one in a single word (kept apart until that
    // position shows three words): a variant, not a new kind of message.
    bool lastWasVariant() const { return m_lastVariant; }
    const std::vector<MinedTemplate> &templates() const { return m_templates; }

    // Per-line bounds: longer tokens are variables, tokens past the limit join one trailing variable.
    static constexpr std::size_t kMaxTokens = 256;
    static constexpr std::size_t kMaxTokenBytes = 256;

    // The masked tokens of a message (exposed for tests).
    static std::vector<std::string> maskedTokens(std::string_view content);
    // Byte ranges (offset, length) of the parts of a message that the masking rules treat as variables, for
    // highlighting them where the line is shown.
    static std::vector<std::pair<std::uint32_t, std::uint32_t>> variableSpans(std::string_view content);

private:
    struct Node;
    Node *leafFor(const std::vector<std::string> &tokens);
    void addToLeaf(Node &node, std::uint32_t index);
    void indexTemplate(Node &node, std::uint32_t index);
    bool keepApart(const std::vector<std::uint32_t> &candidates, std::uint32_t best, const std::vector<std::string> &tokens);
    std::vector<std::unique_ptr<Node>> m_byLength; // the tree's first level: token count
    std::vector<MinedTemplate> m_templates;
    std::unordered_map<std::size_t, std::uint32_t> m_overflow; // token count → all-variable template, once at capacity
    MinerConfig m_config;
    std::vector<std::uint32_t> m_candidates; // scratch for indexed leaves
    std::vector<std::uint32_t> m_stamp;      // per template: the lookup that last took it (dedupes candidates)
    std::uint32_t m_epoch = 0;
    bool m_lastVariant = false;
};

} // namespace Nocturne::Engine
