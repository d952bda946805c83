#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace Nocturne::Engine {

// A typed index: a SeriesId cannot be passed where an EntityId is expected, and both cost one integer.
template<typename Tag, typename Rep = std::uint32_t>
struct StrongId {
    using ValueType = Rep;
    static constexpr Rep InvalidValue = std::numeric_limits<Rep>::max();

    Rep value = InvalidValue;

    constexpr StrongId() = default;
    constexpr explicit StrongId(Rep v)
        : value(v)
    {
    }
    constexpr bool isValid() const { return value != InvalidValue; }
    constexpr auto operator<=>(const StrongId &) const = default;
};

struct SeriesIdTag;
struct EntityIdTag;
using SeriesId = StrongId<SeriesIdTag>;
using EntityId = StrongId<EntityIdTag>;

} // namespace Nocturne::Engine

template<typename Tag, typename Rep>
struct std::hash<Nocturne::Engine::StrongId<Tag, Rep>> {
    std::size_t operator()(Nocturne::Engine::StrongId<Tag, Rep> id) const noexcept { return std::hash<Rep>{}(id.value); }
};
