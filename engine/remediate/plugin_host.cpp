#include "plugin_host.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLibrary>
#include <QPluginLoader>

#include <future>
#include <thread>

namespace Nocturne::Engine {

using PluginApi::RemediationAction;

struct PluginHost::Entry {
    PluginInfo info;
    std::unique_ptr<QPluginLoader> loader;
    RemediationAction *action = nullptr; // owned by the loader's root component
    std::mutex callMutex;                // one call at a time per plugin
};

namespace {
std::string fileSha256(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex().toStdString();
}

std::vector<std::string> strings(const QJsonValue &v)
{
    std::vector<std::string> out;
    for (const QJsonValue &x : v.toArray())
        out.push_back(x.isObject() ? x.toObject().value(QLatin1String("name")).toString().toStdString() : x.toString().toStdString());
    return out;
}
} // namespace

PluginHost::PluginHost(Options options) : m_options(std::move(options)) {}

PluginHost::~PluginHost()
{
    // Plugins are not unloaded: a hung call may still be running inside one, and Qt unloads at exit anyway.
    std::lock_guard lock(m_mutex);
    for (auto &e : m_entries)
        e->loader.release();
}

void PluginHost::load()
{
    std::vector<Entry *> toInitialise;
    std::unique_lock lock(m_mutex);
    for (const QString &dir : m_options.directories) {
        const QDir d(dir);
        for (const QFileInfo &fi : d.entryInfoList(QDir::Files, QDir::Name)) {
            if (!QLibrary::isLibrary(fi.absoluteFilePath()))
                continue;
            auto entry = std::make_unique<Entry>();
            PluginInfo &info = entry->info;
            info.file = fi.absoluteFilePath().toStdString();
            entry->loader = std::make_unique<QPluginLoader>(fi.absoluteFilePath());
            const QJsonObject meta = entry->loader->metaData();
            const QString iid = meta.value(QLatin1String("IID")).toString();
            info.metadata = meta.value(QLatin1String("MetaData")).toObject();
            info.name = info.metadata.value(QLatin1String("name")).toString().toStdString();
            info.version = info.metadata.value(QLatin1String("version")).toString().toStdString();
            info.description = info.metadata.value(QLatin1String("description")).toString().toStdString();
            info.apiVersion = info.metadata.value(QLatin1String("apiVersion")).toInt();
            info.actions = strings(info.metadata.value(QLatin1String("actions")));
            info.capabilities = strings(info.metadata.value(QLatin1String("capabilities")));
            info.sha256 = fileSha256(fi.absoluteFilePath());
            auto fail = [&](std::string why) {
                info.error = std::move(why);
                m_entries.push_back(std::move(entry));
            };
            if (meta.isEmpty()) {
                fail("not a Qt plugin: " + entry->loader->errorString().toStdString());
                continue;
            }
            if (iid != QLatin1String(NocturneRemediationAction_iid)) {
                fail("wrong interface '" + iid.toStdString() + "' (expected " NocturneRemediationAction_iid ")");
                continue;
            }
            if (info.name.empty() || info.actions.empty()) {
                fail("metadata lacks a name or actions (bad or missing plugin JSON)");
                continue;
            }
            if (info.apiVersion != PluginApi::kApiVersion) {
                fail("API version " + std::to_string(info.apiVersion) + " (this host speaks " + std::to_string(PluginApi::kApiVersion) + ")");
                continue;
            }
            if (!m_options.allowlist.empty()) {
                auto allowed = m_options.allowlist.find(info.name);
                if (allowed == m_options.allowlist.end()) {
                    fail("not on the allowlist");
                    continue;
                }
                if (allowed->second != info.sha256) {
                    fail("SHA-256 " + info.sha256 + " does not match the allowlist");
                    continue;
                }
            }
            bool duplicate = false;
            for (const auto &other : m_entries)
                duplicate |= other->info.loaded && other->info.name == info.name;
            if (duplicate) {
                fail("another plugin named '" + info.name + "' is already loaded");
                continue;
            }
            QObject *root = entry->loader->instance();
            if (!root) {
                fail("cannot load: " + entry->loader->errorString().toStdString());
                continue;
            }
            entry->action = qobject_cast<RemediationAction *>(root);
            if (!entry->action) {
                fail("the plugin object does not implement RemediationAction");
                continue;
            }
            entry->info.loaded = true;
            toInitialise.push_back(entry.get());
            m_entries.push_back(std::move(entry));
        }
    }
    lock.unlock();
    // initialize() under the same deadline and exception boundary as every other call.
    for (Entry *e : toInitialise) {
        PluginApi::HostContext context;
        const std::string name = e->info.name;
        context.pluginName = QString::fromStdString(name);
        if (auto c = m_options.config.find(name); c != m_options.config.end())
            context.config = c->second;
        context.workDirectory = m_options.workDirectory;
        auto log = m_options.log;
        context.log = [log, name](const QString &line) {
            if (log)
                log(name, line.toStdString());
        };
        const Status init = call(name, "initialize", [context](RemediationAction &a) { return a.initialize(context); },
                                 std::min(m_options.initTimeoutMs, m_options.timeoutMs));
        if (!init) {
            std::lock_guard relock(m_mutex);
            e->info.loaded = false;
            e->info.error = "initialize failed: " + init.error().message;
        }
    }
}

std::vector<PluginInfo> PluginHost::plugins() const
{
    std::lock_guard lock(m_mutex);
    std::vector<PluginInfo> out;
    for (const auto &e : m_entries)
        out.push_back(e->info);
    return out;
}

const PluginInfo *PluginHost::info(const std::string &name) const
{
    std::lock_guard lock(m_mutex);
    for (const auto &e : m_entries)
        if (e->info.name == name && e->info.loaded)
            return &e->info;
    return nullptr;
}

QJsonObject PluginHost::actionMetadata(const std::string &plugin, const std::string &action) const
{
    const PluginInfo *i = info(plugin);
    if (!i)
        return {};
    for (const QJsonValue &a : i->metadata.value(QLatin1String("actions")).toArray())
        if (a.toObject().value(QLatin1String("name")).toString().toStdString() == action)
            return a.toObject();
    return {};
}

Status PluginHost::validate(const std::string &plugin, const std::string &action, const QJsonObject &parameters) const
{
    const QJsonObject meta = actionMetadata(plugin, action);
    if (meta.isEmpty())
        return makeError(ErrorCode::NotFound, "plugin '" + plugin + "' has no loaded action '" + action + "'");
    const QJsonObject schema = meta.value(QLatin1String("parameters")).toObject();
    for (auto it = schema.begin(); it != schema.end(); ++it) {
        const QJsonObject spec = it.value().toObject();
        if (spec.value(QLatin1String("required")).toBool() && !parameters.contains(it.key()))
            return makeError(ErrorCode::InvalidArgument, "missing parameter '" + it.key().toStdString() + "'", plugin + "." + action);
    }
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
        if (!schema.contains(it.key()))
            return makeError(ErrorCode::InvalidArgument, "unknown parameter '" + it.key().toStdString() + "'", plugin + "." + action);
        const QString type = schema.value(it.key()).toObject().value(QLatin1String("type")).toString(QStringLiteral("string"));
        const bool ok = (type == QLatin1String("string") && it.value().isString()) || (type == QLatin1String("number") && it.value().isDouble())
                        || (type == QLatin1String("integer") && it.value().isDouble()) || (type == QLatin1String("boolean") && it.value().isBool())
                        || (type == QLatin1String("array") && it.value().isArray()) || (type == QLatin1String("object") && it.value().isObject());
        if (!ok)
            return makeError(ErrorCode::InvalidArgument, "parameter '" + it.key().toStdString() + "' must be " + type.toStdString(),
                             plugin + "." + action);
    }
    return {};
}

Status PluginHost::call(const std::string &plugin, const char *what, const std::function<PluginApi::Result(RemediationAction &)> &fn)
{
    return call(plugin, what, fn, m_options.timeoutMs);
}

Status PluginHost::call(const std::string &plugin, const char *what, const std::function<PluginApi::Result(RemediationAction &)> &fn,
                        int timeoutMs)
{
    Entry *entry = nullptr;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &e : m_entries)
            if (e->info.name == plugin && e->info.loaded)
                entry = e.get();
    }
    if (!entry)
        return makeError(ErrorCode::NotFound, "no loaded plugin '" + plugin + "'");
    if (entry->info.hung)
        return makeError(ErrorCode::Cancelled, "plugin '" + plugin + "' hung earlier and is not called again", plugin);
    auto promise = std::make_shared<std::promise<PluginApi::Result>>();
    std::future<PluginApi::Result> future = promise->get_future();
    RemediationAction *action = entry->action;
    std::mutex *callMutex = &entry->callMutex;
    // A detached worker: if the plugin never returns, the engine does not wait for it (not even at exit).
    std::thread([promise, action, fn, callMutex] {
        std::lock_guard lock(*callMutex);
        try {
            promise->set_value(fn(*action));
        } catch (const std::exception &e) {
            promise->set_value(PluginApi::Result::failure(QStringLiteral("exception: ") + QString::fromUtf8(e.what())));
        } catch (...) {
            promise->set_value(PluginApi::Result::failure(QStringLiteral("unknown exception")));
        }
    }).detach();
    if (future.wait_for(std::chrono::milliseconds(timeoutMs)) != std::future_status::ready) {
        std::lock_guard lock(m_mutex);
        entry->info.hung = true;
        entry->info.error = std::string(what) + " did not return within " + std::to_string(timeoutMs) + " ms";
        return makeError(ErrorCode::Cancelled, entry->info.error, plugin);
    }
    const PluginApi::Result r = future.get();
    if (!r.ok)
        return makeError(ErrorCode::Internal, r.message.toStdString(), plugin + "." + what);
    return {};
}

Result<PluginApi::Plan> PluginHost::plan(const std::string &plugin, const PluginApi::ActionRequest &request)
{
    if (auto v = validate(plugin, request.action.toStdString(), request.parameters); !v)
        return tl::unexpected(v.error());
    auto plan = std::make_shared<PluginApi::Plan>();
    if (auto s = call(plugin, "plan", [plan, request](RemediationAction &a) { return a.plan(request, *plan); }); !s)
        return tl::unexpected(s.error());
    return *plan;
}

Result<QJsonObject> PluginHost::execute(const std::string &plugin, const PluginApi::Plan &plan, const PluginApi::CancelToken &cancel)
{
    auto outcome = std::make_shared<QJsonObject>();
    if (auto s = call(plugin, "execute", [plan, cancel, outcome](RemediationAction &a) { return a.execute(plan, cancel, *outcome); }); !s) {
        cancel.cancel();
        return tl::unexpected(s.error());
    }
    return *outcome;
}

Status PluginHost::verify(const std::string &plugin, const PluginApi::Plan &plan, const QJsonObject &outcome)
{
    return call(plugin, "verify", [plan, outcome](RemediationAction &a) { return a.verify(plan, outcome); });
}

Status PluginHost::rollback(const std::string &plugin, const PluginApi::Plan &plan, const QJsonObject &outcome)
{
    return call(plugin, "rollback", [plan, outcome](RemediationAction &a) { return a.rollback(plan, outcome); });
}

} // namespace Nocturne::Engine
