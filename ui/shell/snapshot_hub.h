#pragma once

#include <QObject>
#include <QTimer>

#include "runtime/engine.h"

namespace Nocturne::Ui {

// The UI's single door to engine state: polls the engine's published snapshot at ≤ 10 Hz on the GUI thread and
// announces new versions. Polling an atomic pointer costs nothing, and the feed rate can never set the repaint rate.
class SnapshotHub : public QObject
{
    Q_OBJECT
public:
    explicit SnapshotHub(Engine::Engine &engine, QObject *parent = nullptr);

    Engine::Engine &engine() const { return m_engine; }
    Engine::SnapshotPtr current() const { return m_current; }
    void pollNow();

Q_SIGNALS:
    void snapshotChanged(const Nocturne::Engine::SnapshotPtr &snapshot);

private:
    Engine::Engine &m_engine;
    Engine::SnapshotPtr m_current;
    QTimer m_timer;
};

} // namespace Nocturne::Ui
