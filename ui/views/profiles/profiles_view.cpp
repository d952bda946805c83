#include "profiles_view.h"

#include <QComboBox>
#include <QDateTime>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "core/pattern.h"
#include "models/function_table_model.h"
#include "runtime/engine.h"
#include "shell/snapshot_hub.h"
#include "profile/hotspots.h"
#include "profile/profile_import.h"
#include "views/profiles/flame_chart_widget.h"
#include "views/profiles/flame_graph_widget.h"

namespace Nocturne::Ui {

using Engine::CallTree;

namespace {
QScrollArea *scrolled(QWidget *inner, QWidget *parent, bool bottom)
{
    auto *area = new QScrollArea(parent);
    area->setWidget(inner);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    if (bottom) {
        // Flame graphs grow upwards from the root: keep the root row in view.
        QObject::connect(area->verticalScrollBar(), &QScrollBar::rangeChanged, area, [area](int, int max) { area->verticalScrollBar()->setValue(max); });
    }
    return area;
}

struct Computed
{
    std::shared_ptr<const Engine::CallTreeDiff> diff;
    Engine::HotspotTable table;
    std::unordered_map<std::string, double> movers;
};
} // namespace

ProfilesView::ProfilesView(SnapshotHub *hub, QWidget *parent)
    : QWidget(parent)
    , m_hub(hub)
    , m_source(new QComboBox(this))
    , m_serviceBox(new QComboBox(this))
    , m_sampleType(new QComboBox(this))
    , m_baselineBox(new QComboBox(this))
    , m_modeBox(new QComboBox(this))
    , m_colorBox(new QComboBox(this))
    , m_splitToggle(new QPushButton(tr("Split"), this))
    , m_search(new QLineEdit(this))
    , m_matched(new QLabel(this))
    , m_crumbs(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_progressBar(new QProgressBar(this))
    , m_cancelButton(new QPushButton(tr("Cancel"), this))
    , m_stack(new QStackedWidget(this))
    , m_flame(new FlameGraphWidget)
    , m_left(new FlameGraphWidget)
    , m_right(new FlameGraphWidget)
    , m_callers(new FlameGraphWidget)
    , m_callees(new FlameGraphWidget)
    , m_chart(new FlameChartWidget)
    , m_functions(new FunctionTableModel(this))
    , m_functionProxy(new QSortFilterProxyModel(this))
    , m_functionTable(new QTableView(this))
{
    auto *open = new QPushButton(tr("Open…"), this);
    open->setToolTip(tr("Folded stacks, perf script, DTrace, pprof (.pb/.pb.gz), speedscope, Chrome .cpuprofile or trace"));
    connect(open, &QPushButton::clicked, this, &ProfilesView::showOpenDialog);
    m_source->setMinimumContentsLength(28);
    m_source->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_source->setToolTip(tr("Profile shown"));
    m_sampleType->setToolTip(tr("Sample type (pprof profiles carry several)"));
    m_baselineBox->setMinimumContentsLength(22);
    m_baselineBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_baselineBox->setToolTip(tr("Compare with a baseline profile (normalised by totals)"));
    for (const char *m : {"Flame graph", "Icicle", "Time order", "Sandwich"})
        m_modeBox->addItem(tr(m));
    for (const char *c : {"Colour: module", "Colour: self share", "Colour: change"})
        m_colorBox->addItem(tr(c));
    m_splitToggle->setCheckable(true);
    m_splitToggle->setToolTip(tr("Diff layout: overlay (one graph coloured by change) or split (baseline | current)"));
    m_search->setPlaceholderText(tr("Search functions (regex)…"));
    m_search->setClearButtonEnabled(true);
    m_progressBar->setRange(0, 1000);
    m_progressBar->setMaximumWidth(160);
    m_progressBar->hide();
    m_cancelButton->hide();
    m_crumbs->setTextFormat(Qt::RichText);
    m_crumbs->setTextInteractionFlags(Qt::LinksAccessibleByMouse);
    m_summary->setTextFormat(Qt::RichText);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_source, 2);
    bar->addWidget(open);
    bar->addWidget(m_serviceBox);
    bar->addWidget(m_sampleType);
    bar->addWidget(m_modeBox);
    bar->addWidget(m_colorBox);
    bar->addWidget(new QLabel(tr("vs"), this));
    bar->addWidget(m_baselineBox, 2);
    bar->addWidget(m_splitToggle);
    bar->addWidget(m_search, 2);
    bar->addWidget(m_matched);
    bar->addWidget(m_progressBar);
    bar->addWidget(m_cancelButton);

    // Pages: single graph, split diff, time order, sandwich.
    m_stack->addWidget(scrolled(m_flame, this, true));
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(scrolled(m_left, split, true));
    split->addWidget(scrolled(m_right, split, true));
    m_stack->addWidget(split);
    m_stack->addWidget(scrolled(m_chart, this, false));
    auto *sandwich = new QSplitter(Qt::Vertical, this);
    sandwich->addWidget(scrolled(m_callers, sandwich, true));
    sandwich->addWidget(scrolled(m_callees, sandwich, false));
    m_callees->setOrientation(FlameGraphWidget::Orientation::Icicle);
    m_stack->addWidget(sandwich);

    m_functionProxy->setSourceModel(m_functions);
    m_functionProxy->setSortRole(FunctionTableModel::SortRole);
    m_functionTable->setModel(m_functionProxy);
    m_functionTable->setSortingEnabled(true);
    m_functionTable->sortByColumn(FunctionTableModel::SelfShare, Qt::DescendingOrder);
    m_functionTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_functionTable->verticalHeader()->hide();
    m_functionTable->verticalHeader()->setDefaultSectionSize(20);
    m_functionTable->horizontalHeader()->setSectionResizeMode(FunctionTableModel::Function, QHeaderView::Stretch);
    m_functionTable->setWordWrap(false);
    m_functionTable->setToolTip(tr("Click: highlight · double click: sandwich"));
    m_functionTable->setMinimumWidth(460);
    for (int c = FunctionTableModel::SelfShare; c < FunctionTableModel::ColumnCount; ++c)
        m_functionTable->setColumnWidth(c, c == FunctionTableModel::Delta ? 100 : 76);

    auto *body = new QSplitter(Qt::Horizontal, this);
    auto *left = new QWidget(body);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_crumbs);
    leftLayout->addWidget(m_stack, 1);
    body->addWidget(left);
    body->addWidget(m_functionTable);
    body->setStretchFactor(0, 4);
    body->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(bar);
    layout->addWidget(m_summary);
    layout->addWidget(body, 1);

    m_serviceBox->setToolTip(tr("Profiles the engine collected (pprof feeds, the scenario): the service's last 15 minutes"));
    m_serviceBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_serviceBox, &QComboBox::activated, this, [this](int i) {
        if (i <= 0 || !m_hub)
            return;
        const QString service = m_serviceBox->itemText(i);
        const auto stored = m_hub->engine().profiles().list(service.toStdString(), 0, std::numeric_limits<Engine::Timestamp>::max());
        if (!stored.empty()) {
            const qint64 end = stored.back().end;
            loadService(service, end - 15 * Engine::kMinute, end, tr("%1 · last 15 min").arg(service));
        }
        const QSignalBlocker block(m_serviceBox);
        m_serviceBox->setCurrentIndex(0);
    });
    if (m_hub) {
        connect(m_hub, &SnapshotHub::snapshotChanged, this, &ProfilesView::refreshServices);
        refreshServices();
    } else {
        m_serviceBox->hide();
    }
    connect(m_source, &QComboBox::activated, this, [this](int i) { setCurrent(i); });
    connect(m_baselineBox, &QComboBox::activated, this, [this](int i) { setBaseline(i - 1); });
    connect(m_sampleType, &QComboBox::activated, this, [this](int) { recompute(); });
    connect(m_modeBox, &QComboBox::activated, this, [this](int i) { setMode(Mode(i)); });
    connect(m_colorBox, &QComboBox::activated, this, [this](int i) {
        for (auto *w : {m_flame, m_left, m_right, m_callers, m_callees})
            w->setColorMode(FlameGraphWidget::ColorMode(i));
    });
    connect(m_splitToggle, &QPushButton::toggled, this, [this](bool on) { setDiffLayout(on ? DiffLayout::Split : DiffLayout::Overlay); });
    connect(m_search, &QLineEdit::textChanged, this, &ProfilesView::applySearch);
    connect(m_crumbs, &QLabel::linkActivated, this, [this](const QString &link) { m_flame->setZoom(Engine::CallNodeId(link.toUInt())); });
    connect(m_flame, &FlameGraphWidget::zoomChanged, this, &ProfilesView::refreshCrumbs);
    // Split panes zoom together: both show the same union tree.
    connect(m_left, &FlameGraphWidget::zoomChanged, m_right, &FlameGraphWidget::setZoom);
    connect(m_right, &FlameGraphWidget::zoomChanged, m_left, &FlameGraphWidget::setZoom);
    for (auto *w : {m_flame, m_left, m_right, m_callers, m_callees})
        connect(w, &FlameGraphWidget::sandwichRequested, this, &ProfilesView::showSandwich);
    connect(m_functionTable, &QTableView::clicked, this, [this](const QModelIndex &i) {
        // The search is an RE2 pattern (Engine::matchFrames): escape the name its way, which leaves UTF-8 alone.
        const std::string name = i.siblingAtColumn(0).data().toString().toStdString();
        m_search->setText(QLatin1Char('^') + QString::fromStdString(Engine::Pattern::escape(name)) + QLatin1Char('$'));
    });
    connect(m_functionTable, &QTableView::doubleClicked, this, [this](const QModelIndex &i) {
        // The table's frame ids are the current profile's; the graph may show a diff tree with its own table.
        const auto current = treeOf(m_current);
        const Engine::FrameId frame(i.data(FunctionTableModel::FrameRole).toUInt());
        if (!current || !m_flame->tree() || frame.value >= current->frames().size())
            return;
        const Engine::Frame &f = current->frames()[frame];
        if (const auto shown = m_flame->tree()->frames().find(f.name, f.module))
            showSandwich(*shown);
    });
    connect(m_cancelButton, &QPushButton::clicked, this, [this] {
        if (m_cancel)
            m_cancel->store(true);
    });
    refreshSources();
}

ProfilesView::~ProfilesView()
{
    if (m_cancel)
        m_cancel->store(true);
}

std::shared_ptr<const CallTree> ProfilesView::treeOf(int index) const
{
    if (index < 0 || index >= int(m_profiles.size()))
        return nullptr;
    const auto &profile = m_profiles[std::size_t(index)].profile;
    std::size_t sel = profile->selected;
    // The sample type picked for the current profile applies to the baseline too when it has one of that name.
    const int chosen = m_sampleType->currentIndex();
    if (m_current >= 0 && chosen >= 0) {
        const auto &types = m_profiles[std::size_t(m_current)].profile->sampleTypes;
        if (std::size_t(chosen) < types.size()) {
            for (std::size_t i = 0; i < profile->sampleTypes.size(); ++i)
                if (profile->sampleTypes[i].type == types[std::size_t(chosen)].type)
                    sel = i;
        }
    }
    return std::shared_ptr<const CallTree>(profile, &profile->trees.at(sel));
}

int ProfilesView::addProfile(const QString &label, std::shared_ptr<const Engine::Profile> profile)
{
    if (!profile || profile->trees.empty())
        return -1;
    m_profiles.push_back({label, std::move(profile)});
    refreshSources();
    setCurrent(int(m_profiles.size()) - 1);
    return int(m_profiles.size()) - 1;
}

void ProfilesView::refreshSources()
{
    const QSignalBlocker b1(m_source), b2(m_baselineBox);
    m_source->clear();
    m_baselineBox->clear();
    m_baselineBox->addItem(tr("no comparison"));
    for (const auto &e : m_profiles) {
        m_source->addItem(e.label);
        m_baselineBox->addItem(e.label);
    }
    m_source->setCurrentIndex(m_current);
    m_baselineBox->setCurrentIndex(m_baseline + 1);
    m_splitToggle->setEnabled(m_baseline >= 0);
}

void ProfilesView::setCurrent(int index)
{
    if (index < 0 || index >= int(m_profiles.size()))
        return;
    m_current = index;
    if (m_baseline == index)
        m_baseline = -1;
    const auto &profile = m_profiles[std::size_t(index)].profile;
    {
        const QSignalBlocker block(m_sampleType);
        m_sampleType->clear();
        for (const auto &st : profile->sampleTypes)
            m_sampleType->addItem(QStringLiteral("%1 (%2)").arg(QString::fromStdString(st.type), QString::fromStdString(st.unit)));
        m_sampleType->setCurrentIndex(int(profile->selected));
        m_sampleType->setVisible(profile->sampleTypes.size() > 1);
    }
    m_chart->setProfile(profile);
    refreshSources();
    recompute();
}

void ProfilesView::setBaseline(int index)
{
    m_baseline = index >= 0 && index < int(m_profiles.size()) && index != m_current ? index : -1;
    refreshSources();
    if (m_baseline >= 0)
        m_colorBox->setCurrentIndex(int(FlameGraphWidget::ColorMode::Diff));
    recompute();
}

void ProfilesView::setMode(Mode mode)
{
    m_mode = mode;
    m_modeBox->setCurrentIndex(int(mode));
    m_flame->setOrientation(mode == Mode::Icicle ? FlameGraphWidget::Orientation::Icicle : FlameGraphWidget::Orientation::Flame);
    int page = 0;
    if (mode == Mode::TimeOrder)
        page = 2;
    else if (mode == Mode::Sandwich)
        page = 3;
    else if (m_baseline >= 0 && m_diffLayout == DiffLayout::Split)
        page = 1;
    m_stack->setCurrentIndex(page);
    m_crumbs->setVisible(page == 0);
}

void ProfilesView::setDiffLayout(DiffLayout layout)
{
    m_diffLayout = layout;
    {
        const QSignalBlocker block(m_splitToggle);
        m_splitToggle->setChecked(layout == DiffLayout::Split);
    }
    setMode(m_mode == Mode::TimeOrder || m_mode == Mode::Sandwich ? Mode::Flame : m_mode);
}

void ProfilesView::recompute()
{
    const auto current = treeOf(m_current);
    if (!current)
        return;
    const auto baseline = treeOf(m_baseline);
    const int generation = ++m_generation;
    ++m_busy;
    auto *watcher = new QFutureWatcher<Computed>(this);
    connect(watcher, &QFutureWatcher<Computed>::finished, this, [this, watcher, generation, current] {
        watcher->deleteLater();
        --m_busy;
        if (generation != m_generation)
            return; // a newer selection won
        Computed c = watcher->result();
        if (c.diff) {
            m_flame->setDiff(c.diff);
            m_left->setDiff(c.diff, true);
            m_right->setDiff(c.diff, false);
            m_left->setTitle(tr("Baseline: %1 (normalised to the current total)").arg(m_profiles[std::size_t(m_baseline)].label));
            m_right->setTitle(tr("Current: %1").arg(m_profiles[std::size_t(m_current)].label));
        } else {
            m_flame->setTree(current);
        }
        const auto mode = FlameGraphWidget::ColorMode(m_colorBox->currentIndex());
        for (auto *w : {m_flame, m_left, m_right})
            w->setColorMode(mode);
        m_functions->setTable(std::move(c.table), std::move(c.movers));
        const auto &p = *m_profiles[std::size_t(m_current)].profile;
        m_summary->setText(tr("<b>%1</b> · %2 · %3 stacks · %4 functions · %5 nodes%6%7")
                               .arg(m_profiles[std::size_t(m_current)].label.toHtmlEscaped(), QString::fromStdString(p.format))
                               .arg(p.samples)
                               .arg(current->frames().size())
                               .arg(current->size())
                               .arg(p.skipped ? tr(" · <span style='color:#e0a030'>%1 malformed records skipped</span>").arg(p.skipped) : QString())
                               .arg(c.diff ? tr(" · diff against <b>%1</b>: red grew, blue shrank (normalised by totals)")
                                                 .arg(m_profiles[std::size_t(m_baseline)].label.toHtmlEscaped())
                                           : QString()));
        applySearch();
        setMode(m_mode);
        refreshCrumbs();
    });
    watcher->setFuture(QtConcurrent::run([current, baseline] {
        Computed c;
        c.table = Engine::hotspots(*current);
        if (baseline) {
            c.diff = std::make_shared<Engine::CallTreeDiff>(Engine::diffTrees(*baseline, *current));
            for (const auto &m : Engine::topMovers(*baseline, *current, std::numeric_limits<std::size_t>::max()))
                c.movers[m.name] = m.delta();
        }
        return c;
    }));
}

void ProfilesView::applySearch()
{
    // Matching a regex over every frame and summing the matched share is O(frames + nodes): on a worker, the newest
    // pattern wins (earlier results are dropped by generation).
    const auto tree = m_flame->treePtr();
    const QString pattern = m_search->text();
    const int generation = ++m_searchGeneration;
    if (!tree || pattern.isEmpty()) {
        m_searchMask.clear();
        m_matched->clear();
        m_matched->setToolTip({});
        for (auto *w : {m_flame, m_left, m_right})
            w->setSearchMask({});
        return;
    }
    struct Match
    {
        std::vector<char> mask;
        std::string error;
        double share = 0;
    };
    ++m_busy;
    auto *watcher = new QFutureWatcher<Match>(this);
    connect(watcher, &QFutureWatcher<Match>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        --m_busy;
        if (generation != m_searchGeneration)
            return;
        Match m = watcher->result();
        m_searchMask = std::move(m.mask);
        m_matched->setText(!m.error.empty() ? tr("bad pattern") : tr("matched %1 %").arg(100 * m.share, 0, 'f', 1));
        m_matched->setToolTip(QString::fromStdString(m.error)); // RE2's message, with the offset of the mistake
        for (auto *w : {m_flame, m_left, m_right})
            w->setSearchMask(m.error.empty() ? m_searchMask : std::vector<char>{});
    });
    watcher->setFuture(QtConcurrent::run([tree, pattern] {
        Match m;
        m.mask = Engine::matchFrames(tree->frames(), pattern.toStdString(), &m.error);
        if (m.error.empty())
            m.share = Engine::inclusiveShare(*tree, m.mask);
        return m;
    }));
}

void ProfilesView::setSearch(const QString &pattern)
{
    m_search->setText(pattern); // textChanged runs the search
}

QString ProfilesView::matchedText() const
{
    return m_matched->text();
}

QString ProfilesView::breadcrumbs() const
{
    return m_crumbs->text();
}

void ProfilesView::refreshCrumbs()
{
    const CallTree *tree = m_flame->tree();
    if (!tree) {
        m_crumbs->clear();
        return;
    }
    QStringList parts;
    for (Engine::CallNodeId at = m_flame->zoom(); at.isValid(); at = tree->node(at).parent) {
        const auto name = tree->name(at);
        QString label = QString::fromUtf8(name.data(), qsizetype(name.size())).toHtmlEscaped();
        if (label.size() > 40)
            label = label.left(38) + QStringLiteral("…");
        parts.prepend(at == m_flame->zoom() ? QStringLiteral("<b>%1</b>").arg(label) : QStringLiteral("<a href='%1'>%2</a>").arg(at.value).arg(label));
    }
    m_crumbs->setText(parts.join(QStringLiteral(" › ")) + tr("  <span style='color:gray'>(click a box to zoom, Esc to go up)</span>"));
}

void ProfilesView::showSandwich(Engine::FrameId frame)
{
    const CallTree *tree = qobject_cast<FlameGraphWidget *>(sender()) ? qobject_cast<FlameGraphWidget *>(sender())->tree() : m_flame->tree();
    if (!tree || !m_flame->tree() || !frame.isValid() || frame.value >= tree->frames().size())
        return;
    // The frame comes from one of the graphs; all show m_flame's tree or a sandwich of it, so look it up by name.
    const auto source = m_flame->treePtr();
    const Engine::Frame &f = tree->frames()[frame];
    const auto id = source->frames().find(f.name, f.module);
    if (!id)
        return;
    const Engine::FrameId function = *id;
    const QString name = QString::fromStdString(f.name);
    ++m_busy;
    using Pair = std::pair<std::shared_ptr<const CallTree>, std::shared_ptr<const CallTree>>;
    auto *watcher = new QFutureWatcher<Pair>(this);
    connect(watcher, &QFutureWatcher<Pair>::finished, this, [this, watcher, name] {
        watcher->deleteLater();
        --m_busy;
        const auto [callers, callees] = watcher->result();
        m_callers->setTree(callers);
        m_callees->setTree(callees);
        m_callers->setTitle(tr("Callers of %1 (the function at the bottom, its callers above)").arg(name));
        m_callees->setTitle(tr("Callees of %1 (every call merged)").arg(name));
        setMode(Mode::Sandwich);
    });
    watcher->setFuture(QtConcurrent::run([source, function] {
        return Pair{std::make_shared<const CallTree>(Engine::callersOf(*source, function)),
                    std::make_shared<const CallTree>(Engine::calleesOf(*source, function))};
    }));
}

void ProfilesView::refreshServices()
{
    if (!m_hub)
        return;
    const auto &store = m_hub->engine().profiles();
    if (store.version() == m_profilesVersion)
        return;
    m_profilesVersion = store.version();
    const QSignalBlocker block(m_serviceBox);
    m_serviceBox->clear();
    m_serviceBox->addItem(tr("Collected profiles…"));
    for (const std::string &s : store.services())
        m_serviceBox->addItem(QString::fromStdString(s));
    m_serviceBox->setEnabled(m_serviceBox->count() > 1);
}

QStringList ProfilesView::services() const
{
    QStringList out;
    for (int i = 1; i < m_serviceBox->count(); ++i)
        out << m_serviceBox->itemText(i);
    return out;
}

void ProfilesView::loadService(const QString &service, qint64 from, qint64 to, const QString &label)
{
    if (!m_hub)
        return;
    ++m_busy;
    const Engine::ProfileStore *store = &m_hub->engine().profiles();
    auto *watcher = new QFutureWatcher<std::optional<Engine::Profile>>(this);
    connect(watcher, &QFutureWatcher<std::optional<Engine::Profile>>::finished, this, [this, watcher, label, service] {
        watcher->deleteLater();
        --m_busy;
        auto merged = watcher->result();
        if (!merged) {
            m_summary->setText(tr("No profiles of %1 in that time range").arg(service.toHtmlEscaped()));
            return;
        }
        addProfile(label, std::make_shared<const Engine::Profile>(std::move(*merged)));
    });
    watcher->setFuture(QtConcurrent::run([store, service, from, to] { return store->merged(service.toStdString(), from, to); }));
}

void ProfilesView::showIncidentDiff(const QString &service, qint64 start, qint64 end)
{
    if (!m_hub)
        return;
    // The incident window (at least one profile period) against the hour before it.
    const qint64 windowEnd = std::max<qint64>(end > start ? end : start + 15 * Engine::kMinute, start + 5 * Engine::kMinute);
    const auto when = [](qint64 t) { return QDateTime::fromMSecsSinceEpoch(t / 1'000'000, Qt::UTC).toString(QStringLiteral("HH:mm")); };
    ++m_busy;
    const Engine::ProfileStore *store = &m_hub->engine().profiles();
    using Pair = std::pair<std::optional<Engine::Profile>, std::optional<Engine::Profile>>;
    auto *watcher = new QFutureWatcher<Pair>(this);
    const QString baseLabel = tr("%1 · baseline %2–%3").arg(service, when(start - Engine::kHour), when(start));
    const QString incidentLabel = tr("%1 · incident %2–%3").arg(service, when(start), when(windowEnd));
    connect(watcher, &QFutureWatcher<Pair>::finished, this, [this, watcher, service, baseLabel, incidentLabel] {
        watcher->deleteLater();
        --m_busy;
        auto [base, incident] = watcher->result();
        if (!base || !incident) {
            m_summary->setText(tr("%1 has no profiles %2").arg(service.toHtmlEscaped(), !incident ? tr("in the incident window") : tr("before the incident")));
            return;
        }
        const int b = addProfile(baseLabel, std::make_shared<const Engine::Profile>(std::move(*base)));
        addProfile(incidentLabel, std::make_shared<const Engine::Profile>(std::move(*incident)));
        setBaseline(b);
        setMode(Mode::Flame);
    });
    watcher->setFuture(QtConcurrent::run([store, service, start, windowEnd] {
        const std::string s = service.toStdString();
        return Pair{store->merged(s, start - Engine::kHour, start - 1), store->merged(s, start, windowEnd)};
    }));
}

void ProfilesView::showOpenDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open profile"), {},
                                                      tr("Profiles (*.folded *.txt *.gz *.pb *.prof *.pprof *.json *.cpuprofile *.perf);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void ProfilesView::openFile(const QString &path)
{
    if (m_cancel)
        m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_progress = std::make_shared<std::atomic<int>>(0);
    auto cancel = m_cancel;
    auto progress = m_progress;
    ++m_busy;
    m_progressBar->setValue(0);
    m_progressBar->show();
    m_cancelButton->show();
    auto *poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this, progress] { m_progressBar->setValue(progress->load()); });
    poll->start(100);
    auto *watcher = new QFutureWatcher<Engine::Result<Engine::Profile>>(this);
    connect(watcher, &QFutureWatcher<Engine::Result<Engine::Profile>>::finished, this, [this, watcher, poll, path] {
        watcher->deleteLater();
        poll->deleteLater();
        --m_busy;
        m_progressBar->hide();
        m_cancelButton->hide();
        auto result = watcher->result();
        if (!result) {
            m_summary->setText(tr("<span style='color:#e05050'>%1</span>").arg(QString::fromStdString(result.error().toString()).toHtmlEscaped()));
            Q_EMIT importFailed(QString::fromStdString(result.error().toString()));
            return;
        }
        const int index = addProfile(QFileInfo(path).fileName(), std::make_shared<const Engine::Profile>(std::move(*result)));
        Q_EMIT imported(index);
    });
    watcher->setFuture(QtConcurrent::run([path, cancel, progress] {
        Engine::ProfileImportOptions options;
        options.progress = [cancel, progress](double done) {
            progress->store(int(done * 1000));
            return !cancel->load();
        };
        return Engine::importProfileFile(path.toStdString(), options);
    }));
}

bool ProfilesView::waitIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (m_busy > 0 && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QCoreApplication::processEvents();
    return m_busy == 0;
}

} // namespace Nocturne::Ui
