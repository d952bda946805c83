#include "view_registry.h"

namespace Nocturne::Ui {

void ViewRegistry::add(ViewDescriptor descriptor)
{
    for (auto &existing : m_views) {
        if (existing.id == descriptor.id) {
            existing = std::move(descriptor);
            return;
        }
    }
    m_views.push_back(std::move(descriptor));
}

const ViewDescriptor *ViewRegistry::find(const QString &id) const
{
    for (const auto &view : m_views) {
        if (view.id == id)
            return &view;
    }
    return nullptr;
}

} // namespace Nocturne::Ui
