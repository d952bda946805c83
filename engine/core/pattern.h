#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace Nocturne::Engine {

// A compiled regular expression with linear-time matching (RE2 underneath, the syntax Prometheus and Alertmanager
// users write). Every pattern that comes from a user, a configuration file or a feed goes through this class: no
// backtracking engine ever sees untrusted input. Copies share the compiled program (immutable, thread-safe).
class Pattern
{
public:
    struct Options {
        bool caseInsensitive = false;
        bool literal = false;            // the text is matched as is, no metacharacters
        std::size_t maxProgramBytes = 1 << 20; // RE2 max_mem: a pattern whose program outgrows this is refused
    };

    Pattern();
    ~Pattern();
    Pattern(const Pattern &);
    Pattern &operator=(const Pattern &);
    Pattern(Pattern &&) noexcept;
    Pattern &operator=(Pattern &&) noexcept;

    // A positioned error ("missing ): at offset 7 in 'a(b|c'") when RE2 refuses the pattern; `context` names where it
    // came from (a file:line, a field name) and is copied into the error.
    static Result<Pattern> compile(std::string_view pattern, Options options, std::string_view context = {});
    static Result<Pattern> compile(std::string_view pattern, std::string_view context = {}) { return compile(pattern, Options{}, context); }

    // `text` with every metacharacter escaped, so that compiling the result matches exactly `text` (RE2::QuoteMeta:
    // UTF-8 passes through, which a backslash before a non-ASCII letter would not).
    static std::string escape(std::string_view text);

    bool valid() const { return m_impl != nullptr; }
    const std::string &text() const;
    // The whole text matches (PromQL/Alertmanager matcher semantics: anchored at both ends).
    bool fullMatch(std::string_view text) const;
    // Some part of the text matches (search boxes, rules).
    bool partialMatch(std::string_view text) const;
    // fullMatch, filling one string per capturing group; false when the text does not match.
    bool fullMatchGroups(std::string_view text, std::vector<std::string_view> &groups) const;
    int groupCount() const;

private:
    struct Impl;
    std::shared_ptr<const Impl> m_impl;
};

} // namespace Nocturne::Engine
