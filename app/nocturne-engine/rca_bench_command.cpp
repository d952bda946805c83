// `rca-bench`: rank root causes for each case of a public RCA dataset and write case_id,ranking,runtime_s.
// One adapter per dataset layout; the cases file gives case ids and injection times, never the root cause.
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QTextStream>

#include <chrono>
#include <cstdio>
#include <map>

#include "commands.h"
#include "diagnose/root_cause.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {
struct Case
{
    std::map<QString, QString> fields; // case_id, inject_time, day, system, …
};

QStringList splitCsvLine(const QString &line)
{
    QStringList out;
    QString cur;
    bool quoted = false;
    for (QChar c : line) {
        if (c == QLatin1Char('"'))
            quoted = !quoted;
        else if (c == QLatin1Char(',') && !quoted) {
            out << cur;
            cur.clear();
        } else
            cur += c;
    }
    out << cur;
    return out;
}

Result<std::vector<Case>> readCases(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::IoError, "cannot open", path.toStdString());
    QTextStream in(&f);
    const QStringList header = splitCsvLine(in.readLine());
    if (!header.contains(QStringLiteral("case_id")))
        return makeError(ErrorCode::ParseError, "no case_id column", path.toStdString() + ":1");
    for (const QString &forbidden : {QStringLiteral("root_cause"), QStringLiteral("fault_type")}) {
        if (header.contains(forbidden))
            return makeError(ErrorCode::InvalidArgument, "the cases file must not carry labels ('" + forbidden.toStdString() + "' column)",
                             path.toStdString() + ":1");
    }
    std::vector<Case> cases;
    int lineNo = 1;
    while (!in.atEnd()) {
        const QString line = in.readLine();
        ++lineNo;
        if (line.trimmed().isEmpty())
            continue;
        const QStringList cells = splitCsvLine(line);
        Case c;
        for (int i = 0; i < header.size() && i < cells.size(); ++i)
            c.fields[header[i]] = cells[i];
        if (c.fields[QStringLiteral("case_id")].isEmpty())
            return makeError(ErrorCode::ParseError, "empty case_id", path.toStdString() + ":" + std::to_string(lineNo));
        cases.push_back(std::move(c));
    }
    return cases;
}

// A metrics CSV with a `time` column (unix seconds) and `<entity>_<metric>` columns.
struct Table
{
    std::vector<Timestamp> times;
    std::vector<QString> columns;
    std::vector<std::vector<double>> values; // per column
};

Result<Table> readTable(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::IoError, "cannot open", path.toStdString());
    Table t;
    const QList<QByteArray> header = f.readLine().trimmed().split(',');
    int timeCol = -1;
    for (int i = 0; i < header.size(); ++i) {
        if (header[i] == "time" || header[i] == "timestamp")
            timeCol = i;
        else
            t.columns.push_back(QString::fromUtf8(header[i]));
    }
    if (timeCol < 0)
        return makeError(ErrorCode::ParseError, "no time column", path.toStdString() + ":1");
    t.values.resize(t.columns.size());
    while (!f.atEnd()) {
        const QList<QByteArray> cells = f.readLine().trimmed().split(',');
        if (cells.size() < header.size())
            continue;
        std::size_t col = 0;
        for (int i = 0; i < header.size(); ++i) {
            bool ok = false;
            const double v = cells[i].toDouble(&ok);
            if (i == timeCol)
                t.times.push_back(Timestamp(v) * kSecond);
            else
                t.values[col++].push_back(ok ? v : std::nan(""));
        }
    }
    return t;
}

// Sock Shop (RCD): data/<case folder>/{normal,anomalous}.csv; columns <container>_<cpu|mem|lod|lat_50|lat_90|lat_99>.
// The case folder is the case id with its last '-' turned into '/' (the layout's own naming).
Result<RcaInput> sockshopCase(const QString &dataDir, const Case &c)
{
    QString id = c.fields.at(QStringLiteral("case_id"));
    const int dash = id.lastIndexOf(QLatin1Char('-'));
    const QString folder = QDir(dataDir).filePath(id.left(dash) + QLatin1Char('/') + id.mid(dash + 1));
    auto normal = readTable(folder + QStringLiteral("/normal.csv"));
    if (!normal)
        return tl::unexpected(normal.error());
    auto incident = readTable(folder + QStringLiteral("/anomalous.csv"));
    if (!incident)
        return tl::unexpected(incident.error());
    RcaInput input;
    input.onset = Timestamp(c.fields.count(QStringLiteral("inject_time")) ? c.fields.at(QStringLiteral("inject_time")).toLongLong() : 0) * kSecond;
    std::map<std::string, bool> entities;
    for (std::size_t i = 0; i < incident->columns.size(); ++i) {
        const QString &col = incident->columns[i];
        const int us = col.indexOf(QLatin1Char('_'));
        if (us <= 0)
            continue;
        const auto n = std::find(normal->columns.begin(), normal->columns.end(), col);
        if (n == normal->columns.end())
            continue;
        RcaMetric m;
        m.entity = col.left(us).toStdString();
        m.name = col.toStdString();
        const QString suffix = col.mid(us + 1);
        m.kind = suffix == QLatin1String("cpu") ? "cpu" : suffix == QLatin1String("mem") ? "mem" : suffix == QLatin1String("lod") ? "traffic" : "latency";
        m.normal = normal->values[std::size_t(n - normal->columns.begin())];
        m.incident = incident->values[i];
        m.incidentTimes = incident->times;
        entities[m.entity] = true;
        input.metrics.push_back(std::move(m));
    }
    for (const auto &[e, _] : entities)
        input.candidates.push_back(e);
    return input;
}
} // namespace

int runRcaBench(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Rank root causes for every case of a public RCA dataset; writes case_id,ranking,runtime_s (runtime excludes\n"
        "file loading). Score with ../shared/tools/rca_score.py score --gt GT --pred PRED."));
    parser.addOption({QStringLiteral("dataset"), QStringLiteral("Dataset layout: sockshop."), QStringLiteral("name")});
    parser.addOption({QStringLiteral("data"), QStringLiteral("The dataset's data directory."), QStringLiteral("dir")});
    parser.addOption({QStringLiteral("cases"), QStringLiteral("CSV with case_id and inject_time (no labels)."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("Predictions CSV to write."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("explain"), QStringLiteral("Print the top candidates of each case with their evidence.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "rca-bench", exitCode))
        return exitCode;
    const QString dataset = parser.value(QStringLiteral("dataset"));
    if (dataset != QLatin1String("sockshop")) {
        std::fprintf(stderr, "nocturne-engine rca-bench: --dataset: '%s' is not supported yet (sockshop)\n", dataset.toLocal8Bit().constData());
        return 2;
    }
    auto cases = readCases(parser.value(QStringLiteral("cases")));
    if (!cases) {
        std::fprintf(stderr, "nocturne-engine rca-bench: %s\n", cases.error().toString().c_str());
        return 2;
    }
    QFile out(parser.value(QStringLiteral("out")));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Text)) {
        std::fprintf(stderr, "nocturne-engine rca-bench: cannot write %s\n", out.fileName().toLocal8Bit().constData());
        return 2;
    }
    out.write("case_id,ranking,runtime_s\n");
    int failed = 0;
    for (const Case &c : *cases) {
        const QString id = c.fields.at(QStringLiteral("case_id"));
        auto input = sockshopCase(parser.value(QStringLiteral("data")), c);
        if (!input) {
            std::fprintf(stderr, "nocturne-engine rca-bench: %s: %s\n", id.toLocal8Bit().constData(), input.error().toString().c_str());
            ++failed;
            out.write(QStringLiteral("%1,,0\n").arg(id).toUtf8());
            continue;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto ranked = rankRootCauses(*input);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (parser.isSet(QStringLiteral("explain"))) {
            std::printf("%s\n", id.toLocal8Bit().constData());
            for (std::size_t i = 0; i < ranked.size() && i < 3; ++i) {
                std::printf("  %zu. %s %s score %.1f confidence %.2f\n", i + 1, ranked[i].entity.c_str(), ranked[i].faultClass.c_str(), ranked[i].score,
                            ranked[i].confidence);
                for (const auto &e : ranked[i].evidence)
                    std::printf("       %s\n", e.text.c_str());
            }
        }
        QStringList names;
        for (const auto &r : ranked)
            names << QString::fromStdString(r.entity);
        out.write(QStringLiteral("%1,%2,%3\n").arg(id, names.join(QLatin1Char(';'))).arg(seconds, 0, 'g', 6).toUtf8());
    }
    std::fprintf(stderr, "nocturne-engine rca-bench: %zu cases, %d could not be read\n", cases->size(), failed);
    return failed ? 1 : 0;
}

} // namespace Nocturne::App
