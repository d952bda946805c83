#pragma once

#include <QJsonObject>
#include <QStringList>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/remediation_action.h"
#include "core/result.h"

class QPluginLoader;

namespace Nocturne::Engine {

struct PluginInfo {
    std::string name, version, description, file, sha256;
    int apiVersion = 0;
    QJsonObject metadata; // the plugin's JSON ("MetaData" of QPluginLoader::metaData())
    bool loaded = false;
    bool hung = false;    // a call timed out; no further calls go to it
    std::string error;    // why it did not load (or stopped working)
    std::vector<std::string> actions;
    std::vector<std::string> capabilities;
};

// Loads remediation plugins from the configured directories only. For each file: metadata first (IID, API version,
// name, actions), then the optional allowlist (name + SHA-256 of the file), then instance() and initialize() — a
// plugin that fails any step is listed with the reason and never called. Calls run on a worker thread with a
// deadline; an exception is caught at the boundary and becomes a failed Result; a call that overruns marks the
// plugin hung (its thread is abandoned, the plugin is never unloaded).
class PluginHost
{
public:
    struct Options {
        QStringList directories;
        std::map<std::string, std::string> allowlist; // name → SHA-256 hex; empty: any plugin in the directories
        std::map<std::string, QJsonObject> config;    // per plugin name (secrets live here; never logged)
        QString workDirectory;
        int timeoutMs = 30'000;
        int initTimeoutMs = 5'000; // initialize() runs at start-up: a plugin may not hold the console back longer
        std::function<void(const std::string &plugin, const std::string &line)> log;
    };
    explicit PluginHost(Options options);
    ~PluginHost();

    void load();
    std::vector<PluginInfo> plugins() const;
    const PluginInfo *info(const std::string &name) const;
    // The action's entry in the metadata ({"name","risk","parameters":…}); empty when unknown.
    QJsonObject actionMetadata(const std::string &plugin, const std::string &action) const;
    // Checks parameters against the action's schema: required ones present, types right, no unknown names.
    Status validate(const std::string &plugin, const std::string &action, const QJsonObject &parameters) const;

    Result<PluginApi::Plan> plan(const std::string &plugin, const PluginApi::ActionRequest &request);
    Result<QJsonObject> execute(const std::string &plugin, const PluginApi::Plan &plan, const PluginApi::CancelToken &cancel);
    Status verify(const std::string &plugin, const PluginApi::Plan &plan, const QJsonObject &outcome);
    Status rollback(const std::string &plugin, const PluginApi::Plan &plan, const QJsonObject &outcome);

private:
    struct Entry;
    Status call(const std::string &plugin, const char *what, const std::function<PluginApi::Result(PluginApi::RemediationAction &)> &fn);
    Status call(const std::string &plugin, const char *what, const std::function<PluginApi::Result(PluginApi::RemediationAction &)> &fn,
                int timeoutMs);
    Options m_options;
    mutable std::mutex m_mutex;
    std::vector<std::unique_ptr<Entry>> m_entries; // guarded by m_mutex (the vector; entries are stable)
};

} // namespace Nocturne::Engine
