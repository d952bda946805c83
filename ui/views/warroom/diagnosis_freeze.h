#pragma once

#include "core/clock.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QString>
#include <cstdint>

namespace Nocturne::Engine {
class Engine;
}

namespace Nocturne::Ui {

// Whether an incident's ranked causes are frozen (the incident closed), since when and by whom: "system" when it
// closed, else the operator who last re-ranked them. Shared by the war room and the incidents view's "Likely causes".
struct DiagnosisFreeze {
    Engine::Timestamp at = 0; // 0: not frozen (the incident is open, or not ranked yet)
    QString by;

    bool frozen() const { return at != 0; }

    // "Diagnosis frozen at 10:31 by ann" (UTC, like every incident time in the console); empty when not frozen.
    QString text() const {
        if (!frozen())
            return {};
        const QString who =
            by == QLatin1String("system") ? QCoreApplication::translate("Nocturne::Ui::DiagnosisFreeze", "system") : by;
        return QCoreApplication::translate("Nocturne::Ui::DiagnosisFreeze", "Diagnosis frozen at %1 by %2")
            .arg(QDateTime::fromMSecsSinceEpoch(at / 1'000'000, Qt::UTC).toString(QStringLiteral("HH:mm")), who);
    }

    // The full time, for a tooltip.
    QString when() const {
        return QDateTime::fromMSecsSinceEpoch(at / 1'000'000, Qt::UTC)
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
    }
};

// Reads the freeze with the ranking, on the same worker, so the two describe the same diagnosis (thread-safe). Not
// frozen while the incident is open.
DiagnosisFreeze diagnosisFreezeOf(const Engine::Engine &engine, std::int64_t incidentId);

} // namespace Nocturne::Ui
