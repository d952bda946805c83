#pragma once

// Internals of the fault model shared by fault_model.cpp (the estate graph, the propagation, the public functions)
// and fault_classes.cpp (what each class does at its root). Not part of the engine's interface.

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scenario/scenario.h"

namespace Nocturne::Engine::FaultModelDetail {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Propagation along the call graph. A caller's p99 grows by the extra time of the calls that reach the trouble,
// diluted per hop (timeouts, parallel calls, the caller's own work); errors are mostly absorbed per hop (retries,
// fallbacks). Calibrated on the hand-written faults of shop.yaml (row lock: inventory ×6, order ×5, gateway ×1.6;
// bad deploy: web ×6, mobile-bff ×5, gateway ×3).
constexpr double kLatencyDilution = 0.85;
constexpr double kErrorAbsorption = 0.2;
// What detection can see on a caller: below these the propagation stops.
constexpr double kMinLatencyFactor = 1.15;
constexpr double kMinErrorFactor = 1.5;
constexpr double kMaxLatencyFactor = 20;
constexpr double kMaxErrorFactor = 50;
constexpr int kMaxHops = 8;

enum class FaultClass {
    CpuSaturation,
    MemoryLeak,
    ConnectionPoolExhausted,
    BadDeploy,
    LatencyInjection,
    NetworkDelay,
    RowLockContention,
    CacheMissStorm,
    RedisSlotMigration,
    GpuFallenOffBus,
    CongestedUplink,
    PfcStorm,
    TransceiverDegradation,
    Unknown,
};

using Links = std::vector<std::vector<std::pair<std::size_t, double>>>;
using Lists = std::vector<std::vector<std::size_t>>;

// The estate's relations by entity index, built once per call.
struct Graph {
    const Estate &estate;
    Links callers; // per entity: (caller, share); self-calls left out
    Links callees; // per entity: (callee, share); self-calls left out
    Lists parts;   // per entity: the entities whose parent it is
    Lists hosted;  // per entity: what runs on it (Entity::host, runs-on edges)
    Lists linked;  // per entity: connects-to peers, both directions
    Lists groups;  // per entity: what it is a member of
    Lists members; // per entity: its members

    explicit Graph(const Estate &e);

    std::size_t index(const std::string &id) const;
    const Entity &at(std::size_t i) const { return estate.entities[i]; }
    EntityKind kind(std::size_t i) const { return estate.entities[i].kind; }
    std::size_t parentOf(std::size_t i) const { return index(estate.entities[i].parent); }
    std::vector<std::size_t> partsOfKind(std::size_t i, EntityKind k) const;
    std::size_t ancestorOfKind(std::size_t i, EntityKind k) const;
    // The entity's parameter, else its parent's (pods take their service's).
    double param(std::size_t i, const char *name, double fallback) const;
    // The p99 a service reports, and its error ratio (the bases of its metrics).
    double ownSeconds(std::size_t service) const;
    double ownErrors(std::size_t service) const;
    // What one call into the entity costs the caller, and how often it fails (the bases of the call-edge series).
    double callSeconds(std::size_t callee) const;
    double callErrors(std::size_t callee) const;
    // The caller sending the most requests into the entity, or kNone.
    std::size_t topCaller(std::size_t callee) const;
    // Servers whose NICs are cabled to the switch (and, depth > 0, to switches cabled to it).
    void serversBehindSwitch(std::size_t sw, int depth, std::set<std::size_t> &servers, std::set<std::size_t> &seen) const;
    std::vector<std::size_t> jobsOf(const std::set<std::size_t> &servers) const;
    // A port of a switch cabled to a port owned by an entity of kind `peerOwner`.
    bool switchPortLinkedTo(std::size_t port, EntityKind peerOwner) const;
};

// Whether the generator produces this metric for the entity (metric catalog, params such as a DB pool).
bool hasMetric(const Entity &e, std::string_view metric);

// Where the trouble is seen from its callers: each call into `entity` takes `extraSeconds` longer and fails with
// `extraErrors` more probability, from `latencyLag` / `errorLag` after the onset.
struct Source {
    std::size_t entity = kNone;
    double extraSeconds = 0;
    double extraErrors = 0;
    Duration latencyLag = 0;
    Duration errorLag = 0;
    Duration ramp = 30 * kSecond;
};

// Collects a fault's effects and log lines, spreads the sources' trouble to their callers, and writes the ground truth.
class Builder
{
public:
    Builder(const Graph &graph, FaultSpec &spec, std::size_t root, std::uint64_t seed);

    const Graph &graph() const { return m_g; }
    std::size_t root() const { return m_root; }
    Duration duration() const { return m_spec.duration; }
    std::uint64_t seed() const { return m_seed; }
    const std::string &id(std::size_t i) const { return m_g.at(i).id; }
    FaultSpec &spec() { return m_spec; }

    // An effect on a metric the generator produces for this entity (others would be dropped by it anyway).
    void effect(std::size_t entity, const char *metric, FaultEffect::Op op, double value, Duration lag = 0, Duration ramp = 30 * kSecond,
                Duration hold = 0);
    // An effect on the client side of the call edge caller → callee (the series "caller->callee").
    void edgeEffect(std::size_t caller, std::size_t callee, const char *metric, double scale, Duration lag, Duration ramp = 30 * kSecond);
    void log(std::size_t entity, const char *level, std::string text, double perMinute, Duration lag = 0);
    void source(Source s);
    // On the fault's path without an effect of its own (a switch whose port is the root): part of the ground truth.
    void involve(std::size_t entity) { touch(entity); }
    // 5–15 s, deterministic from the seed and the edge.
    Duration hopLag(std::size_t caller, std::size_t callee) const;

    // Effects on the callers of every source (merged per entity and metric), then the ground truth.
    void propagate();
    void finish();

private:
    void touch(std::size_t entity);
    void propagateFrom(const Source &s);

    struct Pending {
        double excess = 0; // factor − 1, summed over sources
        Duration lag = 0;
        Duration ramp = 0;
    };
    const Graph &m_g;
    FaultSpec &m_spec;
    std::size_t m_root;
    std::uint64_t m_seed;
    std::vector<std::size_t> m_touched; // in the order effects reached them
    std::vector<Source> m_sources;
    std::map<std::pair<std::size_t, std::string>, Pending> m_pending; // caller effects, merged over sources
};

// What each class does at its root (fault_classes.cpp).
void buildFault(FaultClass cls, Builder &b);

} // namespace Nocturne::Engine::FaultModelDetail
