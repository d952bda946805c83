#pragma once

#include <QAbstractListModel>
#include <QString>

#include <vector>

#include "core/strong_id.h"

namespace Nocturne::Ui {

struct SeriesEntry {
    Engine::SeriesId id;
    QString name;  // metric name
    QString label; // canonical key: name{labels}
};

// The searchable series list of the metrics explorer. Entries are fetched from the engine off the GUI thread.
class SeriesListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role { SeriesIdRole = Qt::UserRole + 1, MetricNameRole };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // Appends entries whose ids are new (the store only ever adds series), keeping rows stable for selections.
    void appendEntries(std::vector<SeriesEntry> entries);
    const SeriesEntry *at(int row) const;
    int rowOf(Engine::SeriesId id) const;

private:
    std::vector<SeriesEntry> m_entries;
};

} // namespace Nocturne::Ui
