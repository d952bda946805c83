#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

// Counter-based randomness: every draw is a hash of its coordinates, so results do not depend on call order.
namespace Nocturne::Engine {

// splitmix64 finaliser: a bijective 64-bit mix with good avalanche.
constexpr std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// FNV-1a, then mixed: stable across runs and platforms (std::hash is not).
constexpr std::uint64_t hashString(std::string_view text)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return mix(h);
}

// In [0, 1).
inline double uniform01(std::uint64_t h)
{
    return double(h >> 11) * 0x1.0p-53;
}

// Standard normal via Box–Muller on two uniforms derived from h.
inline double gaussian(std::uint64_t h)
{
    const double u1 = std::max(uniform01(h), 1e-300);
    const double u2 = uniform01(mix(h ^ 0xa0761d6478bd642fULL));
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// Pareto(alpha) minus 1: ≥ 0 with a heavy tail.
inline double pareto(std::uint64_t h, double alpha)
{
    const double u = std::max(1.0 - uniform01(h), 1e-12);
    return std::pow(u, -1.0 / alpha) - 1.0;
}

// Poisson(lambda): inversion for small lambda, rounded normal approximation above 30.
inline int poisson(double lambda, std::uint64_t h)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 30)
        return std::max(0, static_cast<int>(std::lround(lambda + std::sqrt(lambda) * gaussian(h))));
    const double limit = std::exp(-lambda);
    double product = 1.0;
    int k = -1;
    do {
        ++k;
        h = mix(h);
        product *= uniform01(h);
    } while (product > limit && k < 200);
    return k;
}

} // namespace Nocturne::Engine
