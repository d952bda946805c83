#include "console_session.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QtConcurrent>
#include <QLabel>
#include <QLineEdit>

#include "core/clock.h"
#include "remediate/remediation_service.h"

namespace Nocturne::Ui {

ConsoleSession::ConsoleSession(Engine::RemediationService *service, QObject *parent) : QObject(parent), m_service(service) {}

QString ConsoleSession::describe() const
{
    return signedIn() ? tr("%1 (%2)").arg(m_user, QString::fromLatin1(Engine::roleName(m_role))) : tr("not signed in");
}

QString ConsoleSession::signIn(const QString &user, const QString &password)
{
    if (!m_service)
        return tr("remediation is not configured (start with --remediation FILE)");
    auto token = m_service->login(user.toStdString(), password.toStdString(), m_service->now());
    if (!token)
        return QString::fromStdString(token.error().message);
    return adopt(*token);
}

QString ConsoleSession::adopt(const std::string &token)
{
    auto session = m_service->store().authenticate(token, m_service->now());
    if (!session)
        return QString::fromStdString(session.error().message);
    m_token = token;
    m_user = QString::fromStdString(session->user);
    m_role = session->role;
    Q_EMIT changed();
    return {};
}

void ConsoleSession::signOut()
{
    if (m_service && signedIn())
        m_service->store().logout(m_token, m_service->now());
    m_token.clear();
    m_user.clear();
    m_role = Engine::Role::Viewer;
    Q_EMIT changed();
}

bool ConsoleSession::promptSignIn(QWidget *parent)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(tr("Sign in to approve and act"));
    auto *form = new QFormLayout(&dialog);
    auto *name = new QLineEdit(&dialog);
    auto *password = new QLineEdit(&dialog);
    password->setEchoMode(QLineEdit::Password);
    auto *error = new QLabel(&dialog);
    error->setStyleSheet(QStringLiteral("color: #d55e00"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(tr("User"), name);
    form->addRow(tr("Password"), password);
    form->addRow(error);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    // PBKDF2 takes about half a second by design: derive on a worker so the window keeps painting.
    QFutureWatcher<std::pair<std::string, QString>> watcher;
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        if (!m_service || watcher.isRunning())
            return;
        buttons->setEnabled(false);
        error->setText(tr("signing in…"));
        Engine::RemediationService *service = m_service;
        const std::string user = name->text().toStdString(), secret = password->text().toStdString();
        password->clear();
        watcher.setFuture(QtConcurrent::run([service, user, secret]() -> std::pair<std::string, QString> {
            auto token = service->login(user, secret, service->now());
            if (!token)
                return {std::string(), QString::fromStdString(token.error().message)};
            return {*token, QString()};
        }));
    });
    connect(&watcher, &QFutureWatcher<std::pair<std::string, QString>>::finished, &dialog, [&] {
        buttons->setEnabled(true);
        const auto [token, why] = watcher.result();
        if (!why.isEmpty()) {
            error->setText(why);
            return;
        }
        const QString applied = adopt(token);
        if (applied.isEmpty())
            dialog.accept();
        else
            error->setText(applied);
    });
    return dialog.exec() == QDialog::Accepted;
}

} // namespace Nocturne::Ui
