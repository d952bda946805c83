#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace Nocturne::Engine {

enum class EntityKind {
    Service, Pod, Host, Cache, Database, Queue, // shop estate
    Server, Gpu, Nic, Switch, Port, Transceiver, Job, // gpu-cluster estate
};
const char *entityKindName(EntityKind kind);
bool parseEntityKind(const std::string &text, EntityKind &kind);

struct Entity {
    std::string id;     // stable, human-readable: "order", "order-1", "leaf-03/p17/xcvr"
    EntityKind kind = EntityKind::Service;
    std::string parent; // the service of a pod, the server of a GPU, the switch of a port, the port of a transceiver
    std::string host;   // where it runs (pods, databases, caches)
    std::map<std::string, double> params;       // rps, latency_ms, error_ratio, capacity, …
    std::map<std::string, std::string> labels;  // extra labels on every series of this entity
    double param(const std::string &name, double fallback) const;
};

enum class EdgeKind { Calls, RunsOn, ConnectsTo, MemberOf };
const char *edgeKindName(EdgeKind kind);

struct Edge {
    std::string from;
    std::string to;
    EdgeKind kind = EdgeKind::Calls;
    double share = 1.0; // calls: share of the caller's requests that reach the callee
};

struct Estate {
    std::vector<Entity> entities;
    std::vector<Edge> edges;
    std::unordered_map<std::string, std::size_t> index; // id → position in entities

    const Entity *find(const std::string &id) const;
    void add(Entity entity);
    void rebuildIndex();
};

// How a fault changes one metric of one entity (or of every entity whose id matches a trailing '*').
struct FaultEffect {
    enum class Op { Scale, Add, Set };
    std::string entity;
    std::string metric;
    Op op = Op::Scale;
    double value = 1.0;
    Duration lag = 0;            // after the fault onset
    Duration ramp = 30 * kSecond; // time to full strength, and to recover after the fault ends
    Duration hold = 0;            // effect lasts this long after the fault ends (0: recovers at end)
};

// Log lines a fault adds. The template has variables: {int:A-B}, {hex:N}, {ip}, {choice:a|b|c}, {uuid}, {ms}.
struct FaultLog {
    std::string entity;
    std::string level = "ERROR";
    std::string text;
    double perMinute = 6;
    Duration lag = 0;
};

// A fault with its ground truth: where it starts, what class it is, and the entities it is expected to reach.
struct FaultSpec {
    std::string id;
    std::string faultClass;
    std::string root;
    std::string description;
    Duration onset = 0;    // offset from the scenario start
    Duration duration = 0;
    std::vector<std::string> propagation; // root first
    std::vector<FaultEffect> effects;
    std::vector<FaultLog> logs;
    std::string deployVersion; // non-empty: a deploy event of the root at onset (bad deploys)
};

// One occurrence of a fault in absolute time, with its ground truth.
struct FaultInstance {
    const FaultSpec *spec = nullptr;
    Timestamp onset = 0;
    Timestamp end = 0;
    int cycle = 0;
};

struct DeploySpec {
    Duration at = 0;
    std::string entity;
    std::string version;
};

struct LogTemplate {
    EntityKind kind = EntityKind::Service;
    std::string level = "INFO";
    std::string text;
    double weight = 1;
};

struct Scenario {
    std::string name;
    std::string description;
    std::string source; // file the scenario came from, for error messages
    std::uint64_t seed = 1;
    Timestamp start = 0;
    Duration step = 10 * kSecond;
    Duration defaultDuration = kHour;
    Duration cycle = 0; // > 0: the fault schedule repeats with this period
    double logsPerEntityPerMinute = 6;
    int tracesPerStep = 4;
    Estate estate;
    std::vector<FaultSpec> faults;
    std::vector<DeploySpec> deploys;
    std::vector<LogTemplate> logTemplates;

    // The fault schedule expanded over [from, to): every occurrence whose active span overlaps the window,
    // repeating every `cycle` when set.
    std::vector<FaultInstance> faultInstances(Timestamp from, Timestamp to) const;
};

// '*' matches any run of characters (including '/'); everything else matches itself.
bool globMatch(std::string_view pattern, std::string_view text);

} // namespace Nocturne::Engine
