#pragma once

#include <QColor>
#include <QFont>
#include <QPalette>
#include <QString>

#include "model/health_evaluator.h"

namespace Nocturne::Ui {

// Colours and type for the console. State colours come from the Okabe–Ito palette (distinguishable with the common
// colour-vision deficiencies) and every state also has a glyph and a word, so colour is never the only signal.
class Theme
{
public:
    enum class Kind { Dark, Light };

    static const Theme &current();
    static void apply(Kind kind); // sets the application palette and style sheet; views repaint on PaletteChange
    static Kind kindFromString(const QString &text, Kind fallback);

    Kind kind() const { return m_kind; }
    QColor window() const { return m_window; }
    QColor panel() const { return m_panel; }
    QColor panelRaised() const { return m_panelRaised; }
    QColor text() const { return m_text; }
    QColor mutedText() const { return m_muted; }
    QColor grid() const { return m_grid; }
    QColor accent() const { return m_accent; }
    QColor stateColor(Engine::HealthState state) const;
    QColor seriesColor(int index) const;

    static QString stateGlyph(Engine::HealthState state); // ● ▲ ■ ?
    static QString stateWord(Engine::HealthState state);  // OK WARN CRIT N/A

private:
    friend class ThemeBuilder;
    Kind m_kind = Kind::Dark;
    QColor m_window, m_panel, m_panelRaised, m_text, m_muted, m_grid, m_accent;
};

} // namespace Nocturne::Ui
