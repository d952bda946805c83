#pragma once

#include <QObject>
#include <QString>

#include "remediate/proposal_book.h"

namespace Nocturne::Engine {
class RemediationService;
}

namespace Nocturne::Ui {

// Who is at the console: a signed-in session of the remediation service (token held in memory only, never saved).
// Every approval, rejection, trigger and kill-switch change goes through it, so each is attributable to a person.
class ConsoleSession : public QObject
{
    Q_OBJECT
public:
    explicit ConsoleSession(Engine::RemediationService *service, QObject *parent = nullptr);

    Engine::RemediationService *service() const { return m_service; }
    bool signedIn() const { return !m_token.empty(); }
    const std::string &token() const { return m_token; }
    QString user() const { return m_user; }
    Engine::Role role() const { return m_role; }
    QString describe() const;

    // Returns an error message, empty on success.
    QString signIn(const QString &user, const QString &password);
    void signOut();
    // Shows the sign-in dialog (modal, from a button press); true when signed in afterwards.
    bool promptSignIn(QWidget *parent);

Q_SIGNALS:
    void changed();

private:
    QString adopt(const std::string &token); // a token from login(): becomes this console's session
    Engine::RemediationService *m_service;
    std::string m_token;
    QString m_user;
    Engine::Role m_role = Engine::Role::Viewer;
};

} // namespace Nocturne::Ui
