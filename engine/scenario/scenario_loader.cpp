#include "scenario_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/random.h"
#include "scenario/fault_model.h"
#include "scenario/gpu_cluster_estate.h"

namespace Nocturne::Engine {

namespace {

// Thrown inside this file only, converted to Error at the boundary (parseScenario).
struct LoadError {
    YAML::Mark mark;
    std::string message;
};

[[noreturn]] void fail(const YAML::Node &node, std::string message)
{
    throw LoadError{node.Mark(), std::move(message)};
}

std::string scalar(const YAML::Node &node, const char *what)
{
    if (!node || !node.IsScalar())
        fail(node, std::string("expected a text value for '") + what + "'");
    return node.Scalar();
}

double number(const YAML::Node &node, const char *what)
{
    const std::string text = scalar(node, what);
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        if (used != text.size())
            throw std::invalid_argument(text);
        return value;
    } catch (const std::exception &) {
        fail(node, std::string("expected a number for '") + what + "', got '" + text + "'");
    }
}

Duration duration(const YAML::Node &node, const char *what)
{
    auto parsed = parseDuration(scalar(node, what));
    if (!parsed)
        fail(node, std::string("bad duration for '") + what + "': " + parsed.error().message);
    return *parsed;
}

const YAML::Node required(const YAML::Node &parent, const char *key)
{
    const YAML::Node node = parent[key];
    if (!node)
        fail(parent, std::string("missing required key '") + key + "'");
    return node;
}

std::vector<std::string> stringList(const YAML::Node &node, const char *what)
{
    std::vector<std::string> out;
    if (!node)
        return out;
    if (!node.IsSequence())
        fail(node, std::string("expected a list for '") + what + "'");
    for (const auto &item : node)
        out.push_back(scalar(item, what));
    return out;
}

void parseEntities(const YAML::Node &estateNode, Scenario &scenario)
{
    Estate &estate = scenario.estate;
    const std::vector<std::string> hosts = stringList(estateNode["hosts"], "hosts");
    for (const auto &host : hosts)
        estate.add(Entity{host, EntityKind::Host, {}, {}, {}, {}});

    const YAML::Node list = required(estateNode, "entities");
    if (!list.IsSequence())
        fail(list, "expected a list of entities");
    struct PendingCalls {
        std::string from;
        YAML::Node calls;
    };
    std::vector<PendingCalls> pending;
    std::size_t podCursor = 0;
    for (const auto &node : list) {
        if (!node.IsMap())
            fail(node, "expected an entity mapping with 'id' and 'kind'");
        Entity entity;
        entity.id = scalar(required(node, "id"), "id");
        if (estate.find(entity.id))
            fail(node["id"], "duplicate entity id '" + entity.id + "'");
        const std::string kindText = scalar(required(node, "kind"), "kind");
        if (!parseEntityKind(kindText, entity.kind))
            fail(node["kind"], "unknown entity kind '" + kindText + "'");
        std::vector<std::string> podsOn;
        for (const auto &kv : node) {
            const std::string key = kv.first.Scalar();
            if (key == "id" || key == "kind")
                continue;
            if (key == "calls") {
                if (!kv.second.IsMap())
                    fail(kv.second, "expected 'calls' to map callee → share");
                pending.push_back({entity.id, kv.second});
            } else if (key == "host") {
                entity.host = scalar(kv.second, "host");
                if (!estate.find(entity.host))
                    fail(kv.second, "unknown host '" + entity.host + "'");
            } else if (key == "pods_on") {
                podsOn = stringList(kv.second, "pods_on");
            } else if (kv.second.IsScalar()) {
                try {
                    std::size_t used = 0;
                    const double value = std::stod(kv.second.Scalar(), &used);
                    if (used == kv.second.Scalar().size())
                        entity.params[key] = value;
                    else
                        entity.labels[key] = kv.second.Scalar();
                } catch (const std::exception &) {
                    entity.labels[key] = kv.second.Scalar();
                }
            } else {
                fail(kv.second, "unexpected structure for '" + key + "'");
            }
        }
        const int replicas = static_cast<int>(entity.param("replicas", 0));
        const std::string serviceId = entity.id;
        if (!entity.host.empty())
            estate.edges.push_back(Edge{entity.id, entity.host, EdgeKind::RunsOn, 1.0});
        estate.add(std::move(entity));
        for (int i = 0; i < replicas; ++i) {
            if (hosts.empty())
                fail(node, "services with replicas need 'estate.hosts' to place their pods on");
            Entity pod;
            pod.id = serviceId + "-" + std::to_string(i);
            pod.kind = EntityKind::Pod;
            pod.parent = serviceId;
            if (!podsOn.empty())
                pod.host = podsOn[static_cast<std::size_t>(i) % podsOn.size()];
            else
                pod.host = hosts[podCursor++ % hosts.size()];
            if (!estate.find(pod.host))
                fail(node, "pods_on names unknown host '" + pod.host + "'");
            estate.edges.push_back(Edge{pod.id, pod.host, EdgeKind::RunsOn, 1.0});
            estate.edges.push_back(Edge{pod.id, serviceId, EdgeKind::MemberOf, 1.0});
            estate.add(std::move(pod));
        }
    }
    for (const auto &p : pending) {
        for (const auto &kv : p.calls) {
            const std::string to = kv.first.Scalar();
            if (!estate.find(to))
                fail(kv.first, "'" + p.from + "' calls unknown entity '" + to + "'");
            const double share = number(kv.second, "calls share");
            if (share <= 0 || share > 1)
                fail(kv.second, "call share must be in (0, 1]");
            estate.edges.push_back(Edge{p.from, to, EdgeKind::Calls, share});
        }
    }
}

FaultEffect::Op parseOp(const YAML::Node &node)
{
    const std::string op = scalar(node, "op");
    if (op == "scale")
        return FaultEffect::Op::Scale;
    if (op == "add")
        return FaultEffect::Op::Add;
    if (op == "set")
        return FaultEffect::Op::Set;
    fail(node, "unknown effect op '" + op + "' (use scale, add or set)");
}

// Effects target entities ("order", "recommendation-*") or call edges ("cart->user", "*->user").
bool entityPatternMatchesAny(const Estate &estate, const std::string &pattern)
{
    for (const auto &e : estate.entities) {
        if (globMatch(pattern, e.id))
            return true;
    }
    for (const auto &edge : estate.edges) {
        if (edge.kind == EdgeKind::Calls && globMatch(pattern, edge.from + "->" + edge.to))
            return true;
    }
    return false;
}

void parseFaults(const YAML::Node &list, Scenario &scenario)
{
    if (!list)
        return;
    if (!list.IsSequence())
        fail(list, "expected a list of faults");
    for (const auto &node : list) {
        FaultSpec fault;
        fault.id = scalar(required(node, "id"), "id");
        fault.faultClass = scalar(required(node, "class"), "class");
        fault.root = scalar(required(node, "root"), "root");
        if (!scenario.estate.find(fault.root))
            fail(node["root"], "fault root '" + fault.root + "' is not an entity of the estate");
        if (node["description"])
            fault.description = scalar(node["description"], "description");
        fault.onset = duration(required(node, "onset"), "onset");
        fault.duration = duration(required(node, "duration"), "duration");
        if (fault.duration <= 0)
            fail(node["duration"], "fault duration must be positive");
        // A fault without effects (or with `synthesize: true`) gets them from the fault model; hand-written effects
        // then override the synthesized ones on the same (entity, metric). Faults with effects stay exactly as written.
        const YAML::Node effectsNode = node["effects"];
        const bool handWritten = effectsNode && effectsNode.IsSequence() && effectsNode.size() > 0;
        bool synthesize = !handWritten;
        if (const YAML::Node flag = node["synthesize"]) {
            const std::string text = scalar(flag, "synthesize");
            if (text != "true" && text != "false")
                fail(flag, "expected true or false for 'synthesize', got '" + text + "'");
            synthesize = text == "true";
        }
        if (synthesize && canonicalFaultClass(fault.faultClass).empty()) {
            if (node["synthesize"] || !node["propagation"]) {
                std::string known;
                for (const auto &name : knownFaultClasses())
                    known += (known.empty() ? "" : ", ") + name;
                fail(node["class"], "fault class '" + fault.faultClass + "' has no effects and the fault model cannot synthesize it (known: "
                                        + known + ")");
            }
            synthesize = false; // ground truth only, as before the fault model
        }
        if (synthesize && !isEligibleRoot(scenario.estate, fault.faultClass, fault.root))
            fail(node["root"], "'" + fault.root + "' cannot be the root of a " + fault.faultClass + " fault (it needs "
                                   + eligibilityText(fault.faultClass) + ")");
        FaultSpec synthesized;
        if (synthesize)
            synthesized = synthesizeFault(scenario.estate, fault.faultClass, fault.root, fault.onset, fault.duration,
                                          mix(scenario.seed ^ hashString(fault.id)));
        if (node["propagation"] || !synthesize) {
            fault.propagation = stringList(node["propagation"], "propagation");
            if (fault.propagation.empty() || fault.propagation.front() != fault.root)
                fail(node, "'propagation' must start with the root entity '" + fault.root + "'");
            for (std::size_t i = 0; i < fault.propagation.size(); ++i) {
                if (!scenario.estate.find(fault.propagation[i]))
                    fail(node["propagation"][i], "unknown entity '" + fault.propagation[i] + "' in propagation");
            }
        } else {
            fault.propagation = synthesized.propagation;
        }
        if (node["deploy_version"])
            fault.deployVersion = scalar(node["deploy_version"], "deploy_version");
        else if (synthesize)
            fault.deployVersion = synthesized.deployVersion;
        if (synthesize && fault.description.empty())
            fault.description = synthesized.description;
        for (const auto &e : effectsNode) {
            FaultEffect effect;
            effect.entity = scalar(required(e, "entity"), "entity");
            if (!entityPatternMatchesAny(scenario.estate, effect.entity))
                fail(e["entity"], "effect entity '" + effect.entity + "' matches no entity or call edge");
            effect.metric = scalar(required(e, "metric"), "metric");
            effect.op = parseOp(required(e, "op"));
            effect.value = number(required(e, "value"), "value");
            if (e["lag"])
                effect.lag = duration(e["lag"], "lag");
            if (e["ramp"])
                effect.ramp = duration(e["ramp"], "ramp");
            if (e["hold"])
                effect.hold = duration(e["hold"], "hold");
            fault.effects.push_back(std::move(effect));
        }
        for (const auto &l : node["logs"]) {
            FaultLog log;
            log.entity = scalar(required(l, "entity"), "entity");
            if (!scenario.estate.find(log.entity))
                fail(l["entity"], "log entity '" + log.entity + "' is not an entity of the estate");
            if (l["level"])
                log.level = scalar(l["level"], "level");
            log.text = scalar(required(l, "text"), "text");
            if (l["per_minute"])
                log.perMinute = number(l["per_minute"], "per_minute");
            if (l["lag"])
                log.lag = duration(l["lag"], "lag");
            fault.logs.push_back(std::move(log));
        }
        if (synthesize) {
            std::vector<FaultEffect> own = std::move(fault.effects);
            fault.effects = std::move(synthesized.effects);
            applyEffectOverrides(fault, own);
            if (fault.logs.empty())
                fault.logs = std::move(synthesized.logs);
            // Entities a hand-written override reaches belong to the ground truth too.
            if (!node["propagation"]) {
                for (const FaultEffect &effect : own) {
                    const std::string &entity = effect.entity;
                    if (scenario.estate.find(entity)
                        && std::find(fault.propagation.begin(), fault.propagation.end(), entity) == fault.propagation.end())
                        fault.propagation.push_back(entity);
                }
            }
        }
        scenario.faults.push_back(std::move(fault));
    }
}

Scenario parse(const YAML::Node &root, const std::string &sourceName)
{
    if (!root.IsMap())
        fail(root, "a scenario file is a mapping with 'name', 'estate' and 'faults'");
    Scenario scenario;
    scenario.source = sourceName;
    scenario.name = scalar(required(root, "name"), "name");
    if (root["description"])
        scenario.description = scalar(root["description"], "description");
    if (root["seed"])
        scenario.seed = static_cast<std::uint64_t>(number(root["seed"], "seed"));
    auto start = parseIso8601(scalar(required(root, "start"), "start"));
    if (!start)
        fail(root["start"], start.error().message);
    scenario.start = *start;
    if (root["step"])
        scenario.step = duration(root["step"], "step");
    if (scenario.step < kMillisecond)
        fail(root["step"], "step must be at least 1ms");
    if (root["duration"])
        scenario.defaultDuration = duration(root["duration"], "duration");
    if (root["cycle"])
        scenario.cycle = duration(root["cycle"], "cycle");
    if (root["logs_per_entity_per_minute"])
        scenario.logsPerEntityPerMinute = number(root["logs_per_entity_per_minute"], "logs_per_entity_per_minute");
    if (root["traces_per_step"])
        scenario.tracesPerStep = static_cast<int>(number(root["traces_per_step"], "traces_per_step"));

    const YAML::Node estate = required(root, "estate");
    if (estate["generator"]) {
        const std::string generator = scalar(estate["generator"], "generator");
        if (generator != "gpu-cluster")
            fail(estate["generator"], "unknown estate generator '" + generator + "' (known: gpu-cluster)");
        GpuClusterShape shape;
        auto intParam = [&](const char *key, int &out, int lo, int hi) {
            if (!estate[key])
                return;
            const double v = number(estate[key], key);
            if (v < lo || v > hi)
                fail(estate[key], std::string("'") + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
            out = static_cast<int>(v);
        };
        intParam("servers", shape.servers, 1, 4096);
        intParam("gpus_per_server", shape.gpusPerServer, 1, 16);
        intParam("leaves", shape.leaves, 1, 256);
        intParam("spines", shape.spines, 1, 128);
        intParam("uplinks_per_spine", shape.uplinksPerSpine, 1, 16);
        if (estate["job"])
            shape.job = scalar(estate["job"], "job");
        buildGpuClusterEstate(shape, scenario.estate);
    } else {
        parseEntities(estate, scenario);
    }

    for (const auto &d : root["deploys"]) {
        DeploySpec deploy;
        deploy.at = duration(required(d, "at"), "at");
        deploy.entity = scalar(required(d, "entity"), "entity");
        if (!scenario.estate.find(deploy.entity))
            fail(d["entity"], "deploy of unknown entity '" + deploy.entity + "'");
        deploy.version = scalar(required(d, "version"), "version");
        scenario.deploys.push_back(std::move(deploy));
    }
    for (const auto &t : root["log_templates"]) {
        LogTemplate tpl;
        const std::string kind = scalar(required(t, "kind"), "kind");
        if (!parseEntityKind(kind, tpl.kind))
            fail(t["kind"], "unknown entity kind '" + kind + "'");
        if (t["level"])
            tpl.level = scalar(t["level"], "level");
        tpl.text = scalar(required(t, "text"), "text");
        if (t["weight"])
            tpl.weight = number(t["weight"], "weight");
        scenario.logTemplates.push_back(std::move(tpl));
    }
    parseFaults(root["faults"], scenario);
    return scenario;
}

} // namespace

Result<Scenario> parseScenario(const std::string &yamlText, const std::string &sourceName)
{
    auto where = [&](const YAML::Mark &mark) {
        if (mark.is_null())
            return sourceName;
        return sourceName + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    };
    try {
        const YAML::Node root = YAML::Load(yamlText);
        return parse(root, sourceName);
    } catch (const LoadError &e) {
        return makeError(ErrorCode::ParseError, e.message, where(e.mark));
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg, where(e.mark));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::ParseError, e.what(), sourceName);
    }
}

} // namespace Nocturne::Engine
