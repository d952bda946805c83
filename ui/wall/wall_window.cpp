#include "wall_window.h"

#include <QDateTime>
#include <QFontMetrics>
#include <QKeyEvent>
#include <QLabel>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <iterator>

#include "models/alert_table_model.h"
#include "shell/snapshot_hub.h"
#include "theme/theme.h"
#include "views/timeline/timeline_view.h"
#include "views/fabric/fabric_map_view.h"
#include "runtime/engine.h"

namespace Nocturne::Ui {

namespace {
// The fourth page exists only on GPU clusters (a fabric is loaded).
const char *const kPageTitles[] = {"Estate health", "Active incidents", "Alerts, last 6 hours", "GPU fabric"};

QString esc(const std::string &s)
{
    return QString::fromStdString(s).toHtmlEscaped();
}
} // namespace

WallWindow::WallWindow(SnapshotHub &hub, int pageSeconds, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_title(new QLabel(this))
    , m_clock(new QLabel(this))
    , m_banner(new QLabel(this))
    , m_pages(new QStackedWidget(this))
    , m_health(new QLabel(this))
    , m_incidents(new QLabel(this))
    , m_timeline(new TimelineView(&hub, this))
    , m_rotate(new QTimer(this))
{
    setWindowTitle(tr("Nocturne wall"));
    setWindowFlag(Qt::FramelessWindowHint);
    setAutoFillBackground(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 12, 24, 12);
    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_clock);
    layout->addLayout(header);
    m_banner->setAlignment(Qt::AlignCenter);
    m_banner->hide();
    layout->addWidget(m_banner);
    for (QLabel *page : {m_health, m_incidents}) {
        page->setTextFormat(Qt::RichText);
        page->setAlignment(Qt::AlignTop | Qt::AlignLeft);
        page->setWordWrap(true);
        m_pages->addWidget(page);
    }
    m_timeline->setDefaultSpan(6 * 3600'000'000'000LL);
    m_pages->addWidget(m_timeline);
    if (hub.engine().fabric()) {
        // GPU clusters get a fabric page: the whole map with a one-line state banner readable across the room.
        auto *fabric = new FabricMapView(&hub, this);
        fabric->setWallMode(true);
        m_pages->addWidget(fabric);
    }
    layout->addWidget(m_pages, 1);
    m_rotate->setInterval(std::max(5, pageSeconds) * 1000);
    connect(m_rotate, &QTimer::timeout, this, [this] { showPage((currentPage() + 1) % pageCount()); });
    m_rotate->start();
    connect(&m_hub, &SnapshotHub::snapshotChanged, this, &WallWindow::applySnapshot);
    restyle();
    showPage(0);
    if (m_hub.current())
        applySnapshot(m_hub.current());
}

int WallWindow::pageCount() const
{
    return m_pages->count();
}

int WallWindow::currentPage() const
{
    return m_pages->currentIndex();
}

bool WallWindow::staleBannerVisible() const
{
    return !m_banner->isHidden();
}

void WallWindow::showPage(int index)
{
    m_pages->setCurrentIndex(std::clamp(index, 0, pageCount() - 1));
    m_title->setText(QStringLiteral("NOCTURNE · %1  <span style='font-size:%2px'>(%3/%4)</span>")
                         .arg(tr(kPageTitles[std::clamp(currentPage(), 0, int(std::size(kPageTitles)) - 1)]))
                         .arg(m_primaryPx * 2 / 3)
                         .arg(currentPage() + 1)
                         .arg(pageCount()));
    if (m_hub.current())
        applySnapshot(m_hub.current());
}

void WallWindow::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    restyle();
}

void WallWindow::keyPressEvent(QKeyEvent *event)
{
    // Optional: a keyboard nearby can page; the wall never needs it.
    if (event->key() == Qt::Key_Right || event->key() == Qt::Key_Space)
        showPage((currentPage() + 1) % pageCount());
    else if (event->key() == Qt::Key_Left)
        showPage((currentPage() + pageCount() - 1) % pageCount());
    else
        QWidget::keyPressEvent(event);
}

void WallWindow::restyle()
{
    // 28 px at 1080 lines, scaled with the screen.
    m_primaryPx = std::max(28, height() * 28 / 1080);
    const Theme &theme = Theme::current();
    QPalette pal = palette();
    pal.setColor(QPalette::Window, QColor(5, 7, 10));
    pal.setColor(QPalette::WindowText, QColor(240, 244, 248));
    setPalette(pal);
    QFont f = font();
    f.setPixelSize(m_primaryPx);
    m_health->setFont(f);
    m_incidents->setFont(f);
    QFont big = f;
    big.setPixelSize(m_primaryPx * 5 / 4);
    big.setBold(true);
    m_title->setFont(big);
    m_clock->setFont(big);
    m_banner->setFont(big);
    m_banner->setStyleSheet(QStringLiteral("background:%1; color:white; padding:8px;").arg(theme.stateColor(Engine::HealthState::Critical).name()));
    QFont timelineFont = f;
    timelineFont.setPixelSize(std::max(18, m_primaryPx * 2 / 3));
    m_timeline->setFont(timelineFont);
    m_timeline->setGutter(QFontMetrics(timelineFont).horizontalAdvance(QStringLiteral("    recommendation-0 ")) + 20);
}

void WallWindow::applySnapshot(const Engine::SnapshotPtr &snapshot)
{
    if (!snapshot)
        return;
    m_clock->setText(QDateTime::fromMSecsSinceEpoch(snapshot->simTime / 1'000'000, Qt::UTC).toString(QStringLiteral("HH:mm:ss 'UTC'")));
    // Stale data: a feed down, or a feed that delivered before but nothing for 60 s of wall time.
    QStringList stale;
    for (const auto &f : snapshot->feeds) {
        const bool quiet = f.lastDataWall > 0 && snapshot->publishedWall - f.lastDataWall > 60 * Engine::kSecond
                        && f.state != Engine::FeedState::Finished;
        if (f.state == Engine::FeedState::Down || quiet)
            stale << QString::fromStdString(f.name);
    }
    m_banner->setVisible(!stale.isEmpty());
    if (!stale.isEmpty())
        m_banner->setText(tr("■ DATA STALE — %1").arg(stale.join(QStringLiteral(", "))));
    if (currentPage() == 0)
        renderHealth(*snapshot);
    else if (currentPage() == 1)
        renderIncidents(*snapshot);
}

void WallWindow::renderHealth(const Engine::EngineSnapshot &snapshot)
{
    const Theme &theme = Theme::current();
    int counts[4] = {};
    std::vector<const Engine::EntityHealth *> bad;
    for (const auto &h : snapshot.health) {
        ++counts[int(h.state)];
        if (h.state == Engine::HealthState::Warning || h.state == Engine::HealthState::Critical)
            bad.push_back(&h);
    }
    std::stable_sort(bad.begin(), bad.end(), [](const auto *a, const auto *b) { return a->state > b->state; });
    auto stateSpan = [&](Engine::HealthState s, const QString &text) {
        return QStringLiteral("<span style='color:%1'>%2 %3</span>").arg(theme.stateColor(s).name(), Theme::stateGlyph(s), text);
    };
    QString html = QStringLiteral("<p style='font-size:%1px'>%2 &nbsp;&nbsp; %3 &nbsp;&nbsp; %4</p>")
                       .arg(m_primaryPx * 3 / 2)
                       .arg(stateSpan(Engine::HealthState::Critical, tr("%1 CRIT").arg(counts[3])),
                            stateSpan(Engine::HealthState::Warning, tr("%1 WARN").arg(counts[2])),
                            stateSpan(Engine::HealthState::Ok, tr("%1 OK").arg(counts[1])));
    if (bad.empty())
        html += QStringLiteral("<p>%1</p>").arg(stateSpan(Engine::HealthState::Ok, tr("All entities healthy")));
    html += QStringLiteral("<table cellspacing='0' cellpadding='6'>");
    const int rows = std::max(3, (height() - 4 * m_primaryPx) / (m_primaryPx * 2) - 2);
    for (int i = 0; i < int(bad.size()) && i < rows; ++i) {
        const auto &h = *bad[std::size_t(i)];
        html += QStringLiteral("<tr><td>%1</td><td><b>%2</b></td><td style='color:#c8d0d8'>%3</td></tr>")
                    .arg(stateSpan(h.state, Theme::stateWord(h.state)), esc(h.entity), esc(h.reason.empty() ? h.headline : h.reason));
    }
    if (int(bad.size()) > rows)
        html += QStringLiteral("<tr><td></td><td colspan='2'>%1</td></tr>").arg(tr("… %1 more").arg(int(bad.size()) - rows));
    m_health->setText(html + QStringLiteral("</table>"));
}

void WallWindow::renderIncidents(const Engine::EngineSnapshot &snapshot)
{
    const Theme &theme = Theme::current();
    std::vector<const Engine::Incident *> open;
    if (snapshot.incidents) {
        for (const auto &i : *snapshot.incidents) {
            if (i.open())
                open.push_back(&i);
        }
    }
    std::stable_sort(open.begin(), open.end(), [](const auto *a, const auto *b) {
        return a->severity != b->severity ? a->severity < b->severity : a->start > b->start;
    });
    if (open.empty()) {
        m_incidents->setText(QStringLiteral("<p style='color:%1'>%2</p>").arg(theme.stateColor(Engine::HealthState::Ok).name(), tr("● No open incidents")));
        return;
    }
    QString html = QStringLiteral("<table cellspacing='0' cellpadding='8'>");
    const int rows = std::max(3, (height() - 4 * m_primaryPx) / (m_primaryPx * 2) - 1);
    for (int r = 0; r < int(open.size()) && r < rows; ++r) {
        const auto &i = *open[std::size_t(r)];
        const Engine::Duration left = i.slaDeadline - snapshot.simTime;
        const QString glyph = i.severity == Engine::AlertSeverity::Critical ? QStringLiteral("■") : i.severity <= Engine::AlertSeverity::Medium ? QStringLiteral("▲") : QStringLiteral("●");
        const QString sla = i.acknowledged ? tr("acknowledged")
                          : left >= 0      ? tr("SLA %1 min").arg(left / Engine::kMinute)
                                           : QStringLiteral("<span style='color:%1'>%2</span>")
                                                 .arg(theme.stateColor(Engine::HealthState::Critical).name(), tr("SLA BREACHED +%1 min").arg(-left / Engine::kMinute));
        html += QStringLiteral("<tr><td style='color:%1'>%2 %3</td><td><b>INC-%4</b></td><td>%5</td><td>%6 alerts</td><td>%7</td></tr>")
                    .arg(AlertTableModel::severityColor(i.severity).name(), glyph,
                         QString::fromLatin1(Engine::alertSeverityName(i.severity)).toUpper())
                    .arg(i.id)
                    .arg(esc(i.title))
                    .arg(i.alerts.size())
                    .arg(sla);
    }
    if (int(open.size()) > rows)
        html += QStringLiteral("<tr><td colspan='5'>%1</td></tr>").arg(tr("… %1 more open incidents").arg(int(open.size()) - rows));
    m_incidents->setText(html + QStringLiteral("</table>"));
}

} // namespace Nocturne::Ui
