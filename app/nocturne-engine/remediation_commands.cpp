// `plugins list`, `audit verify`, `users add`: the remediation tools an operator needs without the console.
#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <cstdio>
#include <iostream>
#include <string>

#include "commands.h"
#include "core/clock.h"
#include "remediate/plugin_host.h"
#include "remediate/remediation_config.h"
#include "remediate/remediation_store.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

namespace {
Result<RemediationConfig> configFrom(const QCommandLineParser &parser)
{
    RemediationConfig config;
    if (parser.isSet(QStringLiteral("config"))) {
        QFile f(parser.value(QStringLiteral("config")));
        if (!f.open(QIODevice::ReadOnly))
            return makeError(ErrorCode::IoError, "cannot open", f.fileName().toStdString());
        auto parsed = parseRemediationConfig(f.readAll().toStdString(), f.fileName().toStdString());
        if (!parsed)
            return parsed;
        config = std::move(*parsed);
    } else {
        config.pluginDirectories << defaultPluginDirectory();
    }
    if (parser.isSet(QStringLiteral("dir")))
        config.pluginDirectories = parser.values(QStringLiteral("dir"));
    return config;
}
} // namespace

int runPlugins(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("plugins list: load the remediation plugins as the console would and print each "
                                                    "with its metadata, or why it failed."));
    parser.addPositionalArgument(QStringLiteral("list"), QStringLiteral("the only subcommand"));
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON")});
    parser.addOption({QStringLiteral("config"), QStringLiteral("Remediation configuration (YAML)"), QStringLiteral("file")});
    parser.addOption({QStringLiteral("dir"), QStringLiteral("Plugin directory (repeatable; replaces the configured ones)"), QStringLiteral("dir")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "plugins", exitCode))
        return exitCode;
    if (parser.positionalArguments() != QStringList{QStringLiteral("list")}) {
        std::fprintf(stderr, "plugins: usage: nocturne-engine plugins list [--json] [--config FILE] [--dir DIR]\n");
        return 2;
    }
    auto config = configFrom(parser);
    if (!config) {
        std::fprintf(stderr, "plugins: %s\n", config.error().toString().c_str());
        return 1;
    }
    PluginHost::Options options;
    options.directories = config->pluginDirectories;
    options.allowlist = config->allowlist;
    options.config = config->pluginConfig;
    options.timeoutMs = std::min(config->callTimeoutMs, 10'000);
    PluginHost host(options);
    host.load();
    QJsonArray loaded, failed;
    for (const PluginInfo &p : host.plugins()) {
        QJsonObject o{{QStringLiteral("file"), QString::fromStdString(p.file)}, {QStringLiteral("sha256"), QString::fromStdString(p.sha256)}};
        if (!p.name.empty())
            o.insert(QStringLiteral("name"), QString::fromStdString(p.name));
        if (p.loaded) {
            o.insert(QStringLiteral("metadata"), p.metadata);
            loaded.append(o);
        } else {
            o.insert(QStringLiteral("error"), QString::fromStdString(p.error));
            failed.append(o);
        }
    }
    if (parser.isSet(QStringLiteral("json"))) {
        const QByteArray out = QJsonDocument(QJsonObject{{QStringLiteral("directories"), QJsonArray::fromStringList(options.directories)},
                                                         {QStringLiteral("plugins"), loaded},
                                                         {QStringLiteral("failed"), failed}})
                                   .toJson(QJsonDocument::Indented);
        std::fwrite(out.constData(), 1, std::size_t(out.size()), stdout);
    } else {
        for (const PluginInfo &p : host.plugins()) {
            if (p.loaded) {
                std::string actions;
                for (const std::string &a : p.actions)
                    actions += (actions.empty() ? "" : ", ") + a;
                std::printf("%-14s %-8s %s  [%s]\n", p.name.c_str(), p.version.c_str(), p.file.c_str(), actions.c_str());
            } else {
                std::printf("FAILED %s: %s\n", p.file.c_str(), p.error.c_str());
            }
        }
    }
    return failed.isEmpty() ? 0 : 3;
}

int runAudit(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("audit verify: recompute the audit chain of a remediation database; exits 1 and names "
                                                    "the first bad record when anything was edited or deleted."));
    parser.addPositionalArgument(QStringLiteral("verify"), QStringLiteral("the only subcommand"));
    parser.addOption({QStringLiteral("db"), QStringLiteral("Remediation database (SQLite)"), QStringLiteral("file")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "audit", exitCode))
        return exitCode;
    if (parser.positionalArguments() != QStringList{QStringLiteral("verify")} || !parser.isSet(QStringLiteral("db"))) {
        std::fprintf(stderr, "audit: usage: nocturne-engine audit verify --db FILE\n");
        return 2;
    }
    const AuditVerification v = RemediationStore::verifyAuditFile(parser.value(QStringLiteral("db")).toStdString());
    if (!v.ok) {
        std::printf("audit: FAILED after %lld record(s): first bad record %lld: %s\n", static_cast<long long>(v.records),
                    static_cast<long long>(v.firstBad), v.reason.c_str());
        return 1;
    }
    std::printf("audit: ok, %lld record(s), chain intact\n", static_cast<long long>(v.records));
    return 0;
}

int runUsers(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("users add: create or update a console user. The password is read from standard input "
                                                    "(one line), never from the command line."));
    parser.addPositionalArgument(QStringLiteral("add|list"), QStringLiteral("subcommand"));
    parser.addOption({QStringLiteral("db"), QStringLiteral("Remediation database (SQLite)"), QStringLiteral("file")});
    parser.addOption({QStringLiteral("name"), QStringLiteral("User name"), QStringLiteral("name")});
    parser.addOption({QStringLiteral("role"), QStringLiteral("viewer, operator or admin"), QStringLiteral("role")});
    parser.addOption({QStringLiteral("by"), QStringLiteral("Who is adding the user (for the audit log)"), QStringLiteral("name"), QStringLiteral("cli")});
    int exitCode = 0;
    if (!parseArguments(parser, args, "users", exitCode))
        return exitCode;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1 || !parser.isSet(QStringLiteral("db"))) {
        std::fprintf(stderr, "users: usage: nocturne-engine users add --db FILE --name NAME --role ROLE < password | users list --db FILE\n");
        return 2;
    }
    auto store = RemediationStore::open(parser.value(QStringLiteral("db")).toStdString());
    if (!store) {
        std::fprintf(stderr, "users: %s\n", store.error().toString().c_str());
        return 1;
    }
    if (pos.front() == QLatin1String("list")) {
        for (const auto &[name, role] : (*store)->users())
            std::printf("%s\t%s\n", name.c_str(), roleName(role));
        return 0;
    }
    const auto role = roleFromName(parser.value(QStringLiteral("role")).toStdString());
    if (pos.front() != QLatin1String("add") || !role || !parser.isSet(QStringLiteral("name"))) {
        std::fprintf(stderr, "users: add needs --name and --role viewer|operator|admin\n");
        return 2;
    }
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r')
        password.pop_back();
    const Status s = (*store)->addUser(parser.value(QStringLiteral("name")).toStdString(), *role, password,
                                       parser.value(QStringLiteral("by")).toStdString(), SystemClock().now());
    if (!s) {
        std::fprintf(stderr, "users: %s\n", s.error().toString().c_str());
        return 1;
    }
    std::printf("users: %s is now %s\n", qPrintable(parser.value(QStringLiteral("name"))), roleName(*role));
    return 0;
}

} // namespace Nocturne::App
