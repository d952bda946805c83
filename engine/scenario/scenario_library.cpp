#include "scenario_library.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "scenario/scenario_loader.h"

namespace Nocturne::Engine {

namespace {
const QString kResourceDir = QStringLiteral(":/nocturne/scenarios");
}

std::vector<std::string> builtinScenarioNames()
{
    std::vector<std::string> names;
    const auto entries = QDir(kResourceDir).entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
    for (const QString &entry : entries)
        names.push_back(QFileInfo(entry).completeBaseName().toStdString());
    return names;
}

Result<Scenario> loadScenario(const std::string &nameOrPath)
{
    const QString requested = QString::fromStdString(nameOrPath);
    QString path = requested;
    QString displayName = requested;
    if (!requested.contains(QLatin1Char('/')) && !requested.endsWith(QStringLiteral(".yaml"))) {
        path = kResourceDir + QLatin1Char('/') + requested + QStringLiteral(".yaml");
        displayName = QStringLiteral("resources/scenarios/") + requested + QStringLiteral(".yaml");
        if (!QFile::exists(path)) {
            std::string known;
            for (const auto &name : builtinScenarioNames())
                known += (known.empty() ? "" : ", ") + name;
            return makeError(ErrorCode::NotFound, "no built-in scenario '" + nameOrPath + "' (built in: " + known + ")");
        }
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::IoError, file.errorString().toStdString(), nameOrPath);
    // Scenario files are small; anything over 16 MiB is not one.
    if (file.size() > 16 * 1024 * 1024)
        return makeError(ErrorCode::LimitExceeded, "scenario file larger than 16 MiB", nameOrPath);
    const QByteArray text = file.readAll();
    return parseScenario(text.toStdString(), displayName.toStdString());
}

} // namespace Nocturne::Engine
