#pragma once

#include <QElapsedTimer>
#include <QObject>

#include <atomic>
#include <map>
#include <mutex>

#include "remediate/remediation_service.h"

class QTimer;

namespace Nocturne::Engine {

class Engine;

// What policy conditions read, from the live engine: the latest value of series matching a selector (newest of the
// last 10 minutes), an entity's open anomaly score, and incidents with their diagnosed top cause (cached a minute).
class EnginePolicyContext : public PolicyContext
{
public:
    explicit EnginePolicyContext(const Engine &engine) : m_engine(engine) {}
    std::optional<double> metric(const std::string &selector) const override;
    double anomalyScore(const std::string &entity) const override;
    std::optional<double> hotspotPercent(const std::string &service, const std::string &function) const override;

private:
    const Engine &m_engine;
};

// Ticks the remediation service every few seconds of wall time on a worker thread (plugins may take long), with the
// engine's clock, its open incidents and their top causes. Lives on the Qt event loop thread.
class RemediationDriver : public QObject
{
    Q_OBJECT
public:
    RemediationDriver(Engine &engine, RemediationService &service, int intervalMs = 5000, QObject *parent = nullptr);
    ~RemediationDriver() override;
    // One evaluation now, on the calling thread (tests, the first tick).
    void tickNow();
    std::vector<IncidentView> incidents();

private:
    Engine &m_engine;
    RemediationService &m_service;
    QTimer *m_timer;
    QElapsedTimer m_wall;
    Timestamp m_lastSimTick = 0;
    std::atomic<bool> m_busy{false};
    std::mutex m_cacheMutex;
    std::map<std::int64_t, std::pair<Timestamp, IncidentView>> m_cache; // guarded by m_cacheMutex
};

} // namespace Nocturne::Engine
