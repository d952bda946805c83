#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "logs/log_format.h"
#include "logs/template_miner.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {

struct ParseResult {
    std::size_t lines = 0;
    std::size_t headerMismatches = 0;
    std::size_t templates = 0;
    std::string format;
};

// Mines templates from one log file and writes LineId,EventTemplate (Loghub convention, <*> for variables). Lines whose
// header does not match the format are mined whole (and counted); nothing is dropped.
Result<ParseResult> parseFile(const QString &inputPath, const QString &formatName, const QString &outputPath)
{
    QFile input(inputPath);
    if (!input.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::IoError, input.errorString().toStdString(), inputPath.toStdString());
    std::vector<std::string> lines;
    while (!input.atEnd()) {
        QByteArray line = input.readLine();
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        lines.push_back(line.toStdString());
    }
    const LogFormat *format = nullptr;
    if (formatName == QStringLiteral("auto")) {
        std::vector<std::string> sample(lines.begin(), lines.begin() + std::ptrdiff_t(std::min<std::size_t>(200, lines.size())));
        format = LogFormat::detect(sample);
    } else if (formatName != QStringLiteral("raw")) {
        format = LogFormat::builtin(formatName.toStdString());
        if (!format)
            return makeError(ErrorCode::InvalidArgument, "unknown log format '" + formatName.toStdString() + "'",
                             inputPath.toStdString());
    }
    TemplateMiner miner;
    ParseResult result;
    result.format = format ? format->name() : "raw";
    std::vector<TemplateId> ids;
    ids.reserve(lines.size());
    for (const std::string &line : lines) {
        std::optional<std::string> content = format ? format->content(line) : std::optional<std::string>(line);
        if (!content) {
            ++result.headerMismatches;
            content = line;
        }
        ids.push_back(miner.add(*content));
    }
    QFileInfo(outputPath).absoluteDir().mkpath(QStringLiteral("."));
    QFile output(outputPath);
    if (!output.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return makeError(ErrorCode::IoError, output.errorString().toStdString(), outputPath.toStdString());
    QTextStream out(&output);
    out << "LineId,EventTemplate\n";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        QString text = QString::fromStdString(miner.get(ids[i]).text());
        text.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        out << (i + 1) << ",\"" << text << "\"\n";
    }
    result.lines = lines.size();
    result.templates = miner.templates().size();
    return result;
}

} // namespace

int runParseLogs(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Mine log templates (LineId,EventTemplate with <*> for variables)."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("input"), QStringLiteral("A log file."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("format"), QStringLiteral("Header format name, 'auto' (detect) or 'raw' (no header)."),
                      QStringLiteral("name"), QStringLiteral("auto")});
    parser.addOption({QStringLiteral("loghub-dir"),
                      QStringLiteral("A Loghub-2k folder: every <Name>/<Name>_2k.log is parsed with its own header format."),
                      QStringLiteral("dir")});
    parser.addOption({QStringLiteral("output"), QStringLiteral("Output CSV (with --input) or directory (with --loghub-dir)."),
                      QStringLiteral("path")});
    if (!parser.parse(args)) {
        std::fprintf(stderr, "nocturne-engine parse-logs: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        std::fputs("\nformats:", stdout);
        for (const auto &f : LogFormat::builtins())
            std::printf(" %s", f.name().c_str());
        std::fputs("\n", stdout);
        return 0;
    }
    if (!parser.isSet(QStringLiteral("output")) || parser.isSet(QStringLiteral("input")) == parser.isSet(QStringLiteral("loghub-dir"))) {
        std::fprintf(stderr, "nocturne-engine parse-logs: give --output and exactly one of --input or --loghub-dir\n");
        return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    auto report = [](const QString &name, const Result<ParseResult> &r) {
        if (!r) {
            std::fprintf(stderr, "nocturne-engine parse-logs: %s\n", r.error().toString().c_str());
            return false;
        }
        std::fprintf(stderr, "%-12s format=%-10s lines=%zu templates=%zu header-mismatches=%zu\n", qPrintable(name),
                     r->format.c_str(), r->lines, r->templates, r->headerMismatches);
        return true;
    };
    bool ok = true;
    if (parser.isSet(QStringLiteral("input"))) {
        const QString in = parser.value(QStringLiteral("input"));
        ok = report(QFileInfo(in).fileName(), parseFile(in, parser.value(QStringLiteral("format")), parser.value(QStringLiteral("output"))));
    } else {
        const QDir root(parser.value(QStringLiteral("loghub-dir")));
        const QDir out(parser.value(QStringLiteral("output")));
        const auto datasets = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        int found = 0;
        for (const QString &name : datasets) {
            const QString log = root.filePath(name + QLatin1Char('/') + name + QStringLiteral("_2k.log"));
            if (!QFile::exists(log))
                continue;
            ++found;
            // The header format is the only per-dataset setting (Loghub publishes one per dataset).
            const QString format = LogFormat::builtin(name.toStdString()) ? name : QStringLiteral("auto");
            ok &= report(name, parseFile(log, format, out.filePath(name + QLatin1Char('/') + name + QStringLiteral("_2k.log_structured.csv"))));
        }
        if (found == 0) {
            std::fprintf(stderr, "nocturne-engine parse-logs: no <Name>/<Name>_2k.log under %s\n", qPrintable(root.path()));
            return 1;
        }
    }
    std::fprintf(stderr, "parse-logs: %.2f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return ok ? 0 : 1;
}

} // namespace Nocturne::App
