#pragma once

#include <string_view>

namespace Nocturne::Engine {

// Leading and trailing blanks (space, tab, carriage return) removed; the text parsers share it.
inline std::string_view trimBlanks(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

} // namespace Nocturne::Engine
