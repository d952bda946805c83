#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace Nocturne::Engine {

// One metric of one entity around an incident: a fault-free reference window and the incident window (values in
// time order, NaN for gaps). `kind` is the metric's role (cpu, mem, latency, errors, traffic, …) and names the
// fault class a root cause on it suggests.
struct RcaMetric
{
    std::string entity;
    std::string name;
    std::string kind;
    std::vector<double> normal;
    std::vector<double> incident;
    std::vector<Timestamp> incidentTimes; // parallel to `incident` (may be empty: evenly spaced from onset)
};

struct RcaInput
{
    std::vector<std::string> candidates; // the ranking universe (entities); empty: every entity with metrics
    std::vector<RcaMetric> metrics;
    Timestamp onset = 0;                   // first time of the incident window
    // When the symptoms began (the incident's first alert); 0: unknown. A cause changes before its effects, so a
    // change that starts well after this is another fault's doing or a consequence: its weight for the ranking fades
    // (halved about every 80 s past a minute's grace).
    Timestamp symptomStart = 0;
    std::vector<std::pair<std::string, std::string>> calls; // caller → callee, when a topology is known
    std::vector<double> callRates; // parallel to `calls` (requests per second), optional: weights the request share
    // The symptom to explain (e.g. the entry service's latency): with `calls`, candidates are searched below it.
    std::string target;
    std::string targetKind; // latency, errors, …; empty: the stronger of the target's latency and error evidence
    // Measurement points that mirror another component (a caller's view of a remote endpoint, a client-side span):
    // they carry evidence but are not where a fault lives, so they rank after real components of the same tier.
    std::vector<std::string> observers;
    // Entities that raised the incident's alerts: the grouping already judged them part of this trouble, so they
    // count as anomalous in the walk and as reached from the symptom, even when a weak intermediate caller between
    // them and the target shows little (a diluted path, a fault seen only from the caller's side).
    std::vector<std::string> alerting;
    // Dependencies shared by unrelated dependents (hosts, nodes): one explains a dependent's anomaly only when its own
    // is at least as strong (a host's jitter from the load on it does not explain a cache's collapse).
    std::vector<std::string> shared;
};

struct RcaEvidence
{
    std::string metric;
    std::string kind;
    double score = 0;      // robust z: deviation from the reference median in reference IQRs (max over the window)
    double direction = 0;  // +1 rose, −1 fell
    Timestamp onset = 0;   // first time the deviation crossed the onset threshold (0: never)
    double value = 0;      // the most deviating incident value
    double reference = 0;  // the reference median
    std::string text;      // "carts_cpu rose to 14.2× its reference spread at 10:31:05"
    // Lagged correlation with the symptom (see enrichCandidates): Pearson r of this metric against the target's
    // symptom metric shifted by `lagSeconds` (this metric leading); NaN when not computed.
    double correlation = std::numeric_limits<double>::quiet_NaN();
    double lagSeconds = 0;
    // What ranks: the score weighted by how close to the symptoms' start the change began (see RcaInput::symptomStart).
    double rankScore = 0;
};

struct RcaCandidate
{
    std::string entity;
    std::string faultClass; // from the strongest evidence's kind (cpu → cpu_saturation, mem → memory_leak, …)
    double score = 0;
    double confidence = 0;  // share of the top scores, in [0, 1]
    int tier = 0;           // from the topology walk (lower ranks first); scores compare within a tier
    std::vector<RcaEvidence> evidence; // strongest first
    std::string disproof;   // what would show this candidate is wrong
    // Filled by enrichCandidates / the knowledge base / feedback (diagnosis.h):
    std::vector<std::string> propagationPath; // the candidate first, then each caller up to the symptom's entity
    std::vector<std::string> blastRadius;     // entities whose requests pass through the candidate (transitive callers)
    double requestShare = 0;                  // share of entry traffic that can reach the candidate, in [0, 1]
    std::string pattern;                      // the knowledge-base pattern that matched, if any
    std::string action;                       // what that pattern suggests doing
    double feedbackWeight = 1;                // from operators' earlier confirmations and rejections
    double walkScore = 0;                     // personalised PageRank from the symptom, relative to the best (0–1)
};

struct RcaOptions
{
    double onsetThreshold = 4.0; // robust z at which a metric counts as changed
    double anomalyThreshold = 5.0; // robust z at which an entity counts as anomalous in the topology walk
    std::size_t maxEvidence = 4;
};

// The role of a metric from its (Prometheus-style) name: cpu, mem, latency, errors, traffic or "" (other: counted in
// both directions). Conventions only: *cpu*, *memory*/*heap*, *duration*/*latency*/*_seconds*/*wait*, *error*/*fail*/
// *restart*, *per_second*/*_total*/*ops*/*requests*.
std::string metricKindOf(std::string_view name);

// Ranks root-cause candidates from metric evidence (robust deviation of the incident window from the reference,
// BARO-style: median and inter-quartile range of the reference, so heavy tails and outliers in the reference do not
// inflate the scale), with onset ordering as the tie-break: among similar scores, what changed first ranks first.
// With a call graph and a target, the walk explains anomalies away: an anomalous entity below the target whose own
// callees are all normal is where the trouble starts (a slow dependency makes every caller slow); such entities rank
// first, then anomalous entities explained by an anomalous callee, then the rest below the target, then the others.
std::vector<RcaCandidate> rankRootCauses(const RcaInput &input, const RcaOptions &options = {});

// The walk's tier as a weight on the score: each step of two tiers (explained by an anomalous callee, off the
// symptom's path, not anomalous) divides it by ten, so a worse tier overtakes only with far stronger evidence; an
// observer (odd tier) ranks after the real components of its step.
double tierWeight(int tier);
// Orders candidates by score × tierWeight (equal ones by the earlier onset, then name) and sets each confidence to its
// share of that over the first five, so the list is always in the order of the confidence it shows.
void orderCandidates(std::vector<RcaCandidate> &candidates);

} // namespace Nocturne::Engine
