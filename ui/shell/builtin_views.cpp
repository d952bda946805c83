#include "shell/snapshot_hub.h"
#include "shell/view_registry.h"
#include "views/alerts/alerts_view.h"
#include "views/approvals/approvals_view.h"
#include "views/fabric/fabric_map_view.h"
#include "views/feeds/feeds_view.h"
#include "views/timeline/timeline_view.h"
#include "views/logs/log_panel.h"
#include "views/metrics/metrics_explorer.h"
#include "views/overview/estate_overview.h"
#include "views/profiles/profiles_view.h"
#include "views/topology/topology_view.h"
#include "views/warroom/war_room_view.h"

namespace Nocturne::Ui {

void registerBuiltinViews(ViewRegistry &registry)
{
    registry.add(ViewDescriptor{QStringLiteral("overview"), QObject::tr("Estate overview"), Qt::TopDockWidgetArea,
                                QKeySequence(), true,
                                [](const ViewContext &ctx, QWidget *parent) { return new EstateOverview(ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("metrics"), QObject::tr("Metrics explorer"), Qt::BottomDockWidgetArea,
                                QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new MetricsExplorer(ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("logs"), QObject::tr("Logs"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new LogPanel(ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("alerts"), QObject::tr("Incidents and alerts"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new AlertsView(ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("timeline"), QObject::tr("Alert timeline"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new TimelineView(&ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("feeds"), QObject::tr("Feeds"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new FeedsView(ctx.hub, ctx.feeds, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("profiles"), QObject::tr("Profiles"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new ProfilesView(&ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("topology"), QObject::tr("Topology"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new TopologyView(&ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("fabric"), QObject::tr("GPU fabric"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new FabricMapView(&ctx.hub, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("approvals"), QObject::tr("Approvals"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new ApprovalsView(ctx.remediation, ctx.session, parent); }});
    registry.add(ViewDescriptor{QStringLiteral("warroom"), QObject::tr("War room"), Qt::BottomDockWidgetArea, QKeySequence(), false,
                                [](const ViewContext &ctx, QWidget *parent) { return new WarRoomView(ctx.hub, parent); }});
}

} // namespace Nocturne::Ui
