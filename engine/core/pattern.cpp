#include "pattern.h"

#include <re2/re2.h>

namespace Nocturne::Engine {

struct Pattern::Impl {
    std::string text;
    std::unique_ptr<RE2> re;
};

Pattern::Pattern() = default;
Pattern::~Pattern() = default;
Pattern::Pattern(const Pattern &) = default;
Pattern &Pattern::operator=(const Pattern &) = default;
Pattern::Pattern(Pattern &&) noexcept = default;
Pattern &Pattern::operator=(Pattern &&) noexcept = default;

Result<Pattern> Pattern::compile(std::string_view pattern, Options options, std::string_view context)
{
    RE2::Options o;
    o.set_log_errors(false);
    o.set_case_sensitive(!options.caseInsensitive);
    o.set_literal(options.literal);
    o.set_max_mem(static_cast<int64_t>(options.maxProgramBytes));
    o.set_encoding(RE2::Options::EncodingUTF8);
    auto impl = std::make_shared<Impl>();
    impl->text = std::string(pattern);
    impl->re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), o);
    if (!impl->re->ok()) {
        std::string where = std::string(context);
        std::string message = impl->re->error();
        const std::string &arg = impl->re->error_arg();
        // RE2 names the offending fragment; its offset is the position a user needs.
        const auto code = impl->re->error_code();
        if (code == RE2::ErrorMissingParen || code == RE2::ErrorMissingBracket || code == RE2::ErrorTrailingBackslash) {
            message += " at offset " + std::to_string(impl->text.size()) + " (end of pattern)";
        } else if (!arg.empty()) {
            const std::size_t at = impl->text.find(arg);
            if (at != std::string::npos)
                message += " at offset " + std::to_string(at);
        }
        message += " in '" + impl->text + "'";
        return makeError(ErrorCode::ParseError, std::move(message), std::move(where));
    }
    Pattern p;
    p.m_impl = std::move(impl);
    return p;
}

std::string Pattern::escape(std::string_view text)
{
    return RE2::QuoteMeta(re2::StringPiece(text.data(), text.size()));
}

const std::string &Pattern::text() const
{
    static const std::string empty;
    return m_impl ? m_impl->text : empty;
}

bool Pattern::fullMatch(std::string_view text) const
{
    return m_impl && RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *m_impl->re);
}

bool Pattern::partialMatch(std::string_view text) const
{
    return m_impl && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m_impl->re);
}

int Pattern::groupCount() const
{
    return m_impl ? m_impl->re->NumberOfCapturingGroups() : 0;
}

bool Pattern::fullMatchGroups(std::string_view text, std::vector<std::string_view> &groups) const
{
    if (!m_impl)
        return false;
    const int n = m_impl->re->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> pieces(std::size_t(n) + 1);
    const re2::StringPiece input(text.data(), text.size());
    if (!m_impl->re->Match(input, 0, input.size(), RE2::ANCHOR_BOTH, pieces.data(), n + 1))
        return false;
    groups.clear();
    for (int i = 1; i <= n; ++i)
        groups.emplace_back(pieces[std::size_t(i)].data() ? std::string_view(pieces[std::size_t(i)].data(), pieces[std::size_t(i)].size())
                                                         : std::string_view());
    return true;
}

} // namespace Nocturne::Engine
