#include "remediation_config.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/clock.h"

namespace Nocturne::Engine {

namespace {
QJsonValue toJson(const YAML::Node &n)
{
    switch (n.Type()) {
    case YAML::NodeType::Map: {
        QJsonObject o;
        for (const auto &kv : n)
            o.insert(QString::fromStdString(kv.first.as<std::string>()), toJson(kv.second));
        return o;
    }
    case YAML::NodeType::Sequence: {
        QJsonArray a;
        for (const YAML::Node &x : n)
            a.append(toJson(x));
        return a;
    }
    case YAML::NodeType::Scalar: {
        const std::string s = n.Scalar();
        if (n.Tag() == "!")
            return QString::fromStdString(s); // quoted: always a string
        if (s == "true" || s == "false")
            return s == "true";
        char *end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0')
            return d;
        return QString::fromStdString(s);
    }
    default: return QJsonValue();
    }
}
} // namespace

QString defaultPluginDirectory()
{
    return QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../lib/nocturne/remediation"));
}

Result<RemediationConfig> parseRemediationConfig(const std::string &yaml, const std::string &source)
{
    auto at = [&](const YAML::Mark &m) { return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1); };
    try {
        const YAML::Node root = YAML::Load(yaml);
        if (!root.IsMap())
            return makeError(ErrorCode::ParseError, "expected a map", at(root.Mark()));
        static const std::set<std::string> known{"database", "plugin_dirs", "allowlist", "call_timeout", "plugins", "policies", "policies_file", "scenario_actuator"};
        for (const auto &kv : root)
            if (!known.count(kv.first.as<std::string>()))
                return makeError(ErrorCode::ParseError, "unknown key `" + kv.first.as<std::string>() + "`", at(kv.first.Mark()));
        RemediationConfig c;
        c.database = root["database"] ? root["database"].as<std::string>() : std::string();
        if (root["plugin_dirs"])
            for (const YAML::Node &d : root["plugin_dirs"])
                c.pluginDirectories << QString::fromStdString(d.as<std::string>());
        else
            c.pluginDirectories << defaultPluginDirectory();
        if (root["allowlist"])
            for (const auto &kv : root["allowlist"]) {
                const std::string hash = kv.second.as<std::string>();
                if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
                    return makeError(ErrorCode::ParseError, "allowlist values are lower-case SHA-256 hex", at(kv.second.Mark()));
                c.allowlist[kv.first.as<std::string>()] = hash;
            }
        if (root["call_timeout"]) {
            auto d = parseDuration(root["call_timeout"].as<std::string>());
            if (!d)
                return makeError(ErrorCode::ParseError, "bad duration", at(root["call_timeout"].Mark()));
            c.callTimeoutMs = int(*d / kMillisecond);
        }
        if (const YAML::Node a = root["scenario_actuator"]) {
            c.actuatorPort = a["port"] ? a["port"].as<int>() : 0;
            c.actuatorSecret = a["secret"] ? a["secret"].as<std::string>() : std::string();
            if (c.actuatorPort < 0 || c.actuatorPort > 65535 || (c.actuatorPort && c.actuatorSecret.empty()))
                return makeError(ErrorCode::ParseError, "scenario_actuator needs a port and a secret", at(a.Mark()));
        }
        if (root["plugins"])
            for (const auto &kv : root["plugins"])
                c.pluginConfig[kv.first.as<std::string>()] = toJson(kv.second).toObject();
        if (root["policies"]) {
            YAML::Emitter out;
            YAML::Node wrapper;
            wrapper["policies"] = root["policies"];
            out << wrapper;
            c.policiesYaml = out.c_str();
            c.policiesSource = source;
        } else if (root["policies_file"]) {
            std::string path = root["policies_file"].as<std::string>();
            if (!path.empty() && path.front() != '/')
                path = QFileInfo(QString::fromStdString(source)).dir().filePath(QString::fromStdString(path)).toStdString();
            std::ifstream in(path);
            if (!in)
                return makeError(ErrorCode::IoError, "cannot read policies_file " + path, at(root["policies_file"].Mark()));
            std::ostringstream text;
            text << in.rdbuf();
            c.policiesYaml = text.str();
            c.policiesSource = path;
        }
        return c;
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg, at(e.mark));
    }
}

} // namespace Nocturne::Engine
