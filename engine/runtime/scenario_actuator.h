#pragma once

#include <QObject>

#include <functional>
#include <memory>
#include <string>

namespace Nocturne::Engine {

class HttpServer;

// The simulated estate's orchestrator for the embedded demo and the scenario tests: a loopback HTTP endpoint
// (POST /scenario/actions) that the webhook plugin calls. It accepts only bodies signed with the shared secret
// (X-Nocturne-Signature: sha256=<hex HMAC-SHA256>), and turns {"target": entity} into "the fault rooted there ends
// now" and {"action": "rollback", "target": entity} into its undo.
class ScenarioActuator : public QObject
{
    Q_OBJECT
public:
    using Act = std::function<bool(const std::string &entity, bool undo)>;
    ScenarioActuator(Act act, QByteArray secret, QObject *parent = nullptr);
    ~ScenarioActuator() override;
    bool listen(quint16 port); // 0: any free port
    quint16 port() const;
    int accepted() const { return m_accepted; }
    int refused() const { return m_refused; }

private:
    Act m_act;
    QByteArray m_secret;
    std::unique_ptr<HttpServer> m_server;
    int m_accepted = 0, m_refused = 0;
};

} // namespace Nocturne::Engine
