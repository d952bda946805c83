// `fabric`: import a fabric description and answer questions about it; `fabric-bench`: replay the gpu-cluster faults
// through the fabric monitor and measure detection, localisation and failure-prediction lead.
#include <QCommandLineParser>
#include <QFile>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "commands.h"
#include "fabric/fabric.h"
#include "fabric/fabric_health.h"
#include "fabric/fabric_telemetry.h"
#include "scenario/scenario_library.h"
#include "scenario/signal_generator.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;


int runFabric(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Import a fabric (ibnetdiscover, iblinkinfo or YAML) and print its shape; "
                                                    "--path prints the stages between two hosts or GPUs."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("topology file"));
    parser.addOption({QStringLiteral("format"), QStringLiteral("ibnetdiscover, iblinkinfo, yaml or auto"), QStringLiteral("format"), QStringLiteral("auto")});
    parser.addOption({QStringLiteral("path"), QStringLiteral("Two endpoints, comma-separated (host, GPU or HCA ids)"), QStringLiteral("a,b")});
    parser.addOption({QStringLiteral("jobs"), QStringLiteral("YAML map job → [hosts]"), QStringLiteral("file")});
    parser.addOption({QStringLiteral("errors"), QStringLiteral("ibqueryerrors output: ports over rdma-core's thresholds, on this fabric"), QStringLiteral("file")});
    parser.addOption({QStringLiteral("optics"), QStringLiteral("`ethtool -m` text or SONiC TRANSCEIVER tables (JSON): sub-health score per module"), QStringLiteral("file")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "fabric", exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "fabric: exactly one topology file expected\n");
        return 2;
    }
    auto fabric = importFabricFile(parser.positionalArguments().front().toStdString(), parser.value(QStringLiteral("format")).toStdString());
    if (!fabric) {
        std::fprintf(stderr, "fabric: %s\n", fabric.error().toString().c_str());
        return 1;
    }
    if (parser.isSet(QStringLiteral("jobs"))) {
        QFile f(parser.value(QStringLiteral("jobs")));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "fabric: cannot open %s\n", qPrintable(f.fileName()));
            return 1;
        }
        const QByteArray bytes = f.readAll();
        if (Status s = applyJobsYaml(*fabric, std::string_view(bytes.constData(), std::size_t(bytes.size())), f.fileName().toStdString()); !s) {
            std::fprintf(stderr, "fabric: %s\n", s.error().toString().c_str());
            return 1;
        }
    }
    std::size_t leaves = 0, spines = 0, cabled = 0;
    for (const FabricNode &n : fabric->nodes)
        leaves += n.role == SwitchRole::Leaf, spines += n.role == SwitchRole::Spine;
    for (const FabricPort &p : fabric->ports)
        cabled += p.peer >= 0;
    std::printf("nodes=%zu switches=%zu leaves=%zu spines=%zu hcas=%zu servers=%zu gpus=%zu ports=%zu cabled_ports=%zu links=%zu jobs=%zu\n",
                fabric->nodes.size(), fabric->switchCount(), leaves, spines, fabric->hcaCount(), fabric->servers.size(),
                fabric->gpus.size(), fabric->ports.size(), cabled, fabric->links.size(), fabric->jobs.size());
    auto readAll = [](const QString &path, std::string &out) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "fabric: cannot open %s\n", qPrintable(path));
            return false;
        }
        const QByteArray b = f.readAll();
        out.assign(b.constData(), std::size_t(b.size()));
        return true;
    };
    if (parser.isSet(QStringLiteral("errors"))) {
        std::string text;
        if (!readAll(parser.value(QStringLiteral("errors")), text))
            return 1;
        auto reports = parseIbqueryerrors(text, parser.value(QStringLiteral("errors")).toStdString());
        if (!reports) {
            std::fprintf(stderr, "fabric: %s\n", reports.error().toString().c_str());
            return 1;
        }
        std::printf("port\tcounter\tvalue\tthreshold\tfar_end\n");
        for (const PortErrorReport &r : *reports) {
            if (r.port < 0)
                continue; // the ALL aggregate repeats the ports
            const Fabric::Lookup node = fabric->lookup("0x" + QString::number(qulonglong(r.guid), 16).toStdString());
            std::string portId = "guid 0x" + QString::number(qulonglong(r.guid), 16).toStdString() + " port " + std::to_string(r.port);
            std::string farEnd = "-";
            if (node.kind == Fabric::Lookup::Kind::Node) {
                const int p = fabric->findPort(fabric->nodes[std::size_t(node.index)].id + (fabric->nodes[std::size_t(node.index)].kind == FabricNodeKind::Switch
                                                                                              ? QString::asprintf("/p%02d", r.port).toStdString()
                                                                                              : "/p" + std::to_string(r.port)));
                if (p >= 0) {
                    portId = fabric->ports[std::size_t(p)].id;
                    if (fabric->ports[std::size_t(p)].peer >= 0)
                        farEnd = fabric->ports[std::size_t(fabric->ports[std::size_t(p)].peer)].id;
                }
            }
            for (const auto &[counter, value] : r.counters)
                if (value >= ibErrorThreshold(counter) && counter.find("Data") == std::string::npos && counter.find("Pkts") == std::string::npos)
                    std::printf("%s\t%s\t%llu\t%llu\t%s\n", portId.c_str(), counter.c_str(), static_cast<unsigned long long>(value),
                                static_cast<unsigned long long>(ibErrorThreshold(counter)), farEnd.c_str());
        }
    }
    if (parser.isSet(QStringLiteral("optics"))) {
        const QString path = parser.value(QStringLiteral("optics"));
        std::string text;
        if (!readAll(path, text))
            return 1;
        std::map<std::string, TransceiverDom> modules;
        if (text.find_first_not_of(" \t\r\n") != std::string::npos && text[text.find_first_not_of(" \t\r\n")] == '{') {
            auto sonic = parseSonicTransceiverTables(text, path.toStdString());
            if (!sonic) {
                std::fprintf(stderr, "fabric: %s\n", sonic.error().toString().c_str());
                return 1;
            }
            modules = std::move(*sonic);
        } else {
            auto dom = parseEthtoolModule(text, path.toStdString());
            if (!dom) {
                std::fprintf(stderr, "fabric: %s\n", dom.error().toString().c_str());
                return 1;
            }
            modules[dom->serial.empty() ? "module" : dom->serial] = std::move(*dom);
        }
        std::printf("module\tvendor\tpart\tscore\tworst_rx_margin_db\treasons\n");
        for (const auto &[name, dom] : modules) {
            if (dom.lanes.empty() && std::isnan(dom.temperatureC))
                continue; // inventory only, no readings
            const TransceiverAssessment a = assessTransceiver(dom, nullptr);
            std::string reasons;
            for (const std::string &r : a.reasons)
                reasons += (reasons.empty() ? "" : "; ") + r;
            std::printf("%s\t%s\t%s\t%.0f\t%.1f\t%s\n", name.c_str(), dom.vendor.empty() ? "-" : dom.vendor.c_str(),
                        dom.part.empty() ? "-" : dom.part.c_str(), a.score, a.worstRxMarginDb, reasons.empty() ? "-" : reasons.c_str());
        }
    }
    if (parser.isSet(QStringLiteral("path"))) {
        const QStringList ends = parser.value(QStringLiteral("path")).split(QLatin1Char(','));
        if (ends.size() != 2) {
            std::fprintf(stderr, "fabric: --path needs two endpoints separated by a comma\n");
            return 2;
        }
        auto paths = fabric->pathsBetween(ends[0].trimmed().toStdString(), ends[1].trimmed().toStdString());
        if (!paths) {
            std::fprintf(stderr, "fabric: %s\n", paths.error().toString().c_str());
            return 1;
        }
        for (const FabricPath &p : *paths) {
            std::printf("path %s -> %s rail=%d ecmp_paths=%.0f stages=%zu\n", p.from.c_str(), p.to.c_str(), p.rail, p.ecmpPaths, p.stages.size());
            for (const PathStage &s : p.stages) {
                std::printf("  ");
                for (std::size_t i = 0; i < s.elements.size() && i < 6; ++i)
                    std::printf("%s%s", i ? " | " : "", s.elements[i].c_str());
                if (s.elements.size() > 6)
                    std::printf(" | … (%zu alternatives)", s.elements.size());
                std::printf("\n");
            }
        }
    }
    return 0;
}

int runFabricBench(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Replay a GPU-cluster scenario's faults through the fabric monitor; per fault and "
                                                    "worst case: seconds to detect, to localise the exact element, and how long "
                                                    "before an optic's failure (RX power under its low alarm) it was predicted."));
    parser.addOption({QStringLiteral("scenario"), QStringLiteral("Scenario name or file"), QStringLiteral("name"), QStringLiteral("gpu-cluster")});
    parser.addOption({QStringLiteral("duration"), QStringLiteral("Simulated duration, e.g. 4h (default: the scenario's)"), QStringLiteral("d")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "fabric-bench", exitCode))
        return exitCode;
    auto scenario = loadScenario(parser.value(QStringLiteral("scenario")).toStdString());
    if (!scenario) {
        std::fprintf(stderr, "fabric-bench: %s\n", scenario.error().toString().c_str());
        return 1;
    }
    Duration duration = scenario->defaultDuration;
    if (parser.isSet(QStringLiteral("duration"))) {
        auto d = parseDuration(parser.value(QStringLiteral("duration")).toStdString());
        if (!d) {
            std::fprintf(stderr, "fabric-bench: %s\n", d.error().toString().c_str());
            return 2;
        }
        duration = *d;
    }
    auto fabric = std::make_shared<const Fabric>(Fabric::fromEstate(scenario->estate));
    if (fabric->switchCount() == 0) {
        std::fprintf(stderr, "fabric-bench: scenario '%s' has no fabric (no switches)\n", scenario->name.c_str());
        return 1;
    }
    FabricMonitor monitor(fabric);
    const SignalGenerator generator(*scenario);
    std::vector<int> handles;
    for (const GeneratedSeries &s : generator.series())
        handles.push_back(monitor.resolve(s.entityId, s.key.name));
    const Timestamp start = scenario->start, end = start + duration;
    const std::vector<FaultInstance> faults = scenario->faultInstances(start, end);

    struct Outcome {
        double detect = -1, localise = -1, predicted = -1, failure = -1;
        std::string firstElement, topAtLocalise;
    };
    std::vector<Outcome> outcomes(faults.size());
    // Ground truth for the lead: when the root optic's RX power (1-minute mean) first sits under its low alarm.
    std::vector<int> rxSeries(faults.size(), -1);
    std::vector<std::pair<double, int>> rxMinute(faults.size(), {0.0, 0});
    for (std::size_t f = 0; f < faults.size(); ++f)
        for (std::size_t i = 0; i < generator.series().size(); ++i)
            if (generator.series()[i].entityId == faults[f].spec->root && generator.series()[i].key.name == "transceiver_rx_power_dbm")
                rxSeries[f] = int(i);
    auto related = [&](const FaultSpec &spec, const std::string &element) {
        if (element == spec.root)
            return true;
        for (const std::string &p : spec.propagation)
            if (element == p || element.rfind(p + "/", 0) == 0)
                return true;
        return spec.root.rfind(element + "/", 0) == 0; // the port of a faulty optic
    };
    std::set<std::string> unexplained;
    StepOutput out;
    for (Timestamp t = start; t < end; t += generator.step()) {
        out.clear();
        generator.generate(t, out);
        for (const GeneratedSample &s : out.samples)
            monitor.observe(handles[s.series], t, s.value);
        monitor.evaluate(t);
        const double now = double(t) / double(kSecond);
        for (std::size_t f = 0; f < faults.size(); ++f) {
            const FaultInstance &fault = faults[f];
            Outcome &o = outcomes[f];
            const double onset = double(fault.onset) / double(kSecond);
            if (rxSeries[f] >= 0 && o.failure < 0 && t >= fault.onset) {
                for (const GeneratedSample &s : out.samples)
                    if (int(s.series) == rxSeries[f])
                        rxMinute[f].first += s.value, ++rxMinute[f].second;
                if (rxMinute[f].second * generator.step() >= kMinute) {
                    const int port = fabric->findPort(fault.spec->root.substr(0, fault.spec->root.size() - 5));
                    const double alarm = port >= 0 ? fabric->ports[std::size_t(port)].transceiver.thresholds.rxPowerLowAlarm : -10;
                    if (rxMinute[f].first / rxMinute[f].second < alarm)
                        o.failure = now;
                    rxMinute[f] = {0.0, 0};
                }
            }
            if (t < fault.onset || t > fault.end + 10 * kMinute)
                continue;
            for (const FabricFinding &finding : monitor.findings()) {
                if (finding.firstSeen < fault.onset)
                    continue;
                if (o.detect < 0 && related(*fault.spec, finding.element)) {
                    o.detect = double(finding.firstSeen) / double(kSecond) - onset;
                    o.firstElement = finding.element;
                }
                if (o.predicted < 0 && finding.kind == FindingKind::TransceiverPredicted && finding.element == fault.spec->root)
                    o.predicted = double(finding.firstSeen) / double(kSecond);
            }
            if (o.localise < 0) {
                const auto suspects = monitor.suspects(fault.onset);
                if (!suspects.empty() && suspects.front().element == fault.spec->root) {
                    o.localise = now - onset;
                    o.topAtLocalise = suspects.front().element;
                }
            }
        }
        // Root-candidate findings no active fault explains are false alarms.
        for (const FabricFinding &finding : monitor.findings()) {
            if (!finding.rootCandidate)
                continue;
            bool explained = false;
            for (const FaultInstance &fault : faults)
                if (t >= fault.onset && t <= fault.end + 2 * fault.spec->effects.front().ramp + 10 * kMinute && related(*fault.spec, finding.element))
                    explained = true;
            for (const FaultInstance &fault : faults)
                for (const FaultEffect &e : fault.spec->effects)
                    if (t >= fault.onset && globMatch(e.entity, finding.element))
                        explained = true; // a declared side effect (the storm's victims)
            if (!explained)
                unexplained.insert(finding.element + " " + findingKindName(finding.kind));
        }
    }
    double worstDetect = 0, worstLocalise = 0, worstLead = std::numeric_limits<double>::infinity();
    bool missedDetect = false, missedLocalise = false, anyLead = false;
    std::printf("fault\tclass\troot\tdetect_s\tlocalise_s\tpredict_lead_s\tfirst_finding\n");
    for (std::size_t f = 0; f < faults.size(); ++f) {
        const Outcome &o = outcomes[f];
        const FaultSpec &spec = *faults[f].spec;
        char lead[32] = "-";
        if (spec.faultClass == "transceiver_degradation") {
            if (o.predicted >= 0 && o.failure >= 0) {
                std::snprintf(lead, sizeof lead, "%.0f", o.failure - o.predicted);
                worstLead = std::min(worstLead, o.failure - o.predicted);
                anyLead = true;
            } else {
                std::snprintf(lead, sizeof lead, o.predicted < 0 ? "not_predicted" : "no_failure");
                if (o.predicted < 0)
                    worstLead = 0, anyLead = true;
            }
        }
        std::printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", spec.id.c_str(), spec.faultClass.c_str(), spec.root.c_str(),
                    o.detect < 0 ? "missed" : std::to_string(int(std::lround(o.detect))).c_str(),
                    o.localise < 0 ? "missed" : std::to_string(int(std::lround(o.localise))).c_str(), lead,
                    o.firstElement.empty() ? "-" : o.firstElement.c_str());
        missedDetect |= o.detect < 0;
        missedLocalise |= o.localise < 0;
        worstDetect = std::max(worstDetect, o.detect);
        worstLocalise = std::max(worstLocalise, o.localise);
    }
    std::printf("false_alarms=%zu", unexplained.size());
    std::size_t shown = 0;
    for (const std::string &u : unexplained)
        if (shown++ < 8)
            std::printf("%s%s", shown == 1 ? " (" : ", ", u.c_str());
    std::printf("%s\n", unexplained.empty() ? "" : ")");
    std::printf("detect_s=%s localise_s=%s predict_lead_s=%s\n",
                missedDetect ? "missed" : std::to_string(int(std::lround(worstDetect))).c_str(),
                missedLocalise ? "missed" : std::to_string(int(std::lround(worstLocalise))).c_str(),
                anyLead ? std::to_string(int(std::lround(worstLead))).c_str() : "n/a");
    return 0;
}

} // namespace Nocturne::App
