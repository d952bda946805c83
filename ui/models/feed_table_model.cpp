#include "feed_table_model.h"

#include <QColor>
#include <QLocale>

#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
QString count(std::uint64_t n)
{
    return QLocale().toString(qulonglong(n));
}

QString bytes(std::uint64_t n)
{
    return QLocale().formattedDataSize(qint64(n), 1, QLocale::DataSizeTraditionalFormat);
}
} // namespace

QString FeedTableModel::stateText(Engine::FeedState state)
{
    switch (state) {
    case Engine::FeedState::Connecting: return tr("connecting");
    case Engine::FeedState::Healthy: return tr("healthy");
    case Engine::FeedState::Degraded: return tr("degraded");
    case Engine::FeedState::Down: return tr("down");
    case Engine::FeedState::Finished: return tr("stopped");
    }
    return {};
}

QColor FeedTableModel::stateColor(Engine::FeedState state)
{
    const Theme &theme = Theme::current();
    switch (state) {
    case Engine::FeedState::Healthy: return theme.stateColor(Engine::HealthState::Ok);
    case Engine::FeedState::Degraded: return theme.stateColor(Engine::HealthState::Warning);
    case Engine::FeedState::Down: return theme.stateColor(Engine::HealthState::Critical);
    case Engine::FeedState::Connecting:
    case Engine::FeedState::Finished: return theme.mutedText();
    }
    return theme.text();
}

void FeedTableModel::setFeeds(std::vector<Engine::FeedStatus> feeds)
{
    bool sameNames = feeds.size() == m_feeds.size();
    for (std::size_t i = 0; sameNames && i < feeds.size(); ++i)
        sameNames = feeds[i].name == m_feeds[i].name;
    if (!sameNames) {
        beginResetModel();
        m_feeds = std::move(feeds);
        endResetModel();
        return;
    }
    m_feeds = std::move(feeds);
    if (!m_feeds.empty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_feeds.size()) - 1, ColumnCount - 1));
}

const Engine::FeedStatus *FeedTableModel::feed(int row) const
{
    return row >= 0 && row < int(m_feeds.size()) ? &m_feeds[std::size_t(row)] : nullptr;
}

int FeedTableModel::rowOf(const QString &name) const
{
    for (std::size_t i = 0; i < m_feeds.size(); ++i) {
        if (QString::fromStdString(m_feeds[i].name) == name)
            return int(i);
    }
    return -1;
}

int FeedTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_feeds.size());
}

int FeedTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FeedTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Feed");
    case State: return tr("State");
    case Rate: return tr("Samples/s");
    case Samples: return tr("Samples");
    case Items: return tr("Logs · spans · events");
    case Rejected: return tr("Rejected");
    case Lag: return tr("Kafka lag");
    case Queue: return tr("Queue");
    case LastProblem: return tr("Last error / refusal");
    }
    return {};
}

QVariant FeedTableModel::data(const QModelIndex &index, int role) const
{
    const Engine::FeedStatus *f = feed(index.row());
    if (!f)
        return {};
    if (role == StatusRole)
        return int(f->state);
    if (role == Qt::TextAlignmentRole) {
        const bool numeric = index.column() == Rate || index.column() == Samples || index.column() == Rejected || index.column() == Lag
                          || index.column() == Queue;
        return int((numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    }
    if (role == Qt::ForegroundRole) {
        if (index.column() == State)
            return stateColor(f->state);
        if (index.column() == Rejected && f->rejected > 0)
            return Theme::current().stateColor(Engine::HealthState::Warning);
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == LastProblem || index.column() == Rejected) {
            QString text;
            if (!f->lastError.empty())
                text += tr("Last error: %1").arg(QString::fromStdString(f->lastError));
            if (!f->lastRejected.empty())
                text += (text.isEmpty() ? QString() : QStringLiteral("\n")) + tr("Last refused: %1").arg(QString::fromStdString(f->lastRejected));
            for (const auto &[reason, n] : f->rejectsByReason)
                text += QStringLiteral("\n  %1: %2").arg(QString::fromStdString(reason), count(n));
            return text;
        }
        if (index.column() == Name)
            return QString::fromStdString(f->endpoint);
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name: return QString::fromStdString(f->name);
    case State: return stateText(f->state);
    case Rate: return QLocale().toString(f->samplesPerSecond, 'f', 0);
    case Samples: return count(f->samples);
    case Items: return QStringLiteral("%1 · %2 · %3").arg(count(f->logs), count(f->spans), count(f->events));
    case Rejected: return count(f->rejected);
    case Lag: return f->lag >= 0 ? count(std::uint64_t(f->lag)) : QStringLiteral("–");
    case Queue:
        return f->queueCapacity ? QStringLiteral("%1 / %2").arg(bytes(f->queueDepth), bytes(f->queueCapacity)) : QStringLiteral("–");
    case LastProblem: {
        // The newest of the two: a refusal after an old transport error is the current news.
        const bool error = !f->lastError.empty() && (f->state == Engine::FeedState::Down || f->lastRejected.empty());
        return QString::fromStdString(error ? f->lastError : f->lastRejected);
    }
    }
    return {};
}

} // namespace Nocturne::Ui
