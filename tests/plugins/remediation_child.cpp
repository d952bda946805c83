// Child for the kill -9 test: opens the remediation service on the given database with the good fixture plugin,
// loads a policy, signs in two people, proposes and approves a slow action, and prints "running" just before the
// plugin starts executing. The parent kills it there.
#include <QCoreApplication>

#include <cstdio>

#include "core/clock.h"
#include "remediate/remediation_service.h"

using namespace Nocturne::Engine;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 3)
        return 2;
    RemediationService::Options options;
    options.databasePath = argv[1];
    options.store.pbkdf2Iterations = 1000;
    options.plugins.directories = {QStringLiteral(NOCTURNE_GOOD_PLUGIN_DIR)};
    options.plugins.config["fixture-good"] = QJsonObject{{QStringLiteral("journal"), QString::fromLocal8Bit(argv[2])}};
    const Timestamp now = SystemClock().now();
    auto service = RemediationService::open(options, now);
    if (!service)
        return 3;
    RemediationService &s = **service;
    if (!s.loadPolicies("policies:\n  - {name: slow, plugin: fixture-good, action: noop, on_incident: true, approval: {required: one}}\n",
                        "child.yaml", "admin", now))
        return 4;
    (void)s.store().addUser("carol", Role::Operator, "carol-password-123", "admin", now);
    (void)s.store().addUser("dave", Role::Operator, "dave-password-1234", "admin", now);
    auto carol = s.login("carol", "carol-password-123", now);
    auto dave = s.login("dave", "dave-password-1234", now);
    if (!carol || !dave)
        return 5;
    auto id = s.trigger(*carol, "fixture-good", "noop", "order", QJsonObject{{QStringLiteral("sleep_ms"), 60000}}, "slow fix", 0, now);
    if (!id)
        return 6;
    std::printf("running %lld\n", static_cast<long long>(*id));
    std::fflush(stdout);
    (void)s.approve(*dave, *id, "go", now); // runs the action: 60 s, killed long before
    return 0;
}
