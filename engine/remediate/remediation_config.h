#pragma once

#include <QJsonObject>
#include <QStringList>

#include <map>
#include <string>

#include "core/result.h"

namespace Nocturne::Engine {

// The remediation section of the console's configuration (docs/remediation.md):
//   database: /var/lib/nocturne/remediation.db
//   plugin_dirs: [/usr/lib/nocturne/remediation]      # default: <binary>/../lib/nocturne/remediation
//   allowlist: {shell: <sha256>, …}                     # optional: only these plugins, these exact files
//   call_timeout: 60s
//   plugins: {shell: {runbooks: …}, webhook: {url: …, secret: …}, …}
//   policies: [ … ]                                     # or policies_file: policies.yaml
struct RemediationConfig {
    std::string database;
    QStringList pluginDirectories;
    std::map<std::string, std::string> allowlist;
    std::map<std::string, QJsonObject> pluginConfig;
    int callTimeoutMs = 60'000;
    std::string policiesYaml; // the policies, as YAML text with a top-level `policies:` key
    std::string policiesSource;
    // The simulated orchestrator (ScenarioActuator) for demos: loopback port and shared secret; port 0 = off.
    int actuatorPort = 0;
    std::string actuatorSecret;
};

Result<RemediationConfig> parseRemediationConfig(const std::string &yaml, const std::string &source);
// <directory of the running binary>/../lib/nocturne/remediation
QString defaultPluginDirectory();

} // namespace Nocturne::Engine
