// `rca-bench`: rank root causes for each case of a public RCA dataset and write case_id,ranking,runtime_s.
// One adapter per dataset layout; the cases file gives case ids and injection times, never the root cause.
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QTextStream>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <array>
#include <map>
#include <optional>
#include <set>

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
// PetShop: data/<scenario>/{graph.csv,noissue/metrics.csv} and data/<case_id>/metrics.csv. Metrics files have three
// header rows (node, metric, statistic), a unix_timestamp row, then 5-minute rows. Availability becomes an "errors"
// metric (1 − availability, so a drop is a rise), latency stays latency, requests are traffic.
struct WideTable
{
    std::vector<Timestamp> times;
    std::vector<std::array<QString, 3>> columns; // node, metric, statistic
    std::vector<std::vector<double>> values;
};

Result<WideTable> readWideTable(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::IoError, "cannot open", path.toStdString());
    QTextStream in(&f);
    const QStringList nodes = splitCsvLine(in.readLine());
    const QStringList metrics = splitCsvLine(in.readLine());
    const QStringList stats = splitCsvLine(in.readLine());
    if (nodes.size() < 2 || metrics.size() != nodes.size() || stats.size() != nodes.size())
        return makeError(ErrorCode::ParseError, "expected node, metric and statistic header rows", path.toStdString() + ":1");
    WideTable t;
    for (int i = 1; i < nodes.size(); ++i)
        t.columns.push_back({nodes[i], metrics[i], stats[i]});
    t.values.resize(t.columns.size());
    while (!in.atEnd()) {
        const QStringList cells = splitCsvLine(in.readLine());
        bool ok = false;
        const double ts = cells.value(0).toDouble(&ok);
        if (!ok)
            continue; // the unix_timestamp label row
        t.times.push_back(Timestamp(ts) * kSecond);
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            bool vok = false;
            const double v = cells.value(int(c) + 1).toDouble(&vok);
            t.values[c].push_back(vok ? v : std::nan(""));
        }
    }
    return t;
}

Result<RcaInput> petshopCase(const QString &dataDir, const Case &c)
{
    const QString id = c.fields.at(QStringLiteral("case_id"));
    const QString scenario = c.fields.count(QStringLiteral("scenario")) ? c.fields.at(QStringLiteral("scenario")) : id.section(QLatin1Char('/'), 0, 0);
    const QDir dir(dataDir);
    auto issue = readWideTable(dir.filePath(id + QStringLiteral("/metrics.csv")));
    if (!issue)
        return tl::unexpected(issue.error());
    // Reference: the scenario's own normal operation, else every normal-operation recording of the system (the
    // temporal scenarios have none of their own here).
    std::optional<WideTable> normal;
    QStringList normals;
    if (QFile::exists(dir.filePath(scenario + QStringLiteral("/noissue/metrics.csv"))))
        normals << dir.filePath(scenario + QStringLiteral("/noissue/metrics.csv"));
    else
        for (const QString &s : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
            if (QFile::exists(dir.filePath(s + QStringLiteral("/noissue/metrics.csv"))))
                normals << dir.filePath(s + QStringLiteral("/noissue/metrics.csv"));
    for (const QString &path : normals) {
        auto n = readWideTable(path);
        if (!n)
            return tl::unexpected(n.error());
        if (!normal) {
            normal = std::move(*n);
            continue;
        }
        for (std::size_t k = 0; k < normal->columns.size(); ++k)
            for (std::size_t nc = 0; nc < n->columns.size(); ++nc)
                if (n->columns[nc] == normal->columns[k])
                    normal->values[k].insert(normal->values[k].end(), n->values[nc].begin(), n->values[nc].end());
    }
    RcaInput input;
    input.onset = Timestamp(c.fields.count(QStringLiteral("inject_time")) ? c.fields.at(QStringLiteral("inject_time")).toDouble() : 0) * kSecond;
    input.target = c.fields.count(QStringLiteral("target_node")) ? c.fields.at(QStringLiteral("target_node")).toStdString() : std::string("PetSite");
    const QString targetMetric = c.fields.count(QStringLiteral("target_metric")) ? c.fields.at(QStringLiteral("target_metric")) : QStringLiteral("latency");
    input.targetKind = targetMetric == QLatin1String("availability") ? "errors" : "latency";
    // The incident: rows from 10 minutes before the observed violation on. The reference: the scenario's normal
    // operation, or (temporal scenarios, none recorded) the issue's own earlier rows.
    const Timestamp from = input.onset - 10 * kMinute;
    std::set<std::string> entities;
    for (std::size_t col = 0; col < issue->columns.size(); ++col) {
        const auto &[node, metric, stat] = issue->columns[col];
        RcaMetric m;
        m.entity = node.toStdString();
        m.name = QString(node + QLatin1Char(':') + metric + QLatin1Char(':') + stat).toStdString();
        m.kind = metric == QLatin1String("availability") ? "errors" : metric == QLatin1String("requests") ? "traffic" : "latency";
        const bool availability = metric == QLatin1String("availability"); // as an error rate: 100 − availability %
        const auto value = [availability](double v) { return availability ? 100.0 - v : v; };
        // Latency and availability of a bucket without requests are undefined (the file says 0): a gap.
        const std::vector<double> *requests = nullptr;
        if (metric != QLatin1String("requests")) {
            for (std::size_t rc = 0; rc < issue->columns.size(); ++rc)
                if (issue->columns[rc][0] == node && issue->columns[rc][1] == QLatin1String("requests"))
                    requests = &issue->values[rc];
        }
        for (std::size_t r = 0; r < issue->times.size(); ++r) {
            const bool idle = requests && r < requests->size() && (*requests)[r] == 0;
            const double v = idle ? std::nan("") : value(issue->values[col][r]);
            if (issue->times[r] >= from) {
                m.incident.push_back(v);
                m.incidentTimes.push_back(issue->times[r]);
            } else if (!normal) {
                m.normal.push_back(v);
            }
        }
        if (normal) {
            for (std::size_t nc = 0; nc < normal->columns.size(); ++nc) {
                if (normal->columns[nc] == issue->columns[col]) {
                    for (double v : normal->values[nc])
                        m.normal.push_back(value(v));
                    break;
                }
            }
        }
        entities.insert(m.entity);
        input.metrics.push_back(std::move(m));
    }
    // The call graph: an adjacency matrix, row calls column.
    QFile graph(dir.filePath(scenario + QStringLiteral("/graph.csv")));
    if (!graph.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::IoError, "cannot open", graph.fileName().toStdString());
    QTextStream g(&graph);
    const QStringList header = splitCsvLine(g.readLine());
    for (int i = 1; i < header.size(); ++i)
        entities.insert(header[i].toStdString());
    while (!g.atEnd()) {
        const QStringList cells = splitCsvLine(g.readLine());
        for (int j = 1; j < cells.size() && j < header.size(); ++j) {
            if (cells[j].toDouble() > 0)
                input.calls.push_back({cells[0].toStdString(), header[j].toStdString()});
        }
    }
    input.candidates.assign(entities.begin(), entities.end());
    // X-Ray naming: "<endpoint>_remote" and "<service>_client" nodes are a caller's measurements, not components.
    for (const std::string &e : entities)
        if (e.ends_with("_remote") || e.ends_with("_client"))
            input.observers.push_back(e);
    return input;
}
// Nezha (Online Boutique): data/<day>/metric/<pod>_metric.csv, one row a minute for the day. Reference: the 5 minutes
// before the injection (injections are ~8 min apart, so longer would overlap the previous fault); incident: the
// fault's 3 minutes and the minute after. Services are pod names without their two hash suffixes. Node-level columns
// are shared by every pod on the node and left out.
Result<RcaInput> nezhaCase(const QString &dataDir, const Case &c)
{
    const QString day = c.fields.count(QStringLiteral("day")) ? c.fields.at(QStringLiteral("day")) : QString();
    const QDir dir(QDir(dataDir).filePath(day + QStringLiteral("/metric")));
    if (day.isEmpty() || !dir.exists())
        return makeError(ErrorCode::NotFound, "no metric folder for day '" + day.toStdString() + "'", dir.path().toStdString());
    RcaInput input;
    input.onset = Timestamp(c.fields.at(QStringLiteral("inject_time")).toLongLong()) * kSecond;
    const Timestamp normalFrom = input.onset - 5 * kMinute, incidentTo = input.onset + 4 * kMinute;
    std::set<std::string> services;
    for (const QString &file : dir.entryList({QStringLiteral("*_metric.csv")}, QDir::Files, QDir::Name)) {
        const QString pod = file.chopped(int(std::strlen("_metric.csv")));
        const QString service = pod.section(QLatin1Char('-'), 0, -3);
        if (service.isEmpty())
            continue;
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
            return makeError(ErrorCode::IoError, "cannot open", f.fileName().toStdString());
        QTextStream in(&f);
        const QStringList header = splitCsvLine(in.readLine());
        const int tsCol = int(header.indexOf(QStringLiteral("TimeStamp")));
        if (tsCol < 0)
            return makeError(ErrorCode::ParseError, "no TimeStamp column", f.fileName().toStdString() + ":1");
        std::vector<RcaMetric> metrics;
        std::vector<int> cols;
        for (int i = 0; i < header.size(); ++i) {
            const QString &h = header[i];
            QString kind;
            if (h.startsWith(QLatin1String("Node")) || i == tsCol || h == QLatin1String("Time") || h == QLatin1String("PodName"))
                continue;
            if (h.startsWith(QLatin1String("Cpu")))
                kind = QStringLiteral("cpu");
            else if (h.startsWith(QLatin1String("Memory")))
                kind = QStringLiteral("mem");
            else if (h.contains(QLatin1String("Latency")))
                kind = QStringLiteral("latency");
            else if (h.startsWith(QLatin1String("PodWorkload")))
                kind = QStringLiteral("traffic");
            else if (h.startsWith(QLatin1String("PodSuccessRate")))
                kind = QStringLiteral("errors");
            else if (h.startsWith(QLatin1String("Network")))
                kind = QStringLiteral("network");
            else
                kind = QStringLiteral("syscalls");
            RcaMetric m;
            m.entity = service.toStdString();
            m.name = h.toStdString(); // the column (the entity is known): "PodServerLatencyP95(s)"
            m.kind = kind.toStdString();
            metrics.push_back(std::move(m));
            cols.push_back(i);
        }
        while (!in.atEnd()) {
            const QStringList cells = splitCsvLine(in.readLine());
            const Timestamp ts = Timestamp(cells.value(tsCol).toLongLong()) * kSecond;
            if (ts < normalFrom || ts >= incidentTo)
                continue;
            for (std::size_t k = 0; k < metrics.size(); ++k) {
                bool ok = false;
                double v = cells.value(cols[k]).toDouble(&ok);
                if (!ok)
                    v = std::nan("");
                else if (metrics[k].kind == "errors")
                    v = 100.0 - v; // success rate → error rate
                if (ts < input.onset) {
                    metrics[k].normal.push_back(v);
                } else {
                    metrics[k].incident.push_back(v);
                    metrics[k].incidentTimes.push_back(ts);
                }
            }
        }
        services.insert(service.toStdString());
        for (auto &m : metrics)
            input.metrics.push_back(std::move(m));
    }
    input.candidates.assign(services.begin(), services.end());
    // The call graph derived from the dataset's traces (caller,callee,span_count); the entry service shows the symptom.
    QFile deps(QDir(dataDir).filePath(QStringLiteral("derived/service_deps_ob.csv")));
    if (deps.open(QIODevice::ReadOnly | QIODevice::Text)) {
        QTextStream d(&deps);
        d.readLine();
        while (!d.atEnd()) {
            const QStringList cells = splitCsvLine(d.readLine());
            if (cells.size() >= 2)
                input.calls.push_back({cells[0].toStdString(), cells[1].toStdString()});
        }
        input.target = "frontend";
    }
    return input;
}
} // namespace

int runRcaBench(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Rank root causes for every case of a public RCA dataset; writes case_id,ranking,runtime_s (runtime excludes\n"
        "file loading). Score with ../shared/tools/rca_score.py score --gt GT --pred PRED."));
    parser.addOption({QStringLiteral("dataset"), QStringLiteral("Dataset layout: sockshop, petshop, nezha."), QStringLiteral("name")});
    parser.addOption({QStringLiteral("data"), QStringLiteral("The dataset's data directory."), QStringLiteral("dir")});
    parser.addOption({QStringLiteral("cases"), QStringLiteral("CSV with case_id and inject_time (no labels)."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("Predictions CSV to write."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("explain"), QStringLiteral("Print the top candidates of each case with their evidence.")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "rca-bench", exitCode))
        return exitCode;
    const QString dataset = parser.value(QStringLiteral("dataset"));
    if (dataset != QLatin1String("sockshop") && dataset != QLatin1String("petshop") && dataset != QLatin1String("nezha")) {
        std::fprintf(stderr, "nocturne-engine rca-bench: --dataset: '%s' is not supported (sockshop, petshop, nezha)\n", dataset.toLocal8Bit().constData());
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
        auto input = dataset == QLatin1String("petshop") ? petshopCase(parser.value(QStringLiteral("data")), c)
                     : dataset == QLatin1String("nezha") ? nezhaCase(parser.value(QStringLiteral("data")), c)
                                                         : sockshopCase(parser.value(QStringLiteral("data")), c);
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
