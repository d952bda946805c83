#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "diagnose/root_cause.h"
#include "views/warroom/diagnosis_freeze.h"

class QChartView;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTextBrowser;
class QTreeWidget;
class QVBoxLayout;

namespace Nocturne::Ui {

class SnapshotHub;
class TimelineView;
class TopologyView;

// One incident, everything a war room needs on one screen: a header (severity, start, duration, affected services,
// blast radius, SLA clock), the ranked root causes with confidence and expandable evidence (lagged correlation,
// change events, log templates, what would disprove it, the suggested action), the incident's sub-graph with the
// selected cause's propagation path, evidence charts with the detectors' bands and the onset marked, the incident's
// alert timeline, attributed timestamped notes, confirm / reject of a cause (recorded with the operator's name and
// re-weighting later rankings) and export to Markdown, HTML and PDF with the charts and the graph as images.
// A closed incident's diagnosis is frozen: the view says when and by whom, and "Re-rank" recomputes it on purpose
// (Engine::rerankIncident, recorded with the operator's name).
// Ranking and chart queries run on workers; the view only renders what the engine returns.
class WarRoomView : public QWidget
{
    Q_OBJECT
public:
    explicit WarRoomView(SnapshotHub &hub, QWidget *parent = nullptr);
    ~WarRoomView() override;

    qint64 incident() const { return m_incident; }
    const std::vector<Engine::RcaCandidate> &causes() const { return m_causes; }
    int selectedCause() const { return m_selectedCause; }
    // Whether the causes shown are the closed incident's frozen ones, since when and by whom.
    const DiagnosisFreeze &freeze() const { return m_freeze; }
    QLabel *freezeLabel() const { return m_frozen; }
    QPushButton *rerankButton() const { return m_rerankButton; }
    bool waitForDiagnosis(int timeoutMs = 30000); // ranking and evidence charts
    TopologyView *topology() const { return m_topology; }
    QTreeWidget *causeTree() const { return m_causeTree; }
    QListWidget *notes() const { return m_notes; }
    int evidenceCharts() const;
    // Writes the report; the format follows the extension (.md, .html, .pdf). Markdown puts its images beside the
    // file (<name>-topology.png, <name>-evidence-N.png); HTML embeds them; PDF lays the HTML out on A4 pages.
    // Returns an empty string on success, else the error.
    QString exportReport(const QString &path);

public Q_SLOTS:
    void showIncident(qint64 incidentId);
    void selectCause(int index);
    // Verdicts on the selected cause; the buttons ask for the note first.
    bool confirmSelected(const QString &note);
    bool rejectSelected(const QString &note);
    bool addNote(const QString &text);
    // Ranks again: an open incident's causes with the evidence so far; a closed incident's frozen ones are read back
    // as they are (the 15 s refresh, verdicts, opening the incident).
    void rerank();
    // Recomputes a closed incident's frozen diagnosis and freezes the new one, in the operator's name. The
    // "Re-rank" button calls this for a closed incident and rerank() for an open one.
    void rerankFrozen();

private:
    void renderHeader();
    void renderCauses();
    void renderNotes();
    void renderFreeze();
    void startRanking(bool explicitRerank);
    void requestCharts();
    QString reportHtml(const QString &imagePrefix, bool embed, std::vector<std::pair<QString, QImage>> *images) const;
    bool verdict(bool confirmed, const QString &note);

    SnapshotHub &m_hub;
    qint64 m_incident = 0;
    QLabel *m_header;
    QLabel *m_status;
    QTreeWidget *m_causeTree;
    QTextBrowser *m_details;
    TopologyView *m_topology;
    QWidget *m_chartBox;
    QVBoxLayout *m_chartLayout;
    std::vector<QChartView *> m_charts;
    TimelineView *m_timeline;
    QListWidget *m_notes;
    QLineEdit *m_noteEdit;
    QPushButton *m_confirm;
    QPushButton *m_reject;
    QPushButton *m_rerankButton;
    QLabel *m_frozen;
    DiagnosisFreeze m_freeze; // of the causes shown
    std::vector<Engine::RcaCandidate> m_causes;
    int m_selectedCause = -1;
    int m_generation = 0;
    int m_chartGeneration = 0;
    bool m_ranking = false;
    bool m_chartsPending = false;
};

} // namespace Nocturne::Ui
