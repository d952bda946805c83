#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include <chrono>
#include <cstdio>

#include "commands.h"
#include "detect/series_detector.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {

struct FileResult {
    std::size_t rows = 0;
    std::size_t badRows = 0;
    std::size_t alarms = 0;
};

// Scores one `timestamp,value` CSV into `timestamp,value,anomaly_score,expected,lower,upper,reason`, one output row
// per input row. Each score depends only on the rows up to it. Malformed rows are reported with file:line, scored 0
// with reason bad-value, and do not stop the rest of the file.
Result<FileResult> detectFile(const QString &inputPath, const QString &outputPath, const DetectorConfig &config)
{
    QFile input(inputPath);
    if (!input.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::IoError, input.errorString().toStdString(), inputPath.toStdString());
    QFileInfo(outputPath).absoluteDir().mkpath(QStringLiteral("."));
    QFile output(outputPath);
    if (!output.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return makeError(ErrorCode::IoError, output.errorString().toStdString(), outputPath.toStdString());
    QTextStream out(&output);
    out << "timestamp,value,anomaly_score,expected,lower,upper,reason\n";

    SeriesDetector detector;
    FileResult result;
    int lineNumber = 0;
    while (!input.atEnd()) {
        const QByteArray line = input.readLine().trimmed();
        ++lineNumber;
        if (lineNumber == 1 && line.startsWith("timestamp"))
            continue;
        if (line.isEmpty())
            continue;
        ++result.rows;
        const int comma = line.indexOf(',');
        const QByteArray tsText = comma < 0 ? line : line.left(comma);
        const QByteArray valueText = comma < 0 ? QByteArray() : line.mid(comma + 1).split(',').front();
        auto ts = parseTimestamp(tsText.toStdString());
        bool valueOk = false;
        const double value = valueText.toDouble(&valueOk);
        if (!ts || !valueOk) {
            ++result.badRows;
            std::fprintf(stderr, "%s:%d: %s\n", qPrintable(inputPath), lineNumber,
                         !ts ? ts.error().message.c_str() : "value is not a number");
            out << QString::fromUtf8(tsText) << ',' << QString::fromUtf8(valueText) << ",0,,,,bad-value\n";
            continue;
        }
        const Detection d = detector.update(*ts, value, config);
        result.alarms += d.score >= config.threshold;
        out << QString::fromUtf8(tsText) << ',' << QString::fromUtf8(valueText) << ','
            << QString::number(d.score, 'f', 6) << ',' << QString::number(d.expected, 'g', 10) << ','
            << QString::number(d.lower, 'g', 10) << ',' << QString::number(d.upper, 'g', 10) << ','
            << QString::fromLatin1(anomalyReasonName(d.reason)) << '\n';
    }
    out.flush();
    if (output.error() != QFileDevice::NoError)
        return makeError(ErrorCode::IoError, output.errorString().toStdString(), outputPath.toStdString());
    return result;
}

} // namespace

int runDetect(const QStringList &args)
{
    const DetectorConfig defaults;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Score time series with the engine's streaming detector.\n"
                       "Output: timestamp,value,anomaly_score,expected,lower,upper,reason — one row per input row, each "
                       "score computed only from rows up to that one. The engine raises an anomaly when anomaly_score "
                       ">= %1 (see --threshold).")
            .arg(defaults.threshold));
    parser.addOption({QStringLiteral("input"), QStringLiteral("A timestamp,value CSV file."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("nab-dir"), QStringLiteral("A NAB checkout: every CSV under DIR/data/** is scored."),
                      QStringLiteral("dir")});
    parser.addOption({QStringLiteral("output"), QStringLiteral("Output CSV (with --input) or directory (with --nab-dir)."),
                      QStringLiteral("path")});
    parser.addOption({QStringLiteral("threshold"),
                      QStringLiteral("Print the production threshold the engine uses to raise an anomaly and exit.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "detect", exitCode))
        return exitCode;
    if (parser.isSet(QStringLiteral("threshold"))) {
        std::printf("%.2f\n", defaults.threshold);
        return 0;
    }
    if (!parser.isSet(QStringLiteral("output")) || parser.isSet(QStringLiteral("input")) == parser.isSet(QStringLiteral("nab-dir"))) {
        std::fprintf(stderr, "nocturne-engine detect: give --output and exactly one of --input or --nab-dir\n");
        return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    std::size_t files = 0, rows = 0, bad = 0, alarms = 0;
    auto run = [&](const QString &in, const QString &out) {
        auto result = detectFile(in, out, defaults);
        if (!result) {
            std::fprintf(stderr, "nocturne-engine detect: %s\n", result.error().toString().c_str());
            return false;
        }
        ++files;
        rows += result->rows;
        bad += result->badRows;
        alarms += result->alarms;
        return true;
    };
    bool ok = true;
    if (parser.isSet(QStringLiteral("input"))) {
        ok = run(parser.value(QStringLiteral("input")), parser.value(QStringLiteral("output")));
    } else {
        const QDir dataDir(QFileInfo(parser.value(QStringLiteral("nab-dir")) + QStringLiteral("/data")).absoluteFilePath());
        if (!dataDir.exists()) {
            std::fprintf(stderr, "nocturne-engine detect: %s does not exist\n", qPrintable(dataDir.path()));
            return 1;
        }
        QStringList inputs;
        QDirIterator it(dataDir.path(), {QStringLiteral("*.csv")}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            inputs << it.next();
        inputs.sort();
        const QDir outDir(parser.value(QStringLiteral("output")));
        for (const QString &in : inputs)
            ok &= run(in, outDir.filePath(dataDir.relativeFilePath(in)));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "detect: %zu files, %zu rows (%zu malformed), %zu alarms at threshold %.2f, %.2f s\n", files, rows,
                 bad, alarms, defaults.threshold, seconds);
    if (!ok)
        return 1;
    return bad ? 3 : 0;
}

} // namespace Nocturne::App
