#pragma once
// Checks for operator-supplied strings before they reach an argv or a URL. Plugins link no engine internals (so no
// RE2), and these shapes are simple enough that a character loop says exactly what is allowed without any regex
// engine. Each function names the pattern it stands for; unlike QRegularExpression's `$`, none of them lets a
// trailing "\n" through.
#include <QStringView>

namespace Nocturne::Plugins {

namespace Validate {
constexpr bool isDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}
constexpr bool isLower(char16_t c)
{
    return c >= u'a' && c <= u'z';
}
constexpr bool isAlnum(char16_t c)
{
    return isDigit(c) || isLower(c) || (c >= u'A' && c <= u'Z');
}
inline bool isOneOf(char16_t c, QStringView set)
{
    for (QChar s : set) {
        if (s.unicode() == c)
            return true;
    }
    return false;
}

// A Kubernetes DNS-1123 name: [a-z0-9] at both ends, [-a-z0-9] (and '.' when dots are allowed) between.
inline bool isDnsName(QStringView text, qsizetype maxLength, bool allowDots)
{
    if (text.isEmpty() || text.size() > maxLength)
        return false;
    const auto end = [](char16_t c) { return isDigit(c) || isLower(c); };
    if (!end(text.front().unicode()) || !end(text.back().unicode()))
        return false;
    for (QChar q : text) {
        const char16_t c = q.unicode();
        if (!end(c) && c != u'-' && !(allowDots && c == u'.'))
            return false;
    }
    return true;
}
} // namespace Validate

// ^[A-Za-z0-9][A-Za-z0-9_./:-]{0,200}$ — a fabric element id or host name.
inline bool isFabricElementId(QStringView text)
{
    if (text.isEmpty() || text.size() > 201 || !Validate::isAlnum(text.front().unicode()))
        return false;
    for (QChar q : text) {
        if (!Validate::isAlnum(q.unicode()) && !Validate::isOneOf(q.unicode(), u"_./:-"))
            return false;
    }
    return true;
}

// ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ — a Kubernetes namespace (DNS-1123 label).
inline bool isKubernetesNamespace(QStringView text)
{
    return Validate::isDnsName(text, 63, false);
}

// ^(deployment|statefulset|daemonset|node)/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ — a kind/name the kubectl plugin acts
// on, the name a DNS-1123 subdomain.
inline bool isKubernetesTarget(QStringView text)
{
    const qsizetype slash = text.indexOf(u'/');
    if (slash < 0)
        return false;
    const QStringView kind = text.left(slash);
    if (kind != u"deployment" && kind != u"statefulset" && kind != u"daemonset" && kind != u"node")
        return false;
    return Validate::isDnsName(text.mid(slash + 1), 253, true);
}

// ^\d+[units]$ (ASCII digits) — a duration such as "5m"; `units` lists the accepted unit letters, e.g. u"smh".
inline bool isDuration(QStringView text, QStringView units)
{
    if (text.size() < 2 || !Validate::isOneOf(text.back().unicode(), units))
        return false;
    for (QChar q : text.chopped(1)) {
        if (!Validate::isDigit(q.unicode()))
            return false;
    }
    return true;
}

// Not empty and only [A-Za-z0-9_./:=@%+-]: a word a POSIX shell would read back unchanged, shown without quotes.
inline bool isPlainShellWord(QStringView text)
{
    if (text.isEmpty())
        return false;
    for (QChar q : text) {
        if (!Validate::isAlnum(q.unicode()) && !Validate::isOneOf(q.unicode(), u"_./:=@%+-"))
            return false;
    }
    return true;
}

} // namespace Nocturne::Plugins
