#pragma once

#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

#include "profile/profile.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace Nocturne::Ui {

class FlameChartWidget;
class FlameGraphWidget;
class FunctionTableModel;
class SnapshotHub;

// Profiles: flame/icicle graphs, a time-ordered flame chart, the sandwich of one function and the top-functions
// table, for profiles opened from files or collected by the engine (live pprof endpoints, the scenario). Comparing
// with a baseline shows the diff either overlaid (one graph coloured by change) or split (baseline | current, same
// layout), one toggle. Imports, diffs and hot-spot tables run on worker threads; the view only paints results.
class ProfilesView : public QWidget
{
    Q_OBJECT
public:
    enum class Mode { Flame, Icicle, TimeOrder, Sandwich };
    enum class DiffLayout { Overlay, Split };

    explicit ProfilesView(SnapshotHub *hub = nullptr, QWidget *parent = nullptr);
    ~ProfilesView() override;

    // Adds a profile to the source list and shows it; returns its index.
    int addProfile(const QString &label, std::shared_ptr<const Engine::Profile> profile);
    int profileCount() const { return int(m_profiles.size()); }
    // Imports a file on a worker thread (progress bar, cancel button); signals imported() or importFailed().
    void openFile(const QString &path);
    void setCurrent(int index);
    // baseline -1: no comparison.
    void setBaseline(int index);
    void setMode(Mode mode);
    void setDiffLayout(DiffLayout layout);
    // Runs on a worker; waitIdle() before reading matchedText().
    void setSearch(const QString &pattern);
    void showSandwich(Engine::FrameId frame);
    // Merges the engine's stored profiles of `service` over [from, to] (worker thread) and shows them.
    void loadService(const QString &service, qint64 from, qint64 to, const QString &label);
    // Services with stored profiles (refreshed from the engine as profiles arrive).
    QStringList services() const;

public Q_SLOTS:
    // From an incident: the service's profile over the incident window against the hour before it, as a diff.
    void showIncidentDiff(const QString &service, qint64 start, qint64 end);
    // Waits (processing events) until background work is done; for tests and screenshots.
    bool waitIdle(int timeoutMs = 30000);

    FlameGraphWidget *flame() const { return m_flame; }
    FlameGraphWidget *splitBaseline() const { return m_left; }
    FlameGraphWidget *splitCurrent() const { return m_right; }
    FunctionTableModel *functions() const { return m_functions; }
    FlameChartWidget *chart() const { return m_chart; }
    QString matchedText() const;
    QString breadcrumbs() const;

Q_SIGNALS:
    void imported(int index);
    void importFailed(const QString &error);

private:
    struct Entry
    {
        QString label;
        std::shared_ptr<const Engine::Profile> profile;
    };
    std::shared_ptr<const Engine::CallTree> treeOf(int index) const;
    void recompute();
    void refreshCrumbs();
    void refreshSources();
    void applySearch();
    void showOpenDialog();
    void refreshServices();

    SnapshotHub *m_hub;
    std::vector<Entry> m_profiles;
    int m_current = -1;
    int m_baseline = -1;
    Mode m_mode = Mode::Flame;
    DiffLayout m_diffLayout = DiffLayout::Overlay;
    int m_generation = 0;
    int m_searchGeneration = 0;
    int m_busy = 0;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::shared_ptr<std::atomic<int>> m_progress;

    QComboBox *m_source;
    QComboBox *m_serviceBox;
    std::uint64_t m_profilesVersion = ~std::uint64_t(0);
    QComboBox *m_sampleType;
    QComboBox *m_baselineBox;
    QComboBox *m_modeBox;
    QComboBox *m_colorBox;
    QPushButton *m_splitToggle;
    QLineEdit *m_search;
    QLabel *m_matched;
    QLabel *m_crumbs;
    QLabel *m_summary;
    QProgressBar *m_progressBar;
    QPushButton *m_cancelButton;
    QStackedWidget *m_stack;
    FlameGraphWidget *m_flame;
    FlameGraphWidget *m_left;
    FlameGraphWidget *m_right;
    FlameGraphWidget *m_callers;
    FlameGraphWidget *m_callees;
    FlameChartWidget *m_chart;
    FunctionTableModel *m_functions;
    QSortFilterProxyModel *m_functionProxy;
    QTableView *m_functionTable;
    std::vector<char> m_searchMask;
};

} // namespace Nocturne::Ui
