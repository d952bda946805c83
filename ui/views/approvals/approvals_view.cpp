#include "approvals_view.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "core/clock.h"
#include "shell/console_session.h"

namespace Nocturne::Ui {

using Engine::Proposal;
using Engine::ProposalState;

namespace {
int stateRank(ProposalState s)
{
    switch (s) {
    case ProposalState::AwaitingApproval: return 0;
    case ProposalState::Approved: return 1;
    case ProposalState::Running: return 2;
    case ProposalState::Verifying: return 3;
    case ProposalState::Failed: return 4;
    default: return 5;
    }
}

QString stateText(ProposalState s)
{
    switch (s) {
    case ProposalState::AwaitingApproval: return QObject::tr("▲ awaiting approval");
    case ProposalState::Approved: return QObject::tr("● approved");
    case ProposalState::Running: return QObject::tr("● running");
    case ProposalState::Verifying: return QObject::tr("● verifying");
    case ProposalState::Succeeded: return QObject::tr("✓ succeeded");
    case ProposalState::Failed: return QObject::tr("✕ failed");
    case ProposalState::RolledBack: return QObject::tr("↶ rolled back");
    case ProposalState::Rejected: return QObject::tr("✕ rejected");
    case ProposalState::Expired: return QObject::tr("– expired");
    case ProposalState::Proposed: return QObject::tr("proposed");
    }
    return {};
}

QString when(Engine::Timestamp t)
{
    return QDateTime::fromMSecsSinceEpoch(t / Engine::kMillisecond, QTimeZone::utc()).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString left(Engine::Timestamp expires, Engine::Timestamp now)
{
    const qint64 s = (expires - now) / Engine::kSecond;
    if (s <= 0)
        return QObject::tr("expired");
    return s >= 3600 ? QObject::tr("%1 h %2 min left").arg(s / 3600).arg((s % 3600) / 60) : QObject::tr("%1 min %2 s left").arg(s / 60).arg(s % 60);
}

QString esc(const std::string &s)
{
    return QString::fromStdString(s).toHtmlEscaped();
}
} // namespace

ApprovalsView::ApprovalsView(Engine::RemediationService *service, ConsoleSession *session, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_session(session)
    , m_sessionLabel(new QLabel(this))
    , m_signIn(new QPushButton(this))
    , m_tabs(new QTabWidget(this))
    , m_queue(new QTreeWidget(this))
    , m_detail(new QTextBrowser(this))
    , m_approve(new QPushButton(tr("Approve…"), this))
    , m_reject(new QPushButton(tr("Reject…"), this))
    , m_rollback(new QPushButton(tr("Roll back…"), this))
    , m_status(new QLabel(this))
    , m_audit(new QTableWidget(this))
    , m_auditState(new QLabel(this))
    , m_timer(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    if (!m_service) {
        auto *info = new QLabel(tr("<h3>Remediation is not configured</h3><p>Start the console with <code>--remediation FILE</code> "
                                   "(plugins, policies, the audit database; see docs/remediation.md) to propose, approve and run "
                                   "actions here.</p>"),
                                this);
        info->setWordWrap(true);
        layout->addWidget(info);
        layout->addStretch(1);
        m_tabs->hide();
        m_sessionLabel->hide();
        m_signIn->hide();
        return;
    }
    auto *top = new QHBoxLayout;
    top->addWidget(m_sessionLabel, 1);
    top->addWidget(m_signIn);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);

    auto *queuePage = new QSplitter(Qt::Horizontal, this);
    m_queue->setHeaderLabels({tr("State"), tr("Action"), tr("Target"), tr("Risk"), tr("Approvals"), tr("Time left"), tr("Proposer"), tr("#")});
    m_queue->setRootIsDecorated(false);
    m_queue->setUniformRowHeights(true);
    m_queue->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    queuePage->addWidget(m_queue);
    auto *detailPane = new QWidget(this);
    auto *detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_detail, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_approve);
    buttons->addWidget(m_reject);
    buttons->addWidget(m_rollback);
    buttons->addWidget(m_status, 1);
    m_status->setWordWrap(true);
    detailLayout->addLayout(buttons);
    queuePage->addWidget(detailPane);
    queuePage->setStretchFactor(0, 3);
    queuePage->setStretchFactor(1, 2);
    m_tabs->addTab(queuePage, tr("Approvals"));

    auto *auditPage = new QWidget(this);
    auto *auditLayout = new QVBoxLayout(auditPage);
    auditLayout->addWidget(m_auditState);
    m_audit->setColumnCount(6);
    m_audit->setHorizontalHeaderLabels({tr("#"), tr("Time (UTC)"), tr("Who"), tr("What"), tr("Subject"), tr("Detail")});
    m_audit->horizontalHeader()->setStretchLastSection(true);
    m_audit->verticalHeader()->hide();
    m_audit->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_audit->setSelectionBehavior(QAbstractItemView::SelectRows);
    auditLayout->addWidget(m_audit, 1);
    m_tabs->addTab(auditPage, tr("Audit log"));

    connect(m_signIn, &QPushButton::clicked, this, [this] {
        if (m_session->signedIn())
            m_session->signOut();
        else
            m_session->promptSignIn(this);
    });
    connect(m_session, &ConsoleSession::changed, this, [this] {
        m_seenVersion = ~0ull;
        refresh();
    });
    connect(m_queue, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        m_selected = item ? item->data(0, Qt::UserRole).toLongLong() : 0;
        renderDetail();
    });
    auto ask = [this](const QString &title) {
        bool ok = false;
        const QString reason = QInputDialog::getText(this, title, tr("Reason (recorded in the audit log):"), QLineEdit::Normal, {}, &ok);
        return ok ? reason : QString();
    };
    connect(m_approve, &QPushButton::clicked, this, [this, ask] {
        const QString reason = ask(tr("Approve"));
        if (!reason.trimmed().isEmpty())
            decide(true, reason);
    });
    connect(m_reject, &QPushButton::clicked, this, [this, ask] {
        const QString reason = ask(tr("Reject"));
        if (!reason.trimmed().isEmpty())
            decide(false, reason);
    });
    connect(m_rollback, &QPushButton::clicked, this, [this, ask] {
        const QString reason = ask(tr("Roll back"));
        if (!reason.trimmed().isEmpty())
            rollbackSelected(reason);
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int tab) {
        if (tab == 1)
            renderAudit();
    });
    connect(&m_work, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = m_work.result();
        m_status->setText(error.isEmpty() ? tr("<span style='color:#009e73'>✓ done</span>")
                                          : QStringLiteral("<span style='color:#d55e00'>✕ %1</span>").arg(error.toHtmlEscaped()));
        m_seenVersion = ~0ull;
        refresh();
    });
    connect(&m_auditWork, &QFutureWatcher<AuditPage>::finished, this, [this] { showAudit(m_auditWork.result()); });
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &ApprovalsView::refresh);
    m_timer->start();
    refresh();
}

void ApprovalsView::refresh()
{
    if (!m_service)
        return;
    m_sessionLabel->setText(tr("Signed in: <b>%1</b>%2")
                                .arg(m_session->describe().toHtmlEscaped(),
                                     m_service->killSwitch() ? tr(" — <span style='color:#d55e00'><b>✕ automation paused (kill switch)</b></span>") : QString()));
    m_signIn->setText(m_session->signedIn() ? tr("Sign out") : tr("Sign in…"));
    const bool busy = m_work.isRunning();
    const bool canDecide = m_session->signedIn() && m_session->role() != Engine::Role::Viewer && !busy;
    const auto current = m_service->proposal(m_selected);
    bool decidedAlready = false;
    if (current)
        for (const Engine::Decision &d : current->decisions)
            decidedAlready |= QString::fromStdString(d.user) == m_session->user();
    const bool ownProposal = current && current->excludeProposer && QString::fromStdString(current->proposer) == m_session->user();
    m_approve->setEnabled(canDecide && current && current->state == ProposalState::AwaitingApproval && !decidedAlready && !ownProposal);
    m_approve->setToolTip(ownProposal ? tr("You proposed this; someone else must approve it")
                          : decidedAlready ? tr("You have already decided; another person must approve") : QString());
    m_reject->setEnabled(canDecide && current && (current->state == ProposalState::AwaitingApproval || current->state == ProposalState::Approved));
    m_rollback->setEnabled(canDecide && current && (current->state == ProposalState::Succeeded || current->state == ProposalState::Failed));
    const Engine::Timestamp now = m_service->now();
    if (m_service->version() == m_seenVersion) {
        // Only the timers move.
        for (int i = 0; i < m_queue->topLevelItemCount(); ++i) {
            QTreeWidgetItem *item = m_queue->topLevelItem(i);
            if (item->data(5, Qt::UserRole).toLongLong() > 0)
                item->setText(5, left(item->data(5, Qt::UserRole).toLongLong(), now));
        }
        return;
    }
    m_seenVersion = m_service->version();
    std::vector<Proposal> proposals = m_service->proposals();
    std::stable_sort(proposals.begin(), proposals.end(), [](const Proposal &a, const Proposal &b) {
        return std::make_pair(stateRank(a.state), -a.updated) < std::make_pair(stateRank(b.state), -b.updated);
    });
    m_queue->clear();
    QTreeWidgetItem *select = nullptr;
    for (const Proposal &p : proposals) {
        auto *item = new QTreeWidgetItem(m_queue);
        item->setData(0, Qt::UserRole, qint64(p.id));
        item->setText(0, stateText(p.state));
        item->setText(1, QString::fromStdString(p.plugin + "." + p.action));
        item->setText(2, QString::fromStdString(p.target));
        item->setText(3, QString::fromStdString(p.risk));
        item->setText(4, QStringLiteral("%1 / %2").arg(p.approvals()).arg(p.approvalsNeeded()));
        const bool pending = p.state == ProposalState::AwaitingApproval || p.state == ProposalState::Approved;
        item->setData(5, Qt::UserRole, qint64(pending ? p.expires : 0));
        item->setText(5, pending ? left(p.expires, now) : when(p.updated));
        item->setText(6, QString::fromStdString(p.proposer));
        item->setText(7, QStringLiteral("P-%1").arg(p.id));
        const QColor colour = p.state == ProposalState::AwaitingApproval ? QColor(0xe6, 0x9f, 0x00)
                              : p.state == ProposalState::Failed || p.state == ProposalState::Rejected ? QColor(0xd5, 0x5e, 0x00)
                              : p.state == ProposalState::Succeeded ? QColor(0x00, 0x9e, 0x73)
                                                                     : QColor();
        if (colour.isValid())
            item->setForeground(0, colour);
        if (p.id == m_selected)
            select = item;
    }
    if (!select && m_queue->topLevelItemCount() > 0)
        select = m_queue->topLevelItem(0);
    if (select)
        m_queue->setCurrentItem(select);
    renderDetail();
    if (m_tabs->currentIndex() == 1)
        renderAudit();
}

void ApprovalsView::renderDetail()
{
    const auto p = m_service ? m_service->proposal(m_selected) : std::nullopt;
    if (!p) {
        m_detail->setHtml(tr("<p>No proposal selected. Policies propose actions here; people decide.</p>"));
        return;
    }
    const QJsonObject plan = QJsonDocument::fromJson(QByteArray::fromStdString(p->planJson)).object();
    QString html = QStringLiteral("<h3>P-%1 · %2</h3>").arg(p->id).arg(stateText(p->state).toHtmlEscaped());
    html += tr("<p><b>What</b>: %1<br><b>Where</b>: %2<br><b>Plugin</b>: %3.%4 · <b>risk</b> %5</p>")
                .arg(plan.value(QLatin1String("summary")).toString().toHtmlEscaped(), esc(p->target), esc(p->plugin), esc(p->action), esc(p->risk));
    html += tr("<p><b>Why</b>: %1").arg(esc(p->reason));
    if (p->incidentId)
        html += tr("<br><b>Incident</b>: INC-%1").arg(p->incidentId);
    html += QStringLiteral("</p>");
    QStringList changes;
    for (const QJsonValue &c : plan.value(QLatin1String("changes")).toArray())
        changes << c.toString().toHtmlEscaped();
    if (!changes.isEmpty())
        html += tr("<p><b>Changes</b>:<br>%1</p>").arg(changes.join(QStringLiteral("<br>")));
    if (!p->dryRunOutput.empty())
        html += tr("<p><b>Dry run</b>:</p><pre>%1</pre>").arg(esc(p->dryRunOutput));
    QStringList blast;
    for (const std::string &b : p->blastRadius)
        blast << esc(b);
    html += tr("<p><b>Blast radius</b>: %1</p>").arg(blast.isEmpty() ? tr("the target only") : blast.join(QStringLiteral(", ")));
    html += tr("<p><b>Proposed by</b> %1 at %2 · <b>needs</b> %3 approval(s) from %4%5 · <b>expires</b> %6</p>")
                .arg(esc(p->proposer), when(p->created))
                .arg(p->approvalsNeeded())
                .arg([&] {
                    QStringList roles;
                    for (Engine::Role r : p->approverRoles)
                        roles << QString::fromLatin1(Engine::roleName(r));
                    return roles.join(tr(" or "));
                }())
                .arg(p->excludeProposer ? tr(", not the proposer") : QString(), when(p->expires));
    if (!p->decisions.empty()) {
        html += tr("<p><b>Decisions</b>:</p><ul>");
        for (const Engine::Decision &d : p->decisions)
            html += QStringLiteral("<li>%1 <b>%2</b> %3 — “%4”</li>")
                        .arg(when(d.at), esc(d.user), d.approve ? tr("approved") : tr("rejected"), esc(d.reason));
        html += QStringLiteral("</ul>");
    }
    if (!p->message.empty())
        html += tr("<p><b>Last</b>: %1</p>").arg(esc(p->message));
    if (!p->outcomeJson.empty() && p->outcomeJson != "{}")
        html += tr("<p><b>Outcome</b>:</p><pre>%1</pre>").arg(esc(p->outcomeJson));
    m_detail->setHtml(html);
}

void ApprovalsView::renderAudit()
{
    if (!m_service || m_auditWork.isRunning())
        return;
    Engine::RemediationService *service = m_service;
    m_auditWork.setFuture(QtConcurrent::run([service] {
        return AuditPage{service->store().verifyAudit(), service->store().latestAuditRecords(2000)};
    }));
}

void ApprovalsView::showAudit(const AuditPage &page)
{
    const Engine::AuditVerification &v = page.verification;
    m_auditState->setText(v.ok ? tr("<span style='color:#009e73'><b>✓ chain intact</b></span> — %1 records, each hashed with the one before")
                                     .arg(v.records)
                               : tr("<span style='color:#d55e00'><b>✕ chain broken at record %1</b></span>: %2")
                                     .arg(v.firstBad)
                                     .arg(QString::fromStdString(v.reason).toHtmlEscaped()));
    m_audit->setRowCount(int(page.newest.size()));
    for (std::size_t i = 0; i < page.newest.size(); ++i) {
        const Engine::AuditRecord &r = page.newest[i];
        const QStringList cells{QString::number(r.seq), when(r.ts), QString::fromStdString(r.actor), QString::fromStdString(r.kind),
                                QString::fromStdString(r.subject), QString::fromStdString(r.detail)};
        for (int c = 0; c < cells.size(); ++c)
            m_audit->setItem(int(i), c, new QTableWidgetItem(cells[c]));
    }
    m_audit->resizeColumnsToContents();
}

void ApprovalsView::selectProposal(std::int64_t id)
{
    m_selected = id;
    m_seenVersion = ~0ull;
    refresh();
}

QString ApprovalsView::runDecision(std::function<Engine::Status()> action)
{
    if (!m_session->signedIn()) {
        m_status->setText(tr("<span style='color:#d55e00'>✕ sign in first</span>"));
        return tr("sign in first");
    }
    if (m_work.isRunning())
        return tr("a decision is still being carried out");
    m_status->setText(tr("working…"));
    m_work.setFuture(QtConcurrent::run([action] {
        const Engine::Status s = action();
        return s ? QString() : QString::fromStdString(s.error().message);
    }));
    refresh();
    return {};
}

QString ApprovalsView::decide(bool approve, const QString &reason)
{
    if (!m_service || !m_selected)
        return tr("no proposal selected");
    const std::string token = m_session->token(), why = reason.toStdString();
    const std::int64_t id = m_selected;
    Engine::RemediationService *service = m_service;
    return runDecision([service, token, id, why, approve] {
        const Engine::Timestamp now = service->now();
        return approve ? service->approve(token, id, why, now) : service->reject(token, id, why, now);
    });
}

QString ApprovalsView::rollbackSelected(const QString &reason)
{
    if (!m_service || !m_selected)
        return tr("no proposal selected");
    const std::string token = m_session->token(), why = reason.toStdString();
    const std::int64_t id = m_selected;
    Engine::RemediationService *service = m_service;
    return runDecision([service, token, id, why] { return service->rollback(token, id, why, service->now()); });
}

QString ApprovalsView::trigger(const QString &pluginAction, const QString &target, const QString &reason, std::int64_t incidentId,
                               const QJsonObject &parameters)
{
    if (!m_service)
        return tr("remediation is not configured");
    const QStringList parts = pluginAction.split(QLatin1Char('.'));
    if (parts.size() != 2)
        return tr("choose plugin.action");
    const std::string token = m_session->token(), why = reason.toStdString(), plugin = parts[0].toStdString(),
                      action = parts[1].toStdString(), where = target.toStdString();
    Engine::RemediationService *service = m_service;
    return runDecision([service, token, plugin, action, where, why, incidentId, parameters]() -> Engine::Status {
        auto id = service->trigger(token, plugin, action, where, parameters, why, incidentId, service->now());
        if (!id)
            return tl::unexpected(id.error());
        return {};
    });
}

void ApprovalsView::proposeForIncident(qint64 incidentId, const QString &entity)
{
    if (!m_service)
        return;
    if (!m_session->signedIn() && !m_session->promptSignIn(this))
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Propose an action for INC-%1").arg(incidentId));
    auto *form = new QFormLayout(&dialog);
    auto *action = new QComboBox(&dialog);
    for (const Engine::Policy &p : m_service->policies()) {
        const QString key = QString::fromStdString(p.plugin + "." + p.action);
        if (action->findText(key) < 0)
            action->addItem(key);
    }
    auto *target = new QLineEdit(entity, &dialog);
    auto *params = new QLineEdit(&dialog);
    params->setPlaceholderText(tr("{} — extra parameters as a JSON object, checked against the action's schema"));
    auto *reason = new QLineEdit(&dialog);
    reason->setPlaceholderText(tr("why (recorded in the audit log)"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(tr("Action (policies allow)"), action);
    form->addRow(tr("Target"), target);
    form->addRow(tr("Parameters"), params);
    form->addRow(tr("Reason"), reason);
    form->addRow(new QLabel(tr("The policy for this action decides approvals, cooldown and verification."), &dialog));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted || reason->text().trimmed().isEmpty())
        return;
    QJsonObject parameters;
    if (!params->text().trimmed().isEmpty()) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(params->text().toUtf8(), &error);
        if (!doc.isObject()) {
            m_status->setText(QStringLiteral("<span style='color:#d55e00'>✕ %1</span>")
                                  .arg(tr("parameters are not a JSON object: %1").arg(error.errorString()).toHtmlEscaped()));
            return;
        }
        parameters = doc.object();
    }
    trigger(action->currentText(), target->text(), reason->text(), incidentId, parameters);
}

int ApprovalsView::queueRows() const
{
    return m_queue->topLevelItemCount();
}

QString ApprovalsView::detailText() const
{
    return m_detail->toPlainText();
}

QString ApprovalsView::statusText() const
{
    return m_status->text();
}

QString ApprovalsView::auditState() const
{
    return m_auditState->text();
}

bool ApprovalsView::waitIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (m_work.isRunning() && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QCoreApplication::processEvents();
    return !m_work.isRunning();
}

} // namespace Nocturne::Ui
