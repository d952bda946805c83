#include "snapshot_hub.h"

#include <QThread>

namespace Nocturne::Ui {

SnapshotHub::SnapshotHub(Engine::Engine &engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
{
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &SnapshotHub::pollNow);
    m_timer.start();
}

void SnapshotHub::pollNow()
{
    Q_ASSERT(QThread::currentThread() == thread());
    Engine::SnapshotPtr latest = m_engine.snapshot();
    if (!latest || (m_current && latest->version == m_current->version))
        return;
    m_current = std::move(latest);
    Q_EMIT snapshotChanged(m_current);
}

} // namespace Nocturne::Ui
