// The bundled plugins' input checks (plugins/common/validate.h): each hand-written validator against strings its
// former regular expression accepted or refused, the length limits at their edges, and the trailing newline that
// QRegularExpression's `$` used to let through.
#include <QTest>

#include "common/process.h"
#include "common/validate.h"

using namespace Nocturne::Plugins;

class TestPluginValidate : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void validators_data()
    {
        QTest::addColumn<QString>("validator");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("accepted");
        const auto row = [](const char *validator, const QString &text, bool accepted) {
            const QString name = text.left(40).replace(QLatin1Char('\n'), QStringLiteral("\\n"));
            QTest::addRow("%s '%s'", validator, qPrintable(name)) << QString::fromLatin1(validator) << text << accepted;
        };
        const auto repeat = [](char c, int n) { return QString(n, QLatin1Char(c)); };

        // ^[A-Za-z0-9][A-Za-z0-9_./:-]{0,200}$
        row("fabric", QStringLiteral("leaf-03"), true);
        row("fabric", QStringLiteral("spine1/Ethernet1/7"), true);
        row("fabric", QStringLiteral("mlx5_0:1"), true);
        row("fabric", QStringLiteral("gpu-node-12.rack4"), true);
        row("fabric", QStringLiteral("A"), true);
        row("fabric", QLatin1Char('a') + repeat('b', 200), true);
        row("fabric", QLatin1Char('a') + repeat('b', 201), false);
        row("fabric", QString(), false);
        row("fabric", QStringLiteral("-leaf"), false);
        row("fabric", QStringLiteral("_leaf"), false);
        row("fabric", QStringLiteral("/etc/passwd"), false);
        row("fabric", QStringLiteral("leaf 03"), false);
        row("fabric", QStringLiteral("leaf;reboot"), false);
        row("fabric", QStringLiteral("leaf$(id)"), false);
        row("fabric", QStringLiteral("leaf\n"), false);
        row("fabric", QStringLiteral("leaf\nreboot"), false);
        row("fabric", QString::fromUtf8("léaf"), false);

        // ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$
        row("namespace", QStringLiteral("default"), true);
        row("namespace", QStringLiteral("kube-system"), true);
        row("namespace", QStringLiteral("a"), true);
        row("namespace", QStringLiteral("0"), true);
        row("namespace", repeat('a', 63), true);
        row("namespace", repeat('a', 64), false);
        row("namespace", QString(), false);
        row("namespace", QStringLiteral("-a"), false);
        row("namespace", QStringLiteral("a-"), false);
        row("namespace", QStringLiteral("Default"), false);
        row("namespace", QStringLiteral("a.b"), false);
        row("namespace", QStringLiteral("a_b"), false);
        row("namespace", QStringLiteral("prod\n"), false);

        // ^(deployment|statefulset|daemonset|node)/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$
        row("kubernetes target", QStringLiteral("deployment/order"), true);
        row("kubernetes target", QStringLiteral("statefulset/redis-0"), true);
        row("kubernetes target", QStringLiteral("daemonset/node-exporter"), true);
        row("kubernetes target", QStringLiteral("node/ip-10-0-1-7.ec2.internal"), true);
        row("kubernetes target", QStringLiteral("node/a"), true);
        row("kubernetes target", QStringLiteral("node/") + repeat('a', 253), true);
        row("kubernetes target", QStringLiteral("node/") + repeat('a', 254), false);
        row("kubernetes target", QStringLiteral("pod/order"), false);
        row("kubernetes target", QStringLiteral("Deployment/order"), false);
        row("kubernetes target", QStringLiteral("deployments/order"), false);
        row("kubernetes target", QStringLiteral("deployment/"), false);
        row("kubernetes target", QStringLiteral("deployment"), false);
        row("kubernetes target", QStringLiteral("/order"), false);
        row("kubernetes target", QStringLiteral("deployment/order/x"), false);
        row("kubernetes target", QStringLiteral("deployment/.order"), false);
        row("kubernetes target", QStringLiteral("deployment/order-"), false);
        row("kubernetes target", QStringLiteral("deployment/Order"), false);
        row("kubernetes target", QStringLiteral("deployment/--all"), false);
        row("kubernetes target", QStringLiteral("node/a b"), false);
        row("kubernetes target", QStringLiteral("deployment/order\n"), false);

        // ^\d+(s|m|h)$ and ^\d+(s|m|h|d)$
        row("duration smh", QStringLiteral("5m"), true);
        row("duration smh", QStringLiteral("30s"), true);
        row("duration smh", QStringLiteral("0h"), true);
        row("duration smh", QStringLiteral("0012h"), true);
        row("duration smh", QStringLiteral("2d"), false);
        row("duration smh", QStringLiteral("m"), false);
        row("duration smh", QStringLiteral("5"), false);
        row("duration smh", QStringLiteral("-5m"), false);
        row("duration smh", QStringLiteral("1.5h"), false);
        row("duration smh", QStringLiteral("5M"), false);
        row("duration smh", QStringLiteral(" 5m"), false);
        row("duration smh", QStringLiteral("5m\n"), false);
        row("duration smh", QStringLiteral("5ms"), false);
        row("duration smh", QString::fromUtf8("٣m"), false); // Arabic-Indic three: \d was ASCII only
        row("duration smhd", QStringLiteral("7d"), true);
        row("duration smhd", QStringLiteral("1h"), true);
        row("duration smhd", QStringLiteral("1w"), false);

        // Not empty and no character outside [A-Za-z0-9_./:=@%+-]
        row("plain shell word", QStringLiteral("--replicas=3"), true);
        row("plain shell word", QStringLiteral("user@host:/tmp/a+b%20"), true);
        row("plain shell word", QString(), false);
        row("plain shell word", QStringLiteral("a b"), false);
        row("plain shell word", QStringLiteral("it's"), false);
        row("plain shell word", QStringLiteral("$HOME"), false);
        row("plain shell word", QStringLiteral("a\nb"), false);
        row("plain shell word", QString::fromUtf8("café"), false);
    }
    void validators()
    {
        QFETCH(QString, validator);
        QFETCH(QString, text);
        QFETCH(bool, accepted);
        bool result = false;
        if (validator == u"fabric")
            result = isFabricElementId(text);
        else if (validator == u"namespace")
            result = isKubernetesNamespace(text);
        else if (validator == u"kubernetes target")
            result = isKubernetesTarget(text);
        else if (validator == u"duration smh")
            result = isDuration(text, u"smh");
        else if (validator == u"duration smhd")
            result = isDuration(text, u"smhd");
        else if (validator == u"plain shell word")
            result = isPlainShellWord(text);
        else
            QFAIL("unknown validator");
        QCOMPARE(result, accepted);
    }

    void displayArgvQuotesWhatAShellWouldSplit()
    {
        const QStringList argv{QStringLiteral("kubectl"), QStringLiteral("--timeout=5m"), QStringLiteral("it's here"),
                               QString()};
        QCOMPARE(displayArgv(argv), QStringLiteral("kubectl --timeout=5m 'it'\\''s here' ''"));
    }
};

QTEST_GUILESS_MAIN(TestPluginValidate)
#include "tst_plugin_validate.moc"
