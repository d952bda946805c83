#include "policy.h"
#include "core/text.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace Nocturne::Engine {

std::string substituteEntity(std::string text, const std::string &entity)
{
    for (std::size_t at = text.find("{entity}"); at != std::string::npos; at = text.find("{entity}", at + entity.size()))
        text.replace(at, 8, entity);
    return text;
}

namespace {
bool compare(double lhs, const std::string &op, double rhs)
{
    if (op == ">")
        return lhs > rhs;
    if (op == ">=")
        return lhs >= rhs;
    if (op == "<")
        return lhs < rhs;
    if (op == "<=")
        return lhs <= rhs;
    if (op == "==")
        return lhs == rhs;
    return lhs != rhs;
}

// Splits on " and " outside quotes and braces.
std::vector<std::string_view> splitAnd(std::string_view text)
{
    std::vector<std::string_view> out;
    int depth = 0;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"' && (i == 0 || text[i - 1] != '\\'))
            quoted = !quoted;
        else if (!quoted && (c == '{' || c == '('))
            ++depth;
        else if (!quoted && (c == '}' || c == ')'))
            --depth;
        else if (!quoted && depth == 0 && text.substr(i, 5) == " and ") {
            out.push_back(text.substr(start, i - start));
            start = i + 5;
            i += 4;
        }
    }
    out.push_back(text.substr(start));
    return out;
}
} // namespace

Result<PolicyCondition> parseCondition(std::string_view text, std::string_view context)
{
    PolicyCondition condition;
    condition.text = std::string(trimBlanks(text));
    if (condition.text.empty())
        return condition;
    for (std::string_view part : splitAnd(condition.text)) {
        part = trimBlanks(part);
        PolicyTerm term;
        term.text = std::string(part);
        // "for <duration>" at the end.
        if (auto f = part.rfind(" for "); f != std::string_view::npos) {
            auto d = parseDuration(std::string(trimBlanks(part.substr(f + 5))));
            if (!d)
                return makeError(ErrorCode::ParseError, "bad duration after 'for' in `" + term.text + "`", std::string(context));
            term.forDuration = *d;
            part = trimBlanks(part.substr(0, f));
        }
        // The operator outside quotes/braces, longest first.
        std::size_t opAt = std::string_view::npos;
        int depth = 0;
        bool quoted = false;
        for (std::size_t i = 0; i < part.size() && opAt == std::string_view::npos; ++i) {
            const char c = part[i];
            if (c == '"')
                quoted = !quoted;
            else if (!quoted && (c == '{' || c == '('))
                ++depth;
            else if (!quoted && (c == '}' || c == ')'))
                --depth;
            else if (!quoted && depth == 0 && (c == '>' || c == '<' || c == '=' || c == '!'))
                opAt = i;
        }
        if (opAt == std::string_view::npos)
            return makeError(ErrorCode::ParseError, "no comparison (> >= < <= == !=) in `" + term.text + "`", std::string(context));
        term.op = std::string(part.substr(opAt, opAt + 1 < part.size() && part[opAt + 1] == '=' ? 2 : 1));
        if (term.op == "=" || term.op == "!")
            return makeError(ErrorCode::ParseError, "use == or != in `" + term.text + "`", std::string(context));
        std::string_view lhs = trimBlanks(part.substr(0, opAt)), rhs = trimBlanks(part.substr(opAt + term.op.size()));
        bool percent = false;
        if (!rhs.empty() && rhs.back() == '%')
            percent = true, rhs.remove_suffix(1);
        auto [end, ec] = std::from_chars(rhs.data(), rhs.data() + rhs.size(), term.value);
        if (ec != std::errc() || end != rhs.data() + rhs.size())
            return makeError(ErrorCode::ParseError, "the right-hand side of `" + term.text + "` is not a number", std::string(context));
        if (lhs == "rca.confidence") {
            term.kind = PolicyTerm::Kind::RcaConfidence;
        } else if (lhs.substr(0, 8) == "anomaly(" && lhs.back() == ')') {
            term.kind = PolicyTerm::Kind::Anomaly;
            term.subject = std::string(trimBlanks(lhs.substr(8, lhs.size() - 9)));
        } else if (lhs.substr(0, 9) == "hotspot(\"" && lhs.size() > 11 && lhs.substr(lhs.size() - 2) == "\")") {
            term.kind = PolicyTerm::Kind::Hotspot;
            term.subject = std::string(lhs.substr(9, lhs.size() - 11));
            if (!percent && term.value <= 1)
                term.value *= 100; // 0.3 and 30% mean the same share
        } else {
            term.kind = PolicyTerm::Kind::Metric;
            term.subject = std::string(lhs);
            // Validate the selector now (with a stand-in entity), so a typo fails at load, not at 2 a.m.
            if (auto s = parseSelector(substituteEntity(term.subject, "x")); !s)
                return makeError(ErrorCode::ParseError, "bad metric selector in `" + term.text + "`: " + s.error().message, std::string(context));
        }
        condition.terms.push_back(std::move(term));
    }
    return condition;
}

Result<std::vector<Policy>> parsePolicies(std::string_view yaml, std::string_view source)
{
    auto at = [&](const YAML::Mark &m) { return std::string(source) + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1); };
    try {
        const YAML::Node root = YAML::Load(std::string(yaml));
        if (!root.IsMap() || !root["policies"] || !root["policies"].IsSequence())
            return makeError(ErrorCode::ParseError, "expected `policies:` with a list", at(root.Mark()));
        static const std::set<std::string> known{"name", "description", "condition", "on_incident", "plugin", "action", "target",
                                                 "parameters", "risk", "cooldown", "max_executions", "approval", "canary", "verify",
                                                 "rollback_on_failure", "on_suggestion"};
        std::vector<Policy> out;
        std::set<std::string> names;
        for (const YAML::Node &n : root["policies"]) {
            if (!n.IsMap())
                return makeError(ErrorCode::ParseError, "a policy is a map", at(n.Mark()));
            for (const auto &kv : n)
                if (!known.count(kv.first.as<std::string>()))
                    return makeError(ErrorCode::ParseError, "unknown policy key `" + kv.first.as<std::string>() + "`", at(kv.first.Mark()));
            for (const char *k : {"name", "plugin", "action"})
                if (!n[k])
                    return makeError(ErrorCode::ParseError, std::string("a policy needs `") + k + "`", at(n.Mark()));
            Policy p;
            p.name = n["name"].as<std::string>();
            if (!names.insert(p.name).second)
                return makeError(ErrorCode::ParseError, "duplicate policy name `" + p.name + "`", at(n["name"].Mark()));
            p.description = n["description"] ? n["description"].as<std::string>() : std::string();
            p.plugin = n["plugin"].as<std::string>();
            p.action = n["action"].as<std::string>();
            p.target = n["target"] ? n["target"].as<std::string>() : std::string("{entity}");
            if (n["condition"]) {
                auto c = parseCondition(n["condition"].as<std::string>(), at(n["condition"].Mark()));
                if (!c)
                    return tl::unexpected(c.error());
                p.condition = std::move(*c);
            }
            if (const YAML::Node inc = n["on_incident"]) {
                p.onIncident = true;
                if (inc.IsMap()) {
                    p.rcaClass = inc["class"] ? inc["class"].as<std::string>() : std::string();
                    p.minConfidence = inc["min_confidence"] ? inc["min_confidence"].as<double>() : 0.0;
                } else if (!inc.as<bool>()) {
                    p.onIncident = false;
                }
            }
            if (n["on_suggestion"]) {
                p.onSuggestion = n["on_suggestion"].as<std::string>();
                if (p.onSuggestion != "isolate_port" && p.onSuggestion != "drain_node" && p.onSuggestion != "migrate_job")
                    return makeError(ErrorCode::ParseError, "on_suggestion is isolate_port, drain_node or migrate_job", at(n["on_suggestion"].Mark()));
            }
            if (!p.onIncident && p.onSuggestion.empty() && p.condition.empty())
                return makeError(ErrorCode::ParseError, "a policy needs a `condition`, `on_incident` or `on_suggestion`", at(n.Mark()));
            if (const YAML::Node params = n["parameters"]) {
                if (!params.IsMap())
                    return makeError(ErrorCode::ParseError, "`parameters` is a map", at(params.Mark()));
                for (const auto &kv : params)
                    p.parameters[kv.first.as<std::string>()] = kv.second.as<std::string>();
            }
            if (n["risk"]) {
                p.risk = n["risk"].as<std::string>();
                if (p.risk != "low" && p.risk != "medium" && p.risk != "high")
                    return makeError(ErrorCode::ParseError, "risk is low, medium or high", at(n["risk"].Mark()));
            }
            auto duration = [&](const YAML::Node &v) -> Result<Duration> {
                auto d = parseDuration(v.as<std::string>());
                if (!d)
                    return makeError(ErrorCode::ParseError, "bad duration `" + v.as<std::string>() + "`", at(v.Mark()));
                return d;
            };
            if (n["cooldown"]) {
                auto d = duration(n["cooldown"]);
                if (!d)
                    return tl::unexpected(d.error());
                p.limits.cooldown = *d;
            }
            if (const YAML::Node m = n["max_executions"]) {
                if (!m["count"] || !m["window"])
                    return makeError(ErrorCode::ParseError, "max_executions needs `count` and `window`", at(m.Mark()));
                p.limits.maxExecutions = m["count"].as<int>();
                auto d = duration(m["window"]);
                if (!d)
                    return tl::unexpected(d.error());
                p.limits.window = *d;
            }
            if (const YAML::Node a = n["approval"]) {
                const std::string required = a["required"] ? a["required"].as<std::string>() : std::string("one");
                if (required == "none")
                    p.approval = ApprovalRule::None;
                else if (required == "one")
                    p.approval = ApprovalRule::One;
                else if (required == "two")
                    p.approval = ApprovalRule::Two;
                else
                    return makeError(ErrorCode::ParseError, "approval.required is none, one or two", at(a["required"].Mark()));
                if (a["roles"]) {
                    p.approverRoles.clear();
                    for (const YAML::Node &r : a["roles"]) {
                        auto role = roleFromName(r.as<std::string>());
                        if (!role || *role == Role::Viewer)
                            return makeError(ErrorCode::ParseError, "approver roles are operator or admin", at(r.Mark()));
                        p.approverRoles.push_back(*role);
                    }
                }
                p.excludeProposer = a["exclude_proposer"] ? a["exclude_proposer"].as<bool>() : true;
                if (a["ttl"]) {
                    auto d = duration(a["ttl"]);
                    if (!d)
                        return tl::unexpected(d.error());
                    p.ttl = *d;
                }
            }
            if (p.risk == "high" && p.approval == ApprovalRule::None)
                return makeError(ErrorCode::ParseError, "a high-risk action cannot run without approval", at(n.Mark()));
            p.canary = n["canary"] && n["canary"].as<bool>();
            if (const YAML::Node v = n["verify"]) {
                if (!v["condition"])
                    return makeError(ErrorCode::ParseError, "verify needs a `condition`", at(v.Mark()));
                auto c = parseCondition(v["condition"].as<std::string>(), at(v["condition"].Mark()));
                if (!c)
                    return tl::unexpected(c.error());
                p.verify = std::move(*c);
                if (v["within"]) {
                    auto d = duration(v["within"]);
                    if (!d)
                        return tl::unexpected(d.error());
                    p.verifyWithin = *d;
                }
            }
            p.rollbackOnFailure = !n["rollback_on_failure"] || n["rollback_on_failure"].as<bool>();
            out.push_back(std::move(p));
        }
        return out;
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg, at(e.mark));
    }
}

bool PolicyEvaluator::termHolds(const PolicyTerm &term, const PolicyContext &context, const std::string &entity,
                                double confidence, std::string &explanation) const
{
    std::optional<double> value;
    switch (term.kind) {
    case PolicyTerm::Kind::Metric: value = context.metric(substituteEntity(term.subject, entity)); break;
    case PolicyTerm::Kind::Anomaly: value = context.anomalyScore(substituteEntity(term.subject, entity)); break;
    case PolicyTerm::Kind::RcaConfidence: value = confidence; break;
    case PolicyTerm::Kind::Hotspot: value = context.hotspotPercent(entity, term.subject); break;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.4g", value.value_or(std::nan("")));
    explanation = substituteEntity(term.text, entity) + " (now " + (value ? std::string(buffer) : std::string("no data")) + ")";
    return value && compare(*value, term.op, term.value);
}

Result<bool> PolicyEvaluator::holds(const PolicyCondition &condition, const PolicyContext &context, const std::string &entity,
                                    std::string *explanation)
{
    PolicyEvaluator e;
    bool all = true;
    std::string text;
    for (const PolicyTerm &term : condition.terms) {
        std::string why;
        all = e.termHolds(term, context, entity, 0, why) && all;
        text += (text.empty() ? "" : "; ") + why;
    }
    if (explanation)
        *explanation = text;
    return all;
}

std::vector<PolicyTrigger> PolicyEvaluator::evaluate(const std::vector<Policy> &policies, const PolicyContext &context,
                                                     const std::vector<IncidentView> &incidents, Timestamp now,
                                                     const std::vector<ActionSuggestion> &suggestions)
{
    std::vector<PolicyTrigger> out;
    auto check = [&](const Policy &p, const std::string &entity, double confidence, std::int64_t incident, const std::string &prefix) {
        const std::string target = substituteEntity(p.target, entity);
        bool all = true;
        std::string reason = prefix;
        for (std::size_t i = 0; i < p.condition.terms.size(); ++i) {
            const PolicyTerm &term = p.condition.terms[i];
            std::string why;
            const std::string key = p.name + "|" + target + "|" + std::to_string(i);
            if (termHolds(term, context, entity, confidence, why)) {
                const Timestamp since = m_since.try_emplace(key, now).first->second;
                if (now - since < term.forDuration)
                    all = false;
            } else {
                m_since.erase(key);
                all = false;
            }
            reason += (reason.empty() ? "" : "; ") + why;
        }
        if (!all)
            return;
        PolicyTrigger t;
        t.policy = &p;
        t.target = target;
        t.entity = entity;
        for (const auto &[k, v] : p.parameters)
            t.parameters[k] = substituteEntity(v, entity);
        t.reason = reason;
        t.incidentId = incident;
        out.push_back(std::move(t));
    };
    for (const Policy &p : policies) {
        if (!p.onSuggestion.empty()) {
            for (const ActionSuggestion &s : suggestions) {
                if (s.action != p.onSuggestion)
                    continue;
                const std::size_t before = out.size();
                check(p, s.target, 0, 0, "suggested: " + s.action + " " + s.target + " — " + s.reason);
                if (out.size() > before)
                    out.back().blastRadius = s.blastRadius;
            }
            continue;
        }
        if (!p.onIncident) {
            check(p, p.target, 0, 0, std::string()); // the target is the entity hot-spot terms read
            continue;
        }
        for (const IncidentView &inc : incidents) {
            if (inc.topCause.empty() || inc.confidence < p.minConfidence || (!p.rcaClass.empty() && inc.topClass != p.rcaClass))
                continue;
            char conf[32];
            std::snprintf(conf, sizeof conf, "%.2f", inc.confidence);
            check(p, inc.topCause, inc.confidence, inc.id,
                  "INC-" + std::to_string(inc.id) + ": top cause " + inc.topCause + " (" + inc.topClass + ", confidence " + conf + ")");
        }
    }
    return out;
}

} // namespace Nocturne::Engine
