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

struct ParseOptions {
    QString format = QStringLiteral("auto");
    bool records = false;               // join continuation lines into the record they belong to
    std::size_t maxLineBytes = 1 << 20; // longer lines are cut here (and counted)
    std::size_t sampleLines = 200;      // lines the header is learned from
};

struct ParseResult {
    std::size_t lines = 0;
    std::size_t records = 0;
    std::size_t headerMismatches = 0;
    std::size_t cutLines = 0;
    std::size_t templates = 0;
    std::string format;
};

// Reads lines with a bound checked while reading: a line over the limit keeps its first maxLineBytes bytes.
Result<std::vector<std::string>> readLines(const QString &path, std::size_t maxLineBytes, std::size_t &cut)
{
    QFile input(path);
    if (!input.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::IoError, input.errorString().toStdString(), path.toStdString());
    std::vector<std::string> lines;
    std::string current;
    bool overflow = false;
    char buffer[64 * 1024];
    auto finish = [&] {
        if (!current.empty() && current.back() == '\r')
            current.pop_back();
        lines.push_back(std::move(current));
        current.clear();
        cut += overflow ? 1 : 0;
        overflow = false;
    };
    for (;;) {
        const qint64 n = input.read(buffer, sizeof buffer);
        if (n < 0)
            return makeError(ErrorCode::IoError, input.errorString().toStdString(), path.toStdString());
        if (n == 0)
            break;
        std::size_t start = 0;
        for (std::size_t i = 0; i < std::size_t(n); ++i) {
            if (buffer[i] != '\n')
                continue;
            if (!overflow)
                current.append(buffer + start, std::min(i - start, maxLineBytes - current.size()));
            finish();
            start = i + 1;
        }
        if (!overflow && start < std::size_t(n)) {
            const std::size_t room = maxLineBytes - current.size();
            current.append(buffer + start, std::min(std::size_t(n) - start, room));
            overflow = std::size_t(n) - start > room;
        }
    }
    if (!current.empty() || overflow)
        finish();
    return lines;
}

Result<LogFormat> formatFor(const QString &name, const std::vector<std::string> &lines, std::size_t sampleLines, const QString &path)
{
    auto spec = LogFormat::fromSpec(name.toStdString());
    if (!spec) {
        Error e = spec.error();
        e.context = path.toStdString();
        return tl::unexpected(e);
    }
    if (*spec)
        return std::move(**spec);
    const std::vector<std::string> sample(lines.begin(), lines.begin() + std::ptrdiff_t(std::min(sampleLines, lines.size())));
    return LogFormat::learn(sample);
}

// Mines templates from one log file and writes LineId,EventTemplate (Loghub convention, <*> for variables). Lines whose
// header does not match the format are mined whole (and counted); nothing is dropped.
Result<ParseResult> parseFile(const QString &inputPath, const ParseOptions &options, const QString &outputPath)
{
    ParseResult result;
    auto lines = readLines(inputPath, options.maxLineBytes, result.cutLines);
    if (!lines)
        return tl::unexpected(lines.error());
    auto format = formatFor(options.format, *lines, options.sampleLines, inputPath);
    if (!format)
        return tl::unexpected(format.error());
    result.format = format->name() == "auto" ? "auto: " + format->pattern() : format->name();
    TemplateMiner miner;
    struct Row {
        std::size_t lineId;
        TemplateId id;
    };
    std::vector<Row> rows;
    rows.reserve(lines->size());
    auto mine = [&](std::size_t lineId, std::string_view text) {
        std::optional<std::string_view> content = format->contentView(text);
        if (!content) {
            ++result.headerMismatches;
            content = text;
        }
        rows.push_back({lineId, miner.add(*content)});
    };
    if (options.records) {
        LogRecordAssembler assembler(*format);
        for (const std::string &line : *lines) {
            if (auto record = assembler.add(line))
                mine(record->firstLine + 1, record->text);
        }
        if (auto record = assembler.flush())
            mine(record->firstLine + 1, record->text);
    } else {
        for (std::size_t i = 0; i < lines->size(); ++i)
            mine(i + 1, (*lines)[i]);
    }
    QFileInfo(outputPath).absoluteDir().mkpath(QStringLiteral("."));
    QFile output(outputPath);
    if (!output.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return makeError(ErrorCode::IoError, output.errorString().toStdString(), outputPath.toStdString());
    QTextStream out(&output);
    out << "LineId,EventTemplate\n";
    for (const Row &row : rows) {
        QString text = QString::fromStdString(miner.get(row.id).text());
        text.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        out << row.lineId << ",\"" << text << "\"\n";
    }
    result.lines = lines->size();
    result.records = rows.size();
    result.templates = miner.templates().size();
    return result;
}

} // namespace

int runParseLogs(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Mine log templates (LineId,EventTemplate with <*> for variables)."));
    parser.addOption({QStringLiteral("input"), QStringLiteral("A log file."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("format"),
                      QStringLiteral("'auto' (learn the header from the first lines), 'raw' (no header), a preset name, or a pattern in "
                                     "Loghub notation such as '<Date> <Time> <Level> <Component>: <Content>'."),
                      QStringLiteral("format"), QStringLiteral("auto")});
    parser.addOption({QStringLiteral("loghub-dir"),
                      QStringLiteral("A folder of datasets: every <Name>/<Name>_2k.log is parsed (one row per line, the Loghub "
                                     "convention), each with --format (auto learns each file's header on its own)."),
                      QStringLiteral("dir")});
    parser.addOption({QStringLiteral("output"), QStringLiteral("Output CSV (with --input) or directory (with --loghub-dir)."),
                      QStringLiteral("path")});
    parser.addOption({QStringLiteral("lines"), QStringLiteral("With --input: one row per line instead of per record (continuation "
                                                              "lines such as stack traces are joined to their record by default).")});
    parser.addOption({QStringLiteral("max-line-bytes"), QStringLiteral("Lines longer than this are cut (default 1048576)."),
                      QStringLiteral("bytes"), QStringLiteral("1048576")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "parse-logs", exitCode)) {
        if (exitCode == 0) {
            std::fputs("\npresets:", stdout);
            for (const auto &f : LogFormat::builtins())
                std::printf(" %s", f.name().c_str());
            std::fputs("\n", stdout);
        }
        return exitCode;
    }
    if (!parser.isSet(QStringLiteral("output")) || parser.isSet(QStringLiteral("input")) == parser.isSet(QStringLiteral("loghub-dir"))) {
        std::fprintf(stderr, "nocturne-engine parse-logs: give --output and exactly one of --input or --loghub-dir\n");
        return 2;
    }
    ParseOptions options;
    options.format = parser.value(QStringLiteral("format"));
    if (auto spec = LogFormat::fromSpec(options.format.toStdString()); !spec) {
        std::fprintf(stderr, "nocturne-engine parse-logs: --format: %s\n", spec.error().message.c_str());
        return 2;
    }
    bool ok = false;
    const qulonglong maxLine = parser.value(QStringLiteral("max-line-bytes")).toULongLong(&ok);
    if (!ok || maxLine < 64 || maxLine > (qulonglong(1) << 30)) {
        std::fprintf(stderr, "nocturne-engine parse-logs: --max-line-bytes must be a number between 64 and 1073741824\n");
        return 2;
    }
    options.maxLineBytes = std::size_t(maxLine);
    const auto started = std::chrono::steady_clock::now();
    auto report = [](const QString &name, const Result<ParseResult> &r) {
        if (!r) {
            std::fprintf(stderr, "nocturne-engine parse-logs: %s\n", r.error().toString().c_str());
            return false;
        }
        std::fprintf(stderr, "%-12s lines=%zu records=%zu templates=%zu header-mismatches=%zu cut-lines=%zu format=%s\n", qPrintable(name),
                     r->lines, r->records, r->templates, r->headerMismatches, r->cutLines, r->format.c_str());
        return true;
    };
    ok = true;
    if (parser.isSet(QStringLiteral("input"))) {
        const QString in = parser.value(QStringLiteral("input"));
        options.records = !parser.isSet(QStringLiteral("lines"));
        ok = report(QFileInfo(in).fileName(), parseFile(in, options, parser.value(QStringLiteral("output"))));
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
            // One setting for every dataset: the folder's name is never used to pick a format.
            ok &= report(name, parseFile(log, options, out.filePath(name + QLatin1Char('/') + name + QStringLiteral("_2k.log_structured.csv"))));
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
