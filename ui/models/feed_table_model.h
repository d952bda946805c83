#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "runtime/engine_snapshot.h"

namespace Nocturne::Ui {

// One row per feed of the latest snapshot: state, rates, counts, Kafka lag, queue fill and the last error or refusal.
// Updates in place (dataChanged) while the feed list keeps its names, so selection and scroll survive 10 Hz refreshes.
class FeedTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, State, Rate, Samples, Items, Rejected, Lag, Queue, LastProblem, ColumnCount };
    static constexpr int StatusRole = Qt::UserRole + 1; // the FeedState as int

    using QAbstractTableModel::QAbstractTableModel;

    void setFeeds(std::vector<Engine::FeedStatus> feeds);
    const Engine::FeedStatus *feed(int row) const;
    int rowOf(const QString &name) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    static QString stateText(Engine::FeedState state);
    static QColor stateColor(Engine::FeedState state);

private:
    std::vector<Engine::FeedStatus> m_feeds;
};

} // namespace Nocturne::Ui
