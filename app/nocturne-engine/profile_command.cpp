// `profile`: import a profile (any supported format), print its summary and hot spots, evaluate hot-spot rules,
// diff against a baseline (top movers) or write it as folded stacks.
#include <QCommandLineParser>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "profile/hotspots.h"
#include "profile/profile_import.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {
void printHotspots(const CallTree &tree, int top)
{
    const HotspotTable table = hotspots(tree);
    std::printf("%-8s %-8s  %s\n", "self%", "total%", "function");
    for (int i = 0; i < top && i < int(table.functions.size()); ++i) {
        const auto &f = table.functions[std::size_t(i)];
        std::printf("%7.2f  %7.2f   %s\n", 100 * f.self / table.total, 100 * f.total / table.total, f.name.c_str());
    }
}
} // namespace

int runProfile(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Import a profile (folded, perf script, DTrace, pprof, speedscope, Chrome .cpuprofile or trace; gzip is looked\n"
        "through) and print its summary and hot spots."));
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Profile file."));
    parser.addOption({QStringLiteral("format"), QStringLiteral("Force a format instead of detecting it."), QStringLiteral("format")});
    parser.addOption({QStringLiteral("sample-type"), QStringLiteral("pprof sample type (e.g. cpu, samples, alloc_space)."), QStringLiteral("type")});
    parser.addOption({QStringLiteral("top"), QStringLiteral("Functions to list."), QStringLiteral("n"), QStringLiteral("15")});
    parser.addOption({QStringLiteral("rule"), QStringLiteral("Hot-spot rule to evaluate, e.g. 'hotspot(\"encrypt\") > 30%' (repeatable)."),
                      QStringLiteral("expr")});
    parser.addOption({QStringLiteral("baseline"), QStringLiteral("Baseline profile: print the top movers and allow delta() in rules."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("folded"), QStringLiteral("Write the profile as folded stacks to this file ('-' for stdout)."),
                      QStringLiteral("file")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "profile", exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "nocturne-engine profile: give one profile file\n");
        return 2;
    }
    ProfileImportOptions options;
    options.format = parser.value(QStringLiteral("format")).toStdString();
    options.sampleType = parser.value(QStringLiteral("sample-type")).toStdString();
    const auto t0 = std::chrono::steady_clock::now();
    auto profile = importProfileFile(parser.positionalArguments().front().toStdString(), options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!profile) {
        std::fprintf(stderr, "nocturne-engine profile: %s\n", profile.error().toString().c_str());
        return 1;
    }
    const CallTree &tree = profile->tree();
    std::printf("format=%s samples=%zu total=%.15g unit=%s nodes=%zu frames=%zu depth=%zu tracks=%zu skipped=%zu load_s=%.3f\n",
                profile->format.c_str(), profile->samples, tree.total(), tree.unit.c_str(), tree.size(), tree.frames().size(),
                tree.maxDepth(), profile->timeline.size(), profile->skipped, seconds);
    for (std::size_t i = 0; i < profile->sampleTypes.size(); ++i)
        std::printf("sample type %zu: %s/%s%s\n", i, profile->sampleTypes[i].type.c_str(), profile->sampleTypes[i].unit.c_str(),
                    i == profile->selected ? " (selected)" : "");
    for (const auto &w : profile->warnings)
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    printHotspots(tree, parser.value(QStringLiteral("top")).toInt());

    std::optional<Profile> baseline;
    if (parser.isSet(QStringLiteral("baseline"))) {
        auto b = importProfileFile(parser.value(QStringLiteral("baseline")).toStdString(), options);
        if (!b) {
            std::fprintf(stderr, "nocturne-engine profile: baseline: %s\n", b.error().toString().c_str());
            return 1;
        }
        baseline = std::move(*b);
        std::printf("top movers (total share, baseline → profile):\n");
        for (const Mover &m : topMovers(baseline->tree(), tree, std::size_t(parser.value(QStringLiteral("top")).toInt())))
            std::printf("%+7.2f  %6.2f → %6.2f   %s\n", 100 * m.delta(), 100 * m.beforeShare, 100 * m.afterShare, m.name.c_str());
    }
    int status = 0;
    for (const QString &text : parser.values(QStringLiteral("rule"))) {
        auto rule = HotspotRule::parse(text.toStdString());
        if (!rule) {
            std::fprintf(stderr, "nocturne-engine profile: %s: %s\n", rule.error().context.c_str(), rule.error().message.c_str());
            return 2;
        }
        const HotspotContext ctx{&tree, baseline ? &baseline->tree() : nullptr};
        const auto holds = rule->evaluate(ctx);
        if (!holds) {
            std::fprintf(stderr, "nocturne-engine profile: rule: %s\n", holds.error().message.c_str());
            return 2;
        }
        std::printf("rule %s: %s — %s\n", *holds ? "HOLDS" : "does not hold", text.toStdString().c_str(), rule->explain(ctx).c_str());
        status = *holds ? status : 3;
    }
    if (parser.isSet(QStringLiteral("folded"))) {
        const std::string folded = toFolded(tree);
        const QString out = parser.value(QStringLiteral("folded"));
        FILE *f = out == QLatin1String("-") ? stdout : std::fopen(out.toLocal8Bit().constData(), "wb");
        if (!f) {
            std::fprintf(stderr, "nocturne-engine profile: cannot write %s\n", out.toLocal8Bit().constData());
            return 1;
        }
        std::fwrite(folded.data(), 1, folded.size(), f);
        if (f != stdout)
            std::fclose(f);
    }
    return status;
}

} // namespace Nocturne::App
