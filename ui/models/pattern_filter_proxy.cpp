#include "pattern_filter_proxy.h"

namespace Nocturne::Ui {

void PatternFilterProxy::setPattern(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_error.clear();
    m_pattern = {};
    if (!text.isEmpty()) {
        auto compiled = Engine::Pattern::compile(text.toStdString(), Engine::Pattern::Options{.caseInsensitive = true},
                                                 "search");
        if (compiled)
            m_pattern = std::move(*compiled);
        else
            m_error = QString::fromStdString(compiled.error().message);
    }
    invalidateFilter();
}

bool PatternFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    const QAbstractItemModel *source = sourceModel();
    if (filterKeyColumn() >= 0)
        return accepts(source->index(sourceRow, filterKeyColumn(), sourceParent));
    for (int column = 0; column < source->columnCount(sourceParent); ++column) {
        if (accepts(source->index(sourceRow, column, sourceParent)))
            return true;
    }
    return false;
}

bool PatternFilterProxy::accepts(const QModelIndex &index) const
{
    const QString text = index.data(filterRole()).toString();
    if (!m_pattern.valid())
        return text.contains(m_text, Qt::CaseInsensitive);
    return m_pattern.partialMatch(text.toStdString());
}

} // namespace Nocturne::Ui
