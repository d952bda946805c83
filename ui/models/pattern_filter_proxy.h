#pragma once

#include <QSortFilterProxyModel>
#include <QString>

#include "core/pattern.h"

namespace Nocturne::Ui {

// A sort/filter proxy whose filter is an Engine::Pattern (RE2) rather than a QRegularExpression: what a person types
// into a search box is untrusted, and a backtracking engine can be made to spin on a single row. A row passes when
// the filterRole() text of filterKeyColumn() (of any column when it is -1) contains a match, ignoring case. A text RE2
// refuses is matched literally instead, so a half-typed "(foo" still narrows the list; patternError() says why.
class PatternFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setPattern(const QString &text);
    QString pattern() const { return m_text; }
    // RE2's positioned message while the text is refused and matched literally; empty otherwise.
    QString patternError() const { return m_error; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool accepts(const QModelIndex &index) const;

    QString m_text;
    QString m_error;
    Engine::Pattern m_pattern; // not valid while the text is empty or refused
};

} // namespace Nocturne::Ui
