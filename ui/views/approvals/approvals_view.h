#pragma once

#include <QFutureWatcher>
#include <QJsonObject>
#include <QWidget>

#include "remediate/remediation_service.h"

class QLabel;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTextBrowser;
class QTimer;
class QTreeWidget;

namespace Nocturne::Ui {

class ConsoleSession;

// The approvals desk: the queue (pending first, with the time each has left), a detail pane (what, where, why — the
// incident and root-cause evidence —, the dry-run output, risk, blast radius, proposer, every decision so far),
// approve / reject / roll back with a mandatory reason, the history, and the audit log with its verification state.
// Decisions run on a worker (an approval may start a plugin); the view polls the service's version once a second.
class ApprovalsView : public QWidget
{
    Q_OBJECT
public:
    ApprovalsView(Engine::RemediationService *service, ConsoleSession *session, QWidget *parent = nullptr);

    // Test and automation hooks; the buttons call the same code.
    void selectProposal(std::int64_t id);
    std::int64_t selectedProposal() const { return m_selected; }
    QString decide(bool approve, const QString &reason);     // empty on success, else why not
    QString rollbackSelected(const QString &reason);
    // Propose an action by hand for an incident (still under policy): plugin.action on target.
    QString trigger(const QString &pluginAction, const QString &target, const QString &reason, std::int64_t incidentId,
                    const QJsonObject &parameters = {});
    int queueRows() const;
    QString detailText() const;
    QString auditState() const;
    QString statusText() const;
    bool waitIdle(int timeoutMs = 10'000);

public Q_SLOTS:
    void refresh();
    void proposeForIncident(qint64 incidentId, const QString &entity);

private:
    void renderDetail();
    void renderAudit();
    struct AuditPage;
    void showAudit(const AuditPage &page);
    QString runDecision(std::function<Engine::Status()> action);

    Engine::RemediationService *m_service;
    ConsoleSession *m_session;
    QLabel *m_sessionLabel;
    QPushButton *m_signIn;
    QTabWidget *m_tabs;
    QTreeWidget *m_queue;
    QTextBrowser *m_detail;
    QPushButton *m_approve, *m_reject, *m_rollback;
    QLabel *m_status;
    QTableWidget *m_audit;
    QLabel *m_auditState;
    QTimer *m_timer;
    std::uint64_t m_seenVersion = ~0ull;
    std::int64_t m_selected = 0;
    QFutureWatcher<QString> m_work;
    // The audit tab's data: the whole chain is re-verified, which grows with the log, so it runs on a worker.
    struct AuditPage {
        Engine::AuditVerification verification;
        std::vector<Engine::AuditRecord> newest;
    };
    QFutureWatcher<AuditPage> m_auditWork;
};

} // namespace Nocturne::Ui
