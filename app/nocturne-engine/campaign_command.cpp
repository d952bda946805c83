// `campaign`: many synthesized faults (random class, random eligible root, some overlapping in time) replayed through
// the engine, then scored: do the engine's incidents match the faults (purity, fragmentation, recall) and does the
// diagnosis of each fault's first incident name its root (top-1, top-3)?
#include <QCommandLineParser>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "commands.h"
#include "core/random.h"
#include "ground_truth.h"
#include "runtime/engine.h"
#include "scenario/fault_model.h"
#include "scenario/scenario_library.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {

// The first fault starts this long after the history, so that its lead-in window is live time too.
constexpr Duration kFirstOnset = 2 * kMinute;

struct CampaignOptions {
    int faults = 20;
    std::uint64_t seed = 1;
    double concurrent = 0;
    Duration spacing = 8 * kMinute;
    Duration faultDuration = 0; // 0: 4–5 minutes, drawn per fault
    Duration history = 2 * kHour;
    int faultsPerRun = 30; // ≈ 4 simulated hours at the default spacing, like a default gpu-cluster replay
    bool explain = false;  // also print the incidents that hold no fault's alert (noise), with why they opened
};

struct PlannedFault {
    std::string id;
    std::string faultClass;
    std::string root;
    Duration onset = 0; // from the campaign's start
    Duration duration = 0;
    bool concurrent = false;
};

struct FaultOutcome {
    std::size_t incidents = 0;
    int rank = -1; // -1: no incident to diagnose; 0: root not among the candidates
    std::string top3;
    std::string explain; // for a missed root: the incident's entities and the first candidates with their evidence
};

std::uint64_t draw(std::uint64_t seed, std::size_t fault, std::uint64_t purpose)
{
    return mix(seed ^ mix(std::uint64_t(fault) * 0x9e3779b97f4a7c15ULL + purpose));
}

// Everything within `hops` of `root` on the estate's graph taken undirected (calls, hosts, parts, members, cables).
std::set<std::string> neighbourhood(const std::unordered_map<std::string, std::vector<std::string>> &adjacency, const std::string &root,
                                    int hops)
{
    std::set<std::string> seen{root};
    std::vector<std::string> frontier{root};
    for (int h = 0; h < hops && !frontier.empty(); ++h) {
        std::vector<std::string> next;
        for (const std::string &x : frontier) {
            auto it = adjacency.find(x);
            if (it == adjacency.end())
                continue;
            for (const std::string &y : it->second)
                if (seen.insert(y).second)
                    next.push_back(y);
        }
        frontier.swap(next);
    }
    return seen;
}

// The fault schedule, deterministic from the seed: a random class, a random eligible root (never the previous one),
// `spacing` after the previous onset; a share of the faults start 1–2 minutes after the previous one instead, at a root
// more than two hops away from the roots of the faults still active then (when the estate has one).
std::vector<PlannedFault> planCampaign(const Estate &estate, const CampaignOptions &o)
{
    std::vector<PlannedFault> plan;
    const std::vector<std::string> classes = faultClasses(estate);
    if (classes.empty())
        return plan;
    std::map<std::string, std::vector<std::string>> roots;
    for (const std::string &c : classes)
        roots[c] = eligibleRoots(estate, c);
    std::unordered_map<std::string, std::vector<std::string>> adjacency;
    auto connect = [&](const std::string &a, const std::string &b) {
        if (a.empty() || b.empty() || a == b)
            return;
        adjacency[a].push_back(b);
        adjacency[b].push_back(a);
    };
    for (const Edge &e : estate.edges)
        connect(e.from, e.to);
    for (const Entity &e : estate.entities) {
        connect(e.id, e.host);
        connect(e.id, e.parent);
    }

    for (int i = 0; i < o.faults; ++i) {
        const std::size_t n = std::size_t(i);
        PlannedFault f;
        const PlannedFault *previous = plan.empty() ? nullptr : &plan.back();
        f.concurrent = previous && uniform01(draw(o.seed, n, 1)) < o.concurrent;
        f.onset = !previous      ? kFirstOnset
                  : f.concurrent ? previous->onset + kMinute + Duration(draw(o.seed, n, 5) % 61) * kSecond
                                 : previous->onset + o.spacing;
        std::set<std::string> near;
        if (f.concurrent) {
            for (auto p = plan.rbegin(); p != plan.rend() && p->onset + p->duration + kFaultTail > f.onset - 2 * o.spacing; ++p) {
                if (p->onset + p->duration + kFaultTail > f.onset)
                    near.merge(neighbourhood(adjacency, p->root, 2));
            }
        }
        const std::size_t first = std::size_t(draw(o.seed, n, 2) % classes.size());
        // Strict pass: another root, and for an overlapping fault one in another part of the estate; then relaxed.
        for (int pass = 0; pass < 3 && f.root.empty(); ++pass) {
            for (std::size_t k = 0; k < classes.size() && f.root.empty(); ++k) {
                const std::string &c = classes[(first + k) % classes.size()];
                std::vector<std::string> candidates;
                for (const std::string &r : roots[c]) {
                    if (pass < 2 && previous && r == previous->root)
                        continue;
                    if (pass < 1 && near.count(r))
                        continue;
                    candidates.push_back(r);
                }
                if (candidates.empty())
                    continue;
                f.faultClass = c;
                f.root = candidates[std::size_t(draw(o.seed, n, 3) % candidates.size())];
            }
        }
        f.duration = o.faultDuration > 0 ? o.faultDuration : 4 * kMinute + Duration(draw(o.seed, n, 4) % 61) * kSecond;
        char id[32];
        std::snprintf(id, sizeof id, "c%03d-", i + 1);
        f.id = id + f.faultClass;
        plan.push_back(std::move(f));
    }
    return plan;
}

std::string alertPlace(const Alert &alert)
{
    // Call-edge alerts name their edge in the "entity" label (the alert itself sits on the caller).
    for (const Label &l : alert.labels)
        if (l.name == "entity" && !l.value.empty())
            return l.value;
    return alert.entity;
}

struct RunTotals {
    std::size_t incidents = 0, withFault = 0, pure = 0, noiseOnly = 0;
    std::vector<double> diagnoseMs;
};

// One engine replay of plan[first, last): its own history, then the faults. Fills outcomes[first, last).
bool runCampaignSlice(const Scenario &base, const std::vector<PlannedFault> &plan, std::size_t first, std::size_t last,
                      const CampaignOptions &o, std::vector<FaultOutcome> &outcomes, RunTotals &totals)
{
    Scenario scenario = base;
    const Duration shift = plan[first].onset - kFirstOnset;
    scenario.start = base.start + shift;
    scenario.cycle = 0;
    scenario.faults.clear();
    Duration until = 0;
    for (std::size_t i = first; i < last; ++i) {
        const PlannedFault &p = plan[i];
        FaultSpec spec = synthesizeFault(scenario.estate, p.faultClass, p.root, p.onset - shift, p.duration, draw(o.seed, i, 6));
        spec.id = p.id;
        until = std::max(until, spec.onset + spec.duration);
        scenario.faults.push_back(std::move(spec));
    }
    const Duration duration = until + kFaultTail + kMinute;

    Nocturne::Engine::Engine::Options options;
    options.store.retention = duration + o.history + kHour;
    Nocturne::Engine::Engine engine(options);
    if (auto s = engine.loadScenario(scenario); !s) {
        std::fprintf(stderr, "nocturne-engine campaign: %s\n", s.error().toString().c_str());
        return false;
    }
    Nocturne::Engine::Engine::ReplayOptions replay;
    replay.speed = 0;
    replay.duration = duration;
    replay.history = o.history;
    if (auto s = engine.startReplay(replay); !s) {
        std::fprintf(stderr, "nocturne-engine campaign: %s\n", s.error().toString().c_str());
        return false;
    }
    engine.waitForReplay();

    // Ground truth from this copy: its fault specs outlive the matching below.
    const std::vector<FaultInstance> faults = scenario.faultInstances(scenario.start, scenario.start + duration);
    std::vector<ObservedIncident> incidents;
    for (std::int64_t id = 1;; ++id) {
        const auto incident = engine.incident(id);
        if (!incident)
            break;
        ObservedIncident observed{id, incident->start, {}};
        bool live = false;
        for (std::int64_t alertId : incident->alerts) {
            if (const auto alert = engine.alert(alertId)) {
                observed.alerts.push_back({alertPlace(*alert), alert->startsAt});
                live |= alert->startsAt >= scenario.start;
            }
        }
        if (live) // incidents of the fault-free history are not the campaign's
            incidents.push_back(std::move(observed));
    }
    const FaultIncidentMatch match = matchFaultsToIncidents(scenario.estate, faults, incidents);
    totals.incidents += match.incidents;
    totals.withFault += match.withFault;
    totals.pure += match.pure;
    totals.noiseOnly += match.noiseOnly;
    if (o.explain)
        for (std::size_t i = 0; i < incidents.size() && i < match.faultsOf.size(); ++i)
            if (match.faultsOf[i].empty())
                if (const auto inc = engine.incident(incidents[i].id); inc && !inc->explanations.empty())
                    std::printf("noise-only INC-%lld %s: %s\n", static_cast<long long>(inc->id), formatIso8601(inc->start).c_str(),
                                inc->explanations.front().c_str());

    for (std::size_t k = 0; k < faults.size(); ++k) {
        const std::size_t i = first + std::size_t(faults[k].spec - scenario.faults.data());
        FaultOutcome &outcome = outcomes[i];
        outcome.incidents = match.incidentsOf[k].size();
        const long at = match.firstIncident(k);
        if (at < 0)
            continue;
        const auto t0 = std::chrono::steady_clock::now();
        const auto ranked = engine.rerankIncident(incidents[std::size_t(at)].id, "campaign"); // afresh: the time is the ranking's
        totals.diagnoseMs.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        std::vector<std::string> entities;
        if (ranked) {
            for (const RcaCandidate &c : *ranked)
                entities.push_back(c.entity);
        }
        outcome.rank = rankOfRoot(scenario.estate, entities, faults[k].spec->root);
        for (std::size_t r = 0; r < entities.size() && r < 3; ++r)
            outcome.top3 += (r ? "," : "") + entities[r];
        if (outcome.rank != 1 && ranked) {
            outcome.explain = "    incident entities:";
            std::set<std::string> seen;
            for (const auto &[e, _] : incidents[std::size_t(at)].alerts)
                if (seen.insert(e).second)
                    outcome.explain += " " + e;
            outcome.explain += "\n";
            if (const auto inc = engine.incident(incidents[std::size_t(at)].id))
                for (std::size_t n = 0; n < inc->explanations.size() && n < 30; ++n)
                    outcome.explain += "      · " + inc->explanations[n] + "\n";
            for (std::size_t r = 0; r < ranked->size() && r < 3; ++r) {
                const RcaCandidate &c = (*ranked)[r];
                char head[160];
                std::snprintf(head, sizeof head, "    %zu %s tier=%d score=%.1f\n", r + 1, c.entity.c_str(), c.tier, c.score);
                outcome.explain += head;
                for (std::size_t n = 0; n < c.evidence.size() && n < 3; ++n)
                    outcome.explain += "        " + c.evidence[n].text + "\n";
            }
        }
    }
    return true;
}

} // namespace

int runCampaign(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Inject N synthesized faults (random class at a random eligible root, deterministic from --seed) into a "
                       "scenario,\n"
                       "replay it through the engine and score the incidents and the diagnosis against them. The last line is\n"
                       "campaign: faults=… incidents=… purity=… fragmentation=… top1=… top3=… median_ms=…"));
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Built-in scenario or .yaml file (its own faults are dropped)."),
                      QStringLiteral("name"), QStringLiteral("shop")});
    parser.addOption({QStringLiteral("faults"), QStringLiteral("Number of faults to inject."), QStringLiteral("n"), QStringLiteral("20")});
    parser.addOption({QStringLiteral("explain"),
                      QStringLiteral("With --report: for each missed root, the incident's entities and the first candidates' evidence; and the "
                                     "incidents that hold no fault's alert, with why they opened.")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Seed of the fault schedule."), QStringLiteral("k"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("concurrent"),
                      QStringLiteral("Share of faults (0–1) that start 1–2 minutes after the previous one, elsewhere in the estate."),
                      QStringLiteral("p"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("spacing"), QStringLiteral("Time between the onsets of consecutive faults."),
                      QStringLiteral("duration"), QStringLiteral("8m")});
    parser.addOption({QStringLiteral("duration-per-fault"),
                      QStringLiteral("Length of every fault (default: 4–5 minutes, drawn per fault)."), QStringLiteral("duration")});
    parser.addOption({QStringLiteral("history"), QStringLiteral("Fault-free history replayed before the first fault."),
                      QStringLiteral("duration"), QStringLiteral("2h")});
    parser.addOption({QStringLiteral("faults-per-run"),
                      QStringLiteral("Faults per engine replay; longer campaigns run as several replays, each with its own\n"
                                     "history (keep a replay under a simulated day: the alert book archives older incidents)."),
                      QStringLiteral("n"), QStringLiteral("30")});
    parser.addOption(
        {QStringLiteral("report"), QStringLiteral("Print one line per fault: class, root, incidents, rank, top-3 candidates.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "campaign", exitCode))
        return exitCode;

    auto fail = [](const char *what) {
        std::fprintf(stderr, "nocturne-engine campaign: %s\n", what);
        return 2;
    };
    CampaignOptions o;
    bool ok = false;
    o.faults = parser.value(QStringLiteral("faults")).toInt(&ok);
    if (!ok || o.faults < 1 || o.faults > 100000)
        return fail("--faults needs a number between 1 and 100000");
    o.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        return fail("--seed needs a non-negative integer");
    o.concurrent = parser.value(QStringLiteral("concurrent")).toDouble(&ok);
    if (!ok || !(o.concurrent >= 0 && o.concurrent <= 1))
        return fail("--concurrent needs a share between 0 and 1");
    o.faultsPerRun = parser.value(QStringLiteral("faults-per-run")).toInt(&ok);
    if (!ok || o.faultsPerRun < 1)
        return fail("--faults-per-run needs a positive number");
    o.explain = parser.isSet(QStringLiteral("report")) && parser.isSet(QStringLiteral("explain"));
    auto duration = [&](const char *name, Duration &out, Duration minimum) {
        const auto parsed = parseDuration(parser.value(QString::fromLatin1(name)).toStdString());
        if (!parsed || *parsed < minimum)
            return false;
        out = *parsed;
        return true;
    };
    if (!duration("spacing", o.spacing, kMinute))
        return fail("--spacing needs a duration of at least 1m");
    if (!duration("history", o.history, 0))
        return fail("--history needs a duration");
    if (parser.isSet(QStringLiteral("duration-per-fault")) && !duration("duration-per-fault", o.faultDuration, 10 * kSecond))
        return fail("--duration-per-fault needs a duration of at least 10s");

    auto scenario = loadScenario(parser.value(QStringLiteral("scenario")).toStdString());
    if (!scenario) {
        std::fprintf(stderr, "nocturne-engine campaign: %s\n", scenario.error().toString().c_str());
        return 2;
    }
    const std::vector<PlannedFault> plan = planCampaign(scenario->estate, o);
    if (plan.empty()) {
        std::fprintf(stderr, "nocturne-engine campaign: no fault class has an eligible root in scenario '%s'\n", scenario->name.c_str());
        return 1;
    }
    std::size_t overlapping = 0;
    for (const PlannedFault &p : plan)
        overlapping += p.concurrent;
    std::printf("campaign %s (%s): %zu faults, %zu overlapping, seed %llu, spacing %s, history %s\n", scenario->name.c_str(),
                scenario->source.c_str(), plan.size(), overlapping, static_cast<unsigned long long>(o.seed),
                formatDuration(o.spacing).c_str(), formatDuration(o.history).c_str());

    // Replays of at most --faults-per-run faults; an overlapping fault stays in the replay of the fault it overlaps.
    std::vector<FaultOutcome> outcomes(plan.size());
    RunTotals totals;
    int runs = 0;
    for (std::size_t first = 0; first < plan.size();) {
        std::size_t last = std::min(plan.size(), first + std::size_t(o.faultsPerRun));
        while (last < plan.size() && plan[last].concurrent)
            ++last;
        if (!runCampaignSlice(*scenario, plan, first, last, o, outcomes, totals))
            return 1;
        ++runs;
        first = last;
    }

    std::size_t withIncident = 0, top1 = 0, top3 = 0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const FaultOutcome &out = outcomes[i];
        withIncident += out.rank >= 0;
        top1 += out.rank == 1;
        top3 += out.rank >= 1 && out.rank <= 3;
        if (parser.isSet(QStringLiteral("report"))) {
            const PlannedFault &p = plan[i];
            std::printf("fault %-32s class=%-26s root=%-24s onset=+%s%s incidents=%zu rank=%s top3=%s\n", p.id.c_str(),
                        p.faultClass.c_str(), p.root.c_str(), formatDuration(p.onset).c_str(), p.concurrent ? " overlapping" : "",
                        out.incidents, out.rank < 0 ? "-" : std::to_string(out.rank).c_str(), out.top3.empty() ? "-" : out.top3.c_str());
            if (parser.isSet(QStringLiteral("explain")))
                std::printf("%s", out.explain.c_str());
        }
    }
    std::size_t fragments = 0;
    for (const FaultOutcome &out : outcomes)
        fragments += out.incidents;
    std::sort(totals.diagnoseMs.begin(), totals.diagnoseMs.end());
    const double purity = totals.withFault ? double(totals.pure) / double(totals.withFault) : 0.0;
    const double fragmentation = withIncident ? double(fragments) / double(withIncident) : 0.0;
    const double recall = double(withIncident) / double(plan.size());
    auto share = [&](std::size_t n) {
        return withIncident ? double(n) / double(withIncident) : 0.0;
    };
    const double medianMs = totals.diagnoseMs.empty() ? 0.0 : totals.diagnoseMs[totals.diagnoseMs.size() / 2];
    std::printf("with_incident=%zu recall=%.3f fault_incidents=%zu noise_only=%zu runs=%d\n", withIncident, recall, totals.withFault,
                totals.noiseOnly, runs);
    std::printf("campaign: faults=%zu incidents=%zu purity=%.3f fragmentation=%.2f top1=%.3f top3=%.3f median_ms=%.1f\n", plan.size(),
                totals.incidents, purity, fragmentation, share(top1), share(top3), medianMs);
    return 0;
}

} // namespace Nocturne::App
