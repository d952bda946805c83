#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>
#include <functional>
#include <map>

#include "commands.h"

using namespace Nocturne::App;

namespace {
void printUsage(FILE *out)
{
    std::fputs("usage: nocturne-engine <command> [options]\n"
               "\n"
               "commands:\n"
               "  replay    replay a built-in or custom scenario through the engine and print a summary\n"
               "  detect    score timestamp,value CSV files (or a NAB corpus) with the streaming detector\n"
               "  parse-logs  mine log templates from a file (or a Loghub-2k folder)\n"
               "  storm     replay the fault library as an alert storm, group into incidents, score it\n"
               "  campaign  inject N synthesized faults at random eligible roots, score incidents and top-1/top-3 causes\n"
               "  profile   import a profile: summary, hot spots, rules, top movers against a baseline\n"
               "  rca-bench rank root causes on a public RCA dataset (writes case_id,ranking,runtime_s)\n"
               "  fabric    import an ibnetdiscover / iblinkinfo / YAML fabric; print its shape and host-to-host paths\n"
               "  fabric-bench  replay the gpu-cluster faults through the fabric monitor (detect, localise, predict)\n"
               "  plugins list [--json]   load the remediation plugins and print their metadata, or why they failed\n"
               "  audit verify --db FILE  check the remediation audit chain; exits 1 naming the first bad record\n"
               "  users add|list --db FILE  manage console users (password on standard input)\n"
               "  serve     run the configured feeds (Kafka, Prometheus, Alertmanager, logs) headless\n"
               "  mock-kafka  start librdkafka's mock Kafka cluster and publish a scenario to it as OTLP\n"
               "  version   print the version\n"
               "\n"
               "Run 'nocturne-engine <command> --help' for a command's options.\n",
               out);
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nocturne"));
    QCoreApplication::setOrganizationName(QStringLiteral("nocturne"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NOCTURNE_VERSION));

    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    if (args.isEmpty() || args.front() == QStringLiteral("--help") || args.front() == QStringLiteral("-h")) {
        printUsage(args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? 2 : 0;
    }
    const std::map<QString, std::function<int(const QStringList &)>> commands = {
        {QStringLiteral("replay"), runReplay},
        {QStringLiteral("detect"), runDetect},
        {QStringLiteral("parse-logs"), runParseLogs},
        {QStringLiteral("version"), runVersion},
        {QStringLiteral("serve"), runServe},
        {QStringLiteral("storm"), runStorm},
        {QStringLiteral("campaign"), runCampaign},
        {QStringLiteral("profile"), runProfile},
        {QStringLiteral("rca-bench"), runRcaBench},
        {QStringLiteral("fabric"), runFabric},
        {QStringLiteral("fabric-bench"), runFabricBench},
        {QStringLiteral("plugins"), runPlugins},
        {QStringLiteral("audit"), runAudit},
        {QStringLiteral("users"), runUsers},
        {QStringLiteral("mock-kafka"), runMockKafka},
    };
    auto it = commands.find(args.front());
    if (it == commands.end()) {
        std::fprintf(stderr, "nocturne-engine: unknown command '%s'\n\n", qPrintable(args.front()));
        printUsage(stderr);
        return 2;
    }
    // Exceptions stop here: a crash report is worse than a message and a non-zero exit.
    try {
        return it->second(args);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "nocturne-engine: internal error: %s\n", e.what());
        return 70;
    }
}
