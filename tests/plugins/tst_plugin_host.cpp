// Plugin host and bundled plugins: loader fixtures (good, wrong IID, bad JSON, throws, hangs), allowlist by SHA-256,
// the exception boundary, 100 hostile strings reaching a runbook as literal argv, the webhook's HMAC checked by a
// local HTTP server (with a retry), DingTalk's signed form, kubectl and fabric argv, and silences on a real
// Alertmanager.
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <future>

#include "net/http_server.h"
#include "../integration/integration_support.h"
#include "plugin_test_support.h"
#include "remediate/plugin_host.h"

using namespace Nocturne::Engine;
using Nocturne::Test::withEvents;
using Nocturne::PluginApi::ActionRequest;
using Nocturne::PluginApi::CancelToken;

namespace {
const PluginInfo *find(const std::vector<PluginInfo> &plugins, const std::string &fileStem)
{
    for (const PluginInfo &p : plugins)
        if (p.file.find(fileStem) != std::string::npos)
            return &p;
    return nullptr;
}

std::vector<QStringList> readEchoes(const QString &path)
{
    QFile f(path);
    std::vector<QStringList> out;
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray &record : f.readAll().split('\x1e')) {
        if (record.isEmpty())
            continue;
        QStringList args;
        QByteArray arg;
        for (char c : record) {
            if (c == '\0') {
                args << QString::fromUtf8(arg);
                arg.clear();
            } else {
                arg += c;
            }
        }
        out.push_back(args);
    }
    return out;
}

} // namespace

class TestPluginHost : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void loaderFixtures()
    {
        PluginHost::Options options;
        options.directories = {QStringLiteral(NOCTURNE_FIXTURE_PLUGINS)};
        options.timeoutMs = 500;
        PluginHost host(options);
        host.load();
        const auto plugins = host.plugins();
        QCOMPARE(plugins.size(), std::size_t(5));
        const PluginInfo *good = find(plugins, "fixture_good");
        QVERIFY(good && good->loaded);
        QCOMPARE(good->name, std::string("fixture-good"));
        QCOMPARE(good->actions, (std::vector<std::string>{"noop", "risky"}));
        QVERIFY(good->sha256.size() == 64);
        auto expectFailure = [&](const char *file, const char *why) {
            const PluginInfo *p = find(plugins, file);
            QVERIFY2(p, file);
            QVERIFY2(!p->loaded, file);
            QVERIFY2(p->error.find(why) != std::string::npos, p->error.c_str());
        };
        expectFailure("fixture_wrong_iid", "wrong interface 'org.example.Other/1'");
        expectFailure("fixture_bad_json", "lacks a name or actions");
        expectFailure("fixture_throws", "initialize failed: exception: boom in initialize");
        expectFailure("fixture_hangs", "initialize did not return within 500 ms");
        QVERIFY(find(plugins, "fixture_hangs")->hung);

        // The exception boundary holds for every call, not only initialize.
        ActionRequest request;
        request.action = QStringLiteral("noop");
        request.target = QStringLiteral("x");
        request.parameters = QJsonObject{{QStringLiteral("throw"), true}};
        auto plan = host.plan("fixture-good", request);
        QVERIFY(!plan.has_value());
        QVERIFY2(plan.error().message.find("exception: plan exploded") != std::string::npos, plan.error().message.c_str());
        // Schema: unknown parameters and wrong types are refused before the plugin sees them.
        request.parameters = QJsonObject{{QStringLiteral("sleep_ms"), QStringLiteral("ten")}};
        QVERIFY(!host.plan("fixture-good", request).has_value());
        request.parameters = QJsonObject{{QStringLiteral("rm -rf"), 1}};
        QVERIFY(host.plan("fixture-good", request).error().message.find("unknown parameter") != std::string::npos);
        QVERIFY(!host.plan("no-such-plugin", request).has_value());
    }

    void allowlist()
    {
        PluginHost::Options probeOptions;
        probeOptions.directories = {QStringLiteral(NOCTURNE_GOOD_PLUGIN_DIR)};
        PluginHost probe(probeOptions);
        probe.load();
        const std::string sha = probe.plugins().front().sha256;

        PluginHost::Options options = probeOptions;
        options.allowlist = {{"fixture-good", std::string(64, '0')}};
        PluginHost wrongHash(options);
        wrongHash.load();
        QVERIFY(wrongHash.plugins().front().error.find("does not match the allowlist") != std::string::npos);
        options.allowlist = {{"something-else", sha}};
        PluginHost notListed(options);
        notListed.load();
        QVERIFY(notListed.plugins().front().error.find("not on the allowlist") != std::string::npos);
        options.allowlist = {{"fixture-good", sha}};
        PluginHost listed(options);
        listed.load();
        QVERIFY(listed.plugins().front().loaded);
    }

    void hostileStringsStayLiteralArgv()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("argv.bin"));
        const QString canary = dir.filePath(QStringLiteral("pwned"));
        PluginHost::Options options;
        options.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
        options.config["shell"] = QJsonObject{
            {QStringLiteral("runbooks"),
             QJsonObject{{QStringLiteral("echo"), QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral(ARGV_ECHO), QStringLiteral("--fixed")}},
                                                              {QStringLiteral("env"), QJsonArray{QStringLiteral("ARGV_ECHO_OUT"), QStringLiteral("PATH")}}}}}}};
        qputenv("ARGV_ECHO_OUT", out.toUtf8());
        PluginHost host(options);
        host.load();
        QVERIFY(host.info("shell"));
        // 100 strings a shell would act on: quotes, separators, substitutions, redirections, newlines, globs, …
        const QStringList seeds{QStringLiteral("'; touch %1; '"), QStringLiteral("$(touch %1)"), QStringLiteral("`touch %1`"),
                                QStringLiteral("a\nb; touch %1"), QStringLiteral("\" && touch %1 && \""), QStringLiteral("| touch %1"),
                                QStringLiteral("> %1"), QStringLiteral("${IFS}touch${IFS}%1"), QStringLiteral("*"), QStringLiteral("-rf /"),
                                QStringLiteral("\\$(id)"), QStringLiteral("'\"'\"'"), QStringLiteral("&& touch %1 &"), QStringLiteral("$((1+1))"),
                                QStringLiteral("~root"), QStringLiteral("%1\t%1"), QStringLiteral("\r\n"), QStringLiteral("; reboot"),
                                QStringLiteral("$HOME"), QStringLiteral("!!")};
        QStringList hostile;
        for (int i = 0; i < 100; ++i)
            hostile << QString(seeds[i % seeds.size()]).replace(QStringLiteral("%1"), canary) + (i >= seeds.size() ? QString::number(i) : QString());
        for (const QString &s : hostile) {
            ActionRequest request;
            request.action = QStringLiteral("run");
            request.target = QStringLiteral("host-1");
            request.parameters = QJsonObject{{QStringLiteral("runbook"), QStringLiteral("echo")}, {QStringLiteral("args"), QJsonArray{s, QStringLiteral("end")}}};
            auto plan = host.plan("shell", request);
            QVERIFY2(plan.has_value(), plan ? "" : plan.error().message.c_str());
            auto outcome = host.execute("shell", *plan, CancelToken());
            QVERIFY2(outcome.has_value(), outcome ? "" : outcome.error().message.c_str());
        }
        const auto echoes = readEchoes(out);
        QCOMPARE(echoes.size(), std::size_t(100));
        for (std::size_t i = 0; i < echoes.size(); ++i)
            QCOMPARE(echoes[i], (QStringList{QStringLiteral("--fixed"), hostile[int(i)], QStringLiteral("end")}));
        QVERIFY2(!QFile::exists(canary), "a shell interpreted a parameter");
        // Parameters never choose the program: an unknown runbook is refused.
        ActionRequest bad;
        bad.action = QStringLiteral("run");
        bad.parameters = QJsonObject{{QStringLiteral("runbook"), QStringLiteral("/bin/sh")}};
        QVERIFY(!host.plan("shell", bad).has_value());
        qunsetenv("ARGV_ECHO_OUT");
    }

    void webhookSignsWithHmacAndRetries()
    {
        const QByteArray secret = "s3cret-for-tests";
        int calls = 0;
        QByteArray lastBody;
        HttpServer server([&](const HttpServer::Request &r) {
            ++calls;
            if (calls == 1)
                return HttpServer::Response{503, "try again", "text/plain"}; // the plugin must retry
            const QByteArray expected = "sha256=" + QMessageAuthenticationCode::hash(r.body, secret, QCryptographicHash::Sha256).toHex();
            lastBody = r.body;
            const bool ok = constantTimeEquals(r.headers.value("x-nocturne-signature"), expected);
            return HttpServer::Response{ok ? 200 : 401, ok ? "ok" : "bad signature", "text/plain"};
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        auto hostWith = [&](const QByteArray &key) {
            PluginHost::Options options;
            options.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
            options.config["webhook"] = QJsonObject{{QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1/hook").arg(server.port())},
                                                    {QStringLiteral("secret"), QString::fromUtf8(key)},
                                                    {QStringLiteral("retries"), 2}};
            auto host = std::make_unique<PluginHost>(options);
            host->load();
            return host;
        };
        auto host = hostWith(secret);
        QVERIFY(host->info("webhook"));
        ActionRequest request;
        request.action = QStringLiteral("post");
        request.target = QStringLiteral("order");
        request.requestedBy = QStringLiteral("alice");
        request.parameters = QJsonObject{{QStringLiteral("message"), QStringLiteral("INC-7: restart order")}};
        auto plan = withEvents([&] { return host->plan("webhook", request); });
        QVERIFY(plan.has_value());
        QVERIFY(!plan->summary.contains(QStringLiteral("s3cret")));
        auto outcome = withEvents([&] { return host->execute("webhook", *plan, CancelToken()); });
        QVERIFY2(outcome.has_value(), outcome ? "" : outcome.error().message.c_str());
        QCOMPARE(outcome->value(QLatin1String("attempts")).toInt(), 2);
        QCOMPARE(calls, 2);
        QCOMPARE(QJsonDocument::fromJson(lastBody).object().value(QLatin1String("requested_by")).toString(), QStringLiteral("alice"));
        QVERIFY(withEvents([&] { return host->verify("webhook", *plan, *outcome); }).has_value());
        // A sender with the wrong secret is refused by the receiver (401 is final: no retries).
        auto impostor = hostWith("wrong-secret");
        const int before = calls;
        auto refused = withEvents([&] { return impostor->execute("webhook", *plan, CancelToken()); });
        QVERIFY(!refused.has_value());
        QCOMPARE(calls, before + 1);
    }

    void notifyDingTalkSignedForm()
    {
        QByteArray query;
        QByteArray body;
        HttpServer server([&](const HttpServer::Request &r) {
            query = r.query;
            body = r.body;
            return HttpServer::Response{200, "{\"errcode\":0,\"errmsg\":\"ok\"}", "application/json"};
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        PluginHost::Options options;
        options.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
        options.config["notify"] = QJsonObject{{QStringLiteral("dingtalk_url"), QStringLiteral("http://127.0.0.1:%1/robot/send?access_token=abc").arg(server.port())},
                                               {QStringLiteral("dingtalk_secret"), QStringLiteral("SECtest")}};
        PluginHost host(options);
        host.load();
        ActionRequest request;
        request.action = QStringLiteral("send");
        request.parameters = QJsonObject{{QStringLiteral("channel"), QStringLiteral("dingtalk")}, {QStringLiteral("text"), QStringLiteral("disk full on db-1")}};
        auto plan = withEvents([&] { return host.plan("notify", request); });
        QVERIFY(plan.has_value());
        auto outcome = withEvents([&] { return host.execute("notify", *plan, CancelToken()); });
        QVERIFY2(outcome.has_value(), outcome ? "" : outcome.error().message.c_str());
        const QUrlQuery q(QString::fromLatin1(query));
        QCOMPARE(q.queryItemValue(QStringLiteral("access_token")), QStringLiteral("abc"));
        const QByteArray ts = q.queryItemValue(QStringLiteral("timestamp")).toLatin1();
        const QByteArray expected = QMessageAuthenticationCode::hash(ts + "\nSECtest", "SECtest", QCryptographicHash::Sha256).toBase64();
        QCOMPARE(q.queryItemValue(QStringLiteral("sign"), QUrl::FullyDecoded).toLatin1(), expected);
        QCOMPARE(QJsonDocument::fromJson(body).object().value(QLatin1String("text")).toObject().value(QLatin1String("content")).toString(),
                 QStringLiteral("disk full on db-1"));
    }

    void kubectlAndFabricArgv()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("argv.bin"));
        qputenv("ARGV_ECHO_OUT", out.toUtf8());
        qputenv("ARGV_ECHO_STDOUT", "3");
        PluginHost::Options options;
        options.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
        options.config["kubectl"] = QJsonObject{{QStringLiteral("binary"), QStringLiteral(ARGV_ECHO)}, {QStringLiteral("context"), QStringLiteral("prod")},
                                                {QStringLiteral("namespace"), QStringLiteral("shop")}};
        options.config["fabric"] = QJsonObject{{QStringLiteral("commands"),
                                                QJsonObject{{QStringLiteral("isolate_port"),
                                                             QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral(ARGV_ECHO), QStringLiteral("isolate"), QStringLiteral("{target}")}},
                                                                         {QStringLiteral("undo_argv"), QJsonArray{QStringLiteral(ARGV_ECHO), QStringLiteral("restore"), QStringLiteral("{target}")}}}}}}};
        // kubectl and fabric pass only an environment allowlist, so the echo helper's variables do not reach it: the
        // checks read the argv the plans show and the exit codes.
        PluginHost host(options);
        host.load();
        ActionRequest scale;
        scale.action = QStringLiteral("scale");
        scale.target = QStringLiteral("deployment/frontend");
        scale.parameters = QJsonObject{{QStringLiteral("replicas"), 6}};
        auto plan = host.plan("kubectl", scale);
        QVERIFY2(plan.has_value(), plan ? "" : plan.error().message.c_str());
        QVERIFY2(plan->dryRunOutput.contains(QStringLiteral("--context prod --namespace shop scale deployment/frontend --replicas=6 --dry-run=server")),
                 qPrintable(plan->dryRunOutput));
        QCOMPARE(plan->state.value(QLatin1String("argv")).toArray().last().toString(), QStringLiteral("--replicas=6"));
        ActionRequest hostile = scale;
        hostile.target = QStringLiteral("deployment/frontend; rm -rf /");
        QVERIFY(!host.plan("kubectl", hostile).has_value());
        hostile.target = QStringLiteral("node/worker-1");
        QVERIFY(!host.plan("kubectl", hostile).has_value()); // scale needs a workload
        ActionRequest cordon;
        cordon.action = QStringLiteral("cordon");
        cordon.target = QStringLiteral("node/worker-1");
        auto cordonPlan = host.plan("kubectl", cordon);
        QVERIFY(cordonPlan.has_value());
        QVERIFY(cordonPlan->dryRunOutput.contains(QStringLiteral("cordon worker-1 --dry-run=server")));

        ActionRequest isolate;
        isolate.action = QStringLiteral("isolate_port");
        isolate.target = QStringLiteral("leaf-03/p17");
        auto fplan = host.plan("fabric", isolate);
        QVERIFY(fplan.has_value());
        QVERIFY(host.execute("fabric", *fplan, CancelToken()).has_value());
        QVERIFY(host.rollback("fabric", *fplan, {}).has_value());
        isolate.target = QStringLiteral("leaf-03/p17 $(reboot)");
        QVERIFY(!host.plan("fabric", isolate).has_value());
        qunsetenv("ARGV_ECHO_STDOUT");
        qunsetenv("ARGV_ECHO_OUT");
    }

    void alertmanagerSilenceOnRealAlertmanager()
    {
        const QString binary = QStringLiteral("/usr/bin/prometheus-alertmanager");
        if (!QFile::exists(binary))
            QSKIP("prometheus-alertmanager is not installed (packaging/setup.sh installs it)");
        QTemporaryDir dir;
        QFile config(dir.filePath(QStringLiteral("am.yml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("route:\n  receiver: none\nreceivers:\n  - name: none\n");
        config.close();
        const quint16 port = Nocturne::Test::freeLoopbackPort();
        QProcess am;
        am.start(binary, {QStringLiteral("--config.file=") + config.fileName(), QStringLiteral("--storage.path=") + dir.filePath(QStringLiteral("data")),
                          QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port), QStringLiteral("--cluster.listen-address=")});
        QVERIFY(am.waitForStarted());
        QNetworkAccessManager nam;
        const QUrl base(QStringLiteral("http://127.0.0.1:%1").arg(port));
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     QNetworkReply *r = nam.get(QNetworkRequest(base.resolved(QUrl(QStringLiteral("/-/ready")))));
                                     QSignalSpy done(r, &QNetworkReply::finished);
                                     done.wait(1000);
                                     const bool ok = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
                                     r->deleteLater();
                                     return ok;
                                 }()),
                                 15000);
        PluginHost::Options options;
        options.directories = {QStringLiteral(NOCTURNE_BUNDLED_PLUGINS)};
        options.config["alertmanager"] = QJsonObject{{QStringLiteral("url"), base.toString()}};
        PluginHost host(options);
        host.load();
        QVERIFY(host.info("alertmanager"));
        ActionRequest request;
        request.action = QStringLiteral("create_silence");
        request.target = QStringLiteral("order");
        request.requestedBy = QStringLiteral("alice");
        request.parameters = QJsonObject{{QStringLiteral("matchers"), QJsonObject{{QStringLiteral("service"), QStringLiteral("order")}}},
                                         {QStringLiteral("duration"), QStringLiteral("30m")},
                                         {QStringLiteral("comment"), QStringLiteral("INC-3: row-lock fix in progress")}};
        auto plan = host.plan("alertmanager", request);
        QVERIFY2(plan.has_value(), plan ? "" : plan.error().message.c_str());
        QVERIFY(plan->dryRunOutput.contains(QStringLiteral("0 alert(s)")));
        auto outcome = host.execute("alertmanager", *plan, CancelToken());
        QVERIFY2(outcome.has_value(), outcome ? "" : outcome.error().message.c_str());
        const QString id = outcome->value(QLatin1String("silenceID")).toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(host.verify("alertmanager", *plan, *outcome).has_value());
        // Visible through Alertmanager's own API, with creator and comment.
        QNetworkReply *r = nam.get(QNetworkRequest(base.resolved(QUrl(QStringLiteral("/api/v2/silences")))));
        QSignalSpy done(r, &QNetworkReply::finished);
        QVERIFY(done.wait(5000));
        bool seen = false;
        for (const QJsonValue &v : QJsonDocument::fromJson(r->readAll()).array()) {
            const QJsonObject s = v.toObject();
            if (s.value(QLatin1String("id")).toString() == id)
                seen = s.value(QLatin1String("createdBy")).toString() == QLatin1String("alice")
                       && s.value(QLatin1String("comment")).toString() == QLatin1String("INC-3: row-lock fix in progress")
                       && s.value(QLatin1String("status")).toObject().value(QLatin1String("state")).toString() == QLatin1String("active");
        }
        r->deleteLater();
        QVERIFY(seen);
        QVERIFY(host.rollback("alertmanager", *plan, *outcome).has_value());
        // After rollback the silence is expired.
        Nocturne::PluginApi::Plan expirePlan = *plan;
        expirePlan.action = QStringLiteral("expire_silence");
        QVERIFY(host.verify("alertmanager", expirePlan, *outcome).has_value());
        am.terminate();
        am.waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TestPluginHost)
#include "tst_plugin_host.moc"
