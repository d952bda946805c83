#include "signal_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "core/random.h"

namespace Nocturne::Engine {

void StepOutput::clear()
{
    samples.clear();
    logs.clear();
    spans.clear();
    events.clear();
}

SignalGenerator::SignalGenerator(const Scenario &scenario)
    : SignalGenerator(scenario, Options{})
{
}

SignalGenerator::SignalGenerator(const Scenario &scenario, Options options)
    : m_scenario(scenario)
    , m_options(options)
{
    build();
}

double SignalGenerator::entityParam(const Entity &entity, const char *name, double fallback) const
{
    if (auto it = entity.params.find(name); it != entity.params.end())
        return it->second;
    if (!entity.parent.empty()) {
        if (const Entity *parent = m_scenario.estate.find(entity.parent))
            return parent->param(name, fallback);
    }
    return fallback;
}

void SignalGenerator::build()
{
    const Estate &estate = m_scenario.estate;
    m_latencySeries.assign(estate.entities.size(), -1);
    m_errorSeries.assign(estate.entities.size(), -1);
    for (std::size_t e = 0; e < estate.entities.size(); ++e) {
        const Entity &entity = estate.entities[e];
        const std::uint64_t entitySeed = hashString(entity.id);
        for (const MetricSpec &spec : metricsForKind(entity.kind)) {
            if (spec.onlyWithParam && spec.baseParam && !entity.params.count(spec.baseParam))
                continue;
            GeneratedSeries s;
            s.entity = e;
            s.entityId = entity.id;
            s.spec = &spec;
            s.seed = mix(m_scenario.seed ^ mix(entitySeed ^ hashString(spec.name)));
            double base = spec.baseParam ? entityParam(entity, spec.baseParam, spec.baseDefault) : spec.baseDefault;
            base *= spec.baseScale;
            if (spec.jitter)
                base *= 0.85 + 0.3 * uniform01(mix(entitySeed ^ 0x9e3779b97f4a7c15ULL ^ hashString(spec.name)));
            s.base = base;
            Labels labels;
            labels.push_back({"entity", entity.id});
            labels.push_back({"kind", entityKindName(entity.kind)});
            if (!entity.parent.empty())
                labels.push_back({"parent", entity.parent});
            if (!entity.host.empty())
                labels.push_back({"host", entity.host});
            for (const auto &[name, value] : entity.labels)
                labels.push_back({name, value});
            labels.push_back({"scenario", m_scenario.name});
            s.key = SeriesKey::make(spec.name, std::move(labels));
            const auto index = static_cast<std::int32_t>(m_series.size());
            const std::string_view name = spec.name;
            if (name == "http_request_duration_p99_seconds" || name == "redis_command_latency_ms" || name == "mysql_cpu_ratio"
                || name == "kafka_request_latency_ms")
                m_latencySeries[e] = index;
            if (name == "http_errors_ratio")
                m_errorSeries[e] = index;
            m_series.push_back(std::move(s));
        }
    }

    buildEdgeSeries();

    // Which series each fault touches, resolved once.
    std::unordered_map<std::string, std::vector<std::uint32_t>> byMetric;
    for (std::uint32_t i = 0; i < m_series.size(); ++i)
        byMetric[m_series[i].spec->name].push_back(i);
    for (const FaultSpec &fault : m_scenario.faults) {
        CompiledFault compiled{&fault, {}};
        for (const FaultEffect &effect : fault.effects) {
            m_maxEffectTail = std::max(m_maxEffectTail, effect.lag + effect.hold + effect.ramp);
            auto it = byMetric.find(effect.metric);
            if (it == byMetric.end())
                continue;
            for (std::uint32_t series : it->second) {
                if (globMatch(effect.entity, m_series[series].entityId))
                    compiled.targets.push_back({series, &effect});
            }
        }
        for (const FaultLog &log : fault.logs)
            m_maxEffectTail = std::max(m_maxEffectTail, log.lag + 10 * kSecond);
        m_faults.push_back(std::move(compiled));
    }

    for (std::size_t e = 0; e < estate.entities.size(); ++e) {
        EntityLogs logs{e, {}, 0};
        for (const LogTemplate &tpl : m_scenario.logTemplates) {
            if (tpl.kind == estate.entities[e].kind) {
                logs.templates.push_back(&tpl);
                logs.totalWeight += tpl.weight;
            }
        }
        if (!logs.templates.empty())
            m_entityLogs.push_back(std::move(logs));
    }

    m_calls.assign(estate.entities.size(), {});
    std::vector<bool> called(estate.entities.size(), false);
    for (const Edge &edge : estate.edges) {
        if (edge.kind != EdgeKind::Calls)
            continue;
        auto from = estate.index.find(edge.from), to = estate.index.find(edge.to);
        if (from == estate.index.end() || to == estate.index.end())
            continue;
        m_calls[from->second].push_back({to->second, edge.share});
        called[to->second] = true;
    }
    for (std::size_t e = 0; e < estate.entities.size(); ++e) {
        if (estate.entities[e].kind == EntityKind::Service && !called[e] && !m_calls[e].empty())
            m_entryServices.push_back(e);
    }
}

void SignalGenerator::buildEdgeSeries()
{
    const Estate &estate = m_scenario.estate;
    m_coupledTo.assign(m_series.size(), -1);
    auto seriesOf = [&](std::size_t entity, std::string_view metric) -> std::int32_t {
        for (std::size_t i = 0; i < m_series.size(); ++i) {
            if (m_series[i].entity == entity && m_series[i].entityId == estate.entities[entity].id && metric == m_series[i].spec->name)
                return static_cast<std::int32_t>(i);
        }
        return -1;
    };
    for (const Edge &edge : estate.edges) {
        if (edge.kind != EdgeKind::Calls)
            continue;
        const auto from = estate.index.find(edge.from), to = estate.index.find(edge.to);
        if (from == estate.index.end() || to == estate.index.end())
            continue;
        const Entity &caller = estate.entities[from->second];
        const Entity &callee = estate.entities[to->second];
        const std::string id = edge.from + "->" + edge.to;
        const std::uint64_t edgeSeed = hashString(id);
        const double calleeLatency = callee.kind == EntityKind::Service ? entityParam(callee, "latency_ms", 50) * 0.001
                                   : callee.kind == EntityKind::Cache    ? 0.0008
                                   : callee.kind == EntityKind::Database ? 0.006
                                                                         : 0.004;
        const double calleeErrors = callee.kind == EntityKind::Service ? entityParam(callee, "error_ratio", 0.002) : 0.0005;
        for (const MetricSpec &spec : edgeMetrics()) {
            GeneratedSeries s;
            s.entity = from->second;
            s.entityId = id;
            s.spec = &spec;
            s.seed = mix(m_scenario.seed ^ mix(edgeSeed ^ hashString(spec.name)));
            const std::string_view name = spec.name;
            std::int32_t coupled = -1;
            if (name == "rpc_client_requests_per_second") {
                s.base = entityParam(caller, "rps", 100) * edge.share;
                coupled = seriesOf(from->second, "http_requests_per_second");
            } else if (name == "rpc_client_duration_p99_seconds") {
                s.base = calleeLatency * 1.1; // the callee's time plus the network
                coupled = m_latencySeries[to->second];
            } else {
                s.base = calleeErrors;
                coupled = m_errorSeries[to->second];
            }
            s.key = SeriesKey::make(spec.name, {{"entity", id}, {"kind", "edge"}, {"caller", edge.from}, {"callee", edge.to},
                                                {"scenario", m_scenario.name}});
            m_series.push_back(std::move(s));
            m_coupledTo.push_back(coupled);
        }
    }
}

Timestamp SignalGenerator::align(Timestamp t) const
{
    const Duration step = m_scenario.step;
    const Timestamp offset = t - m_scenario.start;
    const Timestamp floorSteps = offset >= 0 ? offset / step : -((-offset + step - 1) / step);
    return m_scenario.start + floorSteps * step;
}

double SignalGenerator::loadFactor(Timestamp t, Timestamp scenarioStart)
{
    constexpr double twoPi = 2 * std::numbers::pi;
    const double hours = double(t % kDay) / double(kHour) + (t < 0 ? 24 : 0);
    // Low around 04:00, peak mid-afternoon, a second smaller evening bump.
    double daily = 1.0 + 0.42 * std::sin(twoPi * (hours - 10.0) / 24.0) + 0.08 * std::sin(twoPi * (hours - 16.0) / 12.0);
    // 1970-01-01 was a Thursday: day 2 and 3 of the week counted from it are Saturday and Sunday.
    const std::int64_t dayOfWeek = ((t / kDay) % 7 + 7) % 7;
    const double weekly = (dayOfWeek == 2 || dayOfWeek == 3) ? 0.72 : 1.0;
    const double weeks = double(t - scenarioStart) / double(kWeek);
    const double trend = 1.0 + 0.02 * weeks;
    return std::max(0.05, daily * weekly * trend);
}

double effectIntensity(const FaultEffect &effect, const FaultInstance &instance, Timestamp t)
{
    const Timestamp start = instance.onset + effect.lag;
    if (t < start)
        return 0.0;
    const double ramp = double(std::max<Duration>(effect.ramp, kMillisecond));
    const double rising = std::min(1.0, double(t - start) / ramp);
    const Timestamp end = instance.end + effect.lag + effect.hold;
    const double falling = t <= end ? 1.0 : std::max(0.0, 1.0 - double(t - end) / ramp);
    return std::min(rising, falling);
}

void SignalGenerator::generate(Timestamp t, StepOutput &out) const
{
    out.ts = t;
    const std::int64_t stepIndex = (t - m_scenario.start) / m_scenario.step;
    const double load = loadFactor(t, m_scenario.start);

    std::vector<double> clean(m_series.size());
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        const GeneratedSeries &s = m_series[i];
        clean[i] = s.base * (s.spec->loadExponent == 0 ? 1.0 : std::pow(load, s.spec->loadExponent));
    }
    std::vector<double> affected = clean;

    std::vector<FaultInstance> active;
    if (m_options.injectFaults) {
        active = m_scenario.faultInstances(t - m_maxEffectTail, t + 1);
        {
            std::lock_guard lock(m_mitigationMutex);
            for (FaultInstance &instance : active)
                for (const auto &[root, at] : m_mitigations)
                    if (instance.spec->root == root && at >= instance.onset && at < instance.end)
                        instance.end = at;
        }
        for (const FaultInstance &instance : active) {
            const auto &compiled = m_faults[static_cast<std::size_t>(instance.spec - m_scenario.faults.data())];
            for (const EffectTarget &target : compiled.targets) {
                const double k = effectIntensity(*target.effect, instance, t);
                if (k <= 0)
                    continue;
                double &v = affected[target.series];
                switch (target.effect->op) {
                case FaultEffect::Op::Scale: v *= 1.0 + (target.effect->value - 1.0) * k; break;
                case FaultEffect::Op::Add: v += target.effect->value * k; break;
                case FaultEffect::Op::Set: v += (target.effect->value - v) * k; break;
                }
            }
        }
    }

    // Call edges inherit the state of what they depend on: a slow callee makes every call into it slow.
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        const std::int32_t link = m_coupledTo[i];
        if (link >= 0 && clean[static_cast<std::size_t>(link)] != 0)
            affected[i] *= affected[static_cast<std::size_t>(link)] / clean[static_cast<std::size_t>(link)];
    }

    out.samples.reserve(out.samples.size() + m_series.size());
    std::vector<double> factor(m_series.size(), 1.0);
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        const GeneratedSeries &s = m_series[i];
        const MetricSpec &spec = *s.spec;
        const std::uint64_t h = mix(s.seed ^ static_cast<std::uint64_t>(stepIndex) * 0xd1b54a32d192ed03ULL);
        double noise = 1.0 + spec.noise * gaussian(h);
        if (spec.tailProbability > 0 && uniform01(mix(h ^ 0x5bd1e995)) < spec.tailProbability)
            noise *= 1.0 + spec.tailScale * pareto(mix(h ^ 0x27d4eb2f), 2.5);
        double value = affected[i] * std::max(0.0, noise);
        if (spec.integer)
            value = std::round(value);
        value = std::clamp(value, spec.lo, spec.hi);
        factor[i] = clean[i] != 0 ? affected[i] / clean[i] : 1.0;
        out.samples.push_back(GeneratedSample{static_cast<std::uint32_t>(i), value});
    }

    generateLogs(t, stepIndex, active, out);
    generateSpans(t, stepIndex, factor, out);
    generateEvents(t, active, out);
}

void SignalGenerator::mitigate(const std::string &root, Timestamp at, bool undo)
{
    std::lock_guard lock(m_mitigationMutex);
    if (undo)
        std::erase_if(m_mitigations, [&](const auto &m) { return m.first == root; });
    else
        m_mitigations.emplace_back(root, at);
}

void SignalGenerator::generateLogs(Timestamp t, std::int64_t stepIndex, const std::vector<FaultInstance> &active,
                                   StepOutput &out) const
{
    const double stepMinutes = double(m_scenario.step) / double(kMinute);
    const double load = loadFactor(t, m_scenario.start);
    const std::uint64_t stepSeed = mix(m_scenario.seed ^ 0x10c5 ^ static_cast<std::uint64_t>(stepIndex));
    for (const EntityLogs &logs : m_entityLogs) {
        const std::uint64_t h = mix(stepSeed ^ logs.entity * 0x9e3779b97f4a7c15ULL);
        const int count = poisson(m_scenario.logsPerEntityPerMinute * stepMinutes * load, h);
        for (int n = 0; n < count; ++n) {
            const std::uint64_t lh = mix(h + static_cast<std::uint64_t>(n) + 1);
            double pick = uniform01(lh) * logs.totalWeight;
            const LogTemplate *tpl = logs.templates.back();
            for (const LogTemplate *candidate : logs.templates) {
                if ((pick -= candidate->weight) <= 0) {
                    tpl = candidate;
                    break;
                }
            }
            const Timestamp ts = t + static_cast<Duration>(uniform01(mix(lh ^ 0x7a)) * double(m_scenario.step));
            out.logs.push_back(LogRecord{ts, m_scenario.estate.entities[logs.entity].id, parseLogLevel(tpl->level),
                                         render(tpl->text, mix(lh ^ 0xbeef))});
        }
    }
    for (const FaultInstance &instance : active) {
        for (std::size_t l = 0; l < instance.spec->logs.size(); ++l) {
            const FaultLog &log = instance.spec->logs[l];
            FaultEffect shape;
            shape.lag = log.lag;
            shape.ramp = 10 * kSecond;
            const double k = effectIntensity(shape, instance, t);
            if (k <= 0)
                continue;
            const std::uint64_t h = mix(stepSeed ^ hashString(instance.spec->id) ^ (l + 1) * 0x632be59bd9b4e019ULL);
            const int count = poisson(log.perMinute * stepMinutes * k, h);
            for (int n = 0; n < count; ++n) {
                const std::uint64_t lh = mix(h + static_cast<std::uint64_t>(n) + 1);
                const Timestamp ts = t + static_cast<Duration>(uniform01(lh) * double(m_scenario.step));
                out.logs.push_back(LogRecord{ts, log.entity, parseLogLevel(log.level), render(log.text, mix(lh ^ 0xfa17))});
            }
        }
    }
    std::sort(out.logs.begin(), out.logs.end(), [](const LogRecord &a, const LogRecord &b) { return a.ts < b.ts; });
}

void SignalGenerator::generateSpans(Timestamp t, std::int64_t stepIndex, const std::vector<double> &factor,
                                    StepOutput &out) const
{
    if (m_scenario.tracesPerStep <= 0 || m_entryServices.empty())
        return;
    const Estate &estate = m_scenario.estate;
    constexpr int kMaxDepth = 5;
    constexpr std::size_t kMaxSpansPerTrace = 64;
    for (int trace = 0; trace < m_scenario.tracesPerStep; ++trace) {
        const std::uint64_t traceSeed = mix(m_scenario.seed ^ 0x7ace ^ (static_cast<std::uint64_t>(stepIndex) * 131 + static_cast<std::uint64_t>(trace)));
        const std::uint64_t traceId = traceSeed | 1;
        const std::size_t entry = m_entryServices[traceSeed % m_entryServices.size()];
        std::uint64_t nextSpan = 1;
        const std::size_t firstSpan = out.spans.size();
        // Depth-first walk of the call graph; children run one after another inside the parent.
        auto visit = [&](auto &self, std::size_t entity, std::uint64_t parent, Timestamp start, int depth,
                         std::uint64_t seed) -> Duration {
            const Entity &e = estate.entities[entity];
            const std::uint64_t spanId = (traceId << 8) ^ nextSpan++;
            const std::size_t slot = out.spans.size();
            out.spans.push_back(SpanRecord{traceId, spanId, parent, e.kind == EntityKind::Service ? e.id : std::string(), {}, {}, start, 0, false});
            const double latencyFactor = m_latencySeries[entity] >= 0 ? factor[static_cast<std::size_t>(m_latencySeries[entity])] : 1.0;
            double baseMs = e.kind == EntityKind::Service ? entityParam(e, "latency_ms", 50) * 0.25
                          : e.kind == EntityKind::Cache  ? 0.4
                          : e.kind == EntityKind::Database ? 3.0
                                                           : 2.0;
            const double selfMs = baseMs * std::exp(0.35 * gaussian(mix(seed ^ 0x5e1f))) * latencyFactor;
            Duration cursor = static_cast<Duration>(selfMs * 0.5 * double(kMillisecond));
            if (depth < kMaxDepth) {
                std::uint64_t childSeed = seed;
                for (const auto &[callee, share] : m_calls[entity]) {
                    childSeed = mix(childSeed + callee);
                    if (uniform01(childSeed) >= share || out.spans.size() - firstSpan >= kMaxSpansPerTrace)
                        continue;
                    cursor += self(self, callee, spanId, start + cursor, depth + 1, childSeed);
                }
            }
            const Duration duration = cursor + static_cast<Duration>(selfMs * 0.5 * double(kMillisecond));
            SpanRecord &span = out.spans[slot];
            span.duration = duration;
            if (e.kind == EntityKind::Service) {
                span.operation = depth == 0 ? "GET /api/" + e.id : e.id + ".handle";
                const double errorRatio = m_errorSeries[entity] >= 0 ? 0.002 * factor[static_cast<std::size_t>(m_errorSeries[entity])] : 0.0;
                span.error = uniform01(mix(seed ^ 0xe440)) < errorRatio;
            } else {
                span.peer = e.id;
                span.operation = e.kind == EntityKind::Cache ? "GET" : e.kind == EntityKind::Database ? "SELECT" : "produce";
                // Client spans belong to the calling service: walk back to the nearest service span of this trace.
                for (std::size_t p = slot; p-- > firstSpan;) {
                    if (out.spans[p].spanId == parent) {
                        span.service = out.spans[p].service;
                        break;
                    }
                }
            }
            return duration;
        };
        visit(visit, entry, 0, t + static_cast<Duration>(uniform01(traceSeed) * double(m_scenario.step)), 0, traceSeed);
    }
}

void SignalGenerator::generateEvents(Timestamp t, const std::vector<FaultInstance> &active, StepOutput &out) const
{
    const Duration step = m_scenario.step;
    auto inThisStep = [&](Timestamp at) { return at >= t && at < t + step; };
    const Duration cycle = m_scenario.cycle;
    const Duration offset = t - m_scenario.start;
    for (const DeploySpec &deploy : m_scenario.deploys) {
        const Timestamp at = m_scenario.start + (cycle > 0 && offset >= 0 ? (offset / cycle) * cycle : 0) + deploy.at;
        if (inThisStep(at))
            out.events.push_back(EventRecord{0, at, "deploy", deploy.entity, "info", deploy.entity + " deployed " + deploy.version,
                                             "{\"version\":\"" + deploy.version + "\"}", "scenario:" + m_scenario.name});
    }
    for (const FaultInstance &instance : active) {
        if (!instance.spec->deployVersion.empty() && inThisStep(instance.onset)) {
            const std::string &version = instance.spec->deployVersion;
            out.events.push_back(EventRecord{0, instance.onset, "deploy", instance.spec->root, "info",
                                             instance.spec->root + " deployed " + version,
                                             "{\"version\":\"" + version + "\"}", "scenario:" + m_scenario.name});
        }
    }
}

std::string SignalGenerator::render(const std::string &text, std::uint64_t seed) const
{
    std::string out;
    out.reserve(text.size() + 16);
    std::uint64_t h = seed;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '{') {
            out += text[i++];
            continue;
        }
        const std::size_t close = text.find('}', i);
        if (close == std::string::npos) {
            out.append(text, i, std::string::npos);
            break;
        }
        const std::string var = text.substr(i + 1, close - i - 1);
        h = mix(h + 0x9e37);
        char buffer[64];
        if (var.rfind("int:", 0) == 0) {
            long long lo = 0, hi = 0;
            if (std::sscanf(var.c_str() + 4, "%lld-%lld", &lo, &hi) == 2 && hi >= lo) {
                out += std::to_string(lo + static_cast<long long>(h % static_cast<std::uint64_t>(hi - lo + 1)));
            } else {
                out += '{' + var + '}';
            }
        } else if (var.rfind("hex:", 0) == 0) {
            const int digits = std::clamp(std::atoi(var.c_str() + 4), 1, 16);
            std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
            out.append(buffer + 16 - digits, static_cast<std::size_t>(digits));
        } else if (var == "ip") {
            std::snprintf(buffer, sizeof buffer, "10.%u.%u.%u", unsigned(h & 0xff), unsigned((h >> 8) & 0xff), unsigned((h >> 16) % 254 + 1));
            out += buffer;
        } else if (var == "uuid") {
            const std::uint64_t h2 = mix(h);
            std::snprintf(buffer, sizeof buffer, "%08x-%04x-4%03x-a%03x-%012llx", unsigned(h), unsigned(h >> 32) & 0xffff,
                          unsigned(h >> 48) & 0xfff, unsigned(h2) & 0xfff, static_cast<unsigned long long>(h2 >> 16));
            out += buffer;
        } else if (var == "ms") {
            out += std::to_string(1 + static_cast<int>(std::exp(3.0 + 0.8 * gaussian(h))));
        } else if (var.rfind("choice:", 0) == 0) {
            std::vector<std::string> options;
            std::size_t pos = 7;
            while (pos <= var.size()) {
                const std::size_t bar = var.find('|', pos);
                options.push_back(var.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
                if (bar == std::string::npos)
                    break;
                pos = bar + 1;
            }
            out += options[h % options.size()];
        } else {
            out += '{' + var + '}';
        }
        i = close + 1;
    }
    return out;
}

} // namespace Nocturne::Engine
