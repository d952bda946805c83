#pragma once

#include <QObject>

#include <memory>
#include <string>
#include <vector>

#include "config/feeds_config.h"
#include "core/result.h"

namespace Nocturne::Engine {

class Engine;
class MetricsServer;

// Owns the live feeds described by a NocturneConfig: creates them, starts them, stops them (Kafka commits its offsets)
// and swaps them when a new configuration is applied. A feed that fails to start stays in the feed list as Down with
// its reason; the others run. Lives on the thread that runs the Qt event loop (HTTP and WebSocket feeds need one).
class FeedManager : public QObject
{
    Q_OBJECT
public:
    explicit FeedManager(Engine &engine, QObject *parent = nullptr);
    ~FeedManager() override;

    // Stops the current feeds and starts the configured ones. Returns one error per feed that could not start (the
    // configuration itself was validated by parseConfig before).
    std::vector<Error> apply(const NocturneConfig &config, std::string text = {});
    // The YAML the current configuration came from (for the editor).
    const std::string &configText() const { return m_text; }
    // Errors of the last apply (feeds that could not start), for the Feeds dock.
    const std::vector<Error> &lastErrors() const { return m_lastErrors; }
    // Stops every feed (Kafka stores and commits its offsets); their final status stays in the engine's feed list.
    void stopAll();
    const NocturneConfig &config() const { return m_config; }
    // Engine feed names of the running feeds, in configuration order.
    std::vector<std::string> feedNames() const;
    quint16 metricsPort() const;

private:
    struct Running;
    Engine &m_engine;
    NocturneConfig m_config;
    std::string m_text;
    std::vector<Error> m_lastErrors;
    std::vector<std::unique_ptr<Running>> m_running;
    std::unique_ptr<MetricsServer> m_metrics;
};

} // namespace Nocturne::Engine
