#include "theme.h"

#include <QApplication>
#include <QStyleFactory>

namespace Nocturne::Ui {

namespace {
Theme makeTheme(Theme::Kind kind);
Theme g_current = makeTheme(Theme::Kind::Dark);
} // namespace

class ThemeBuilder
{
public:
    static Theme build(Theme::Kind kind)
    {
        Theme t;
        t.m_kind = kind;
        if (kind == Theme::Kind::Dark) {
            t.m_window = QColor(0x0f, 0x13, 0x1a);
            t.m_panel = QColor(0x17, 0x1d, 0x27);
            t.m_panelRaised = QColor(0x20, 0x28, 0x35);
            t.m_text = QColor(0xe8, 0xec, 0xf2);
            t.m_muted = QColor(0x94, 0xa0, 0xb2);
            t.m_grid = QColor(0x2c, 0x35, 0x44);
            t.m_accent = QColor(0x56, 0xb4, 0xe9);
        } else {
            t.m_window = QColor(0xf4, 0xf6, 0xf9);
            t.m_panel = QColor(0xff, 0xff, 0xff);
            t.m_panelRaised = QColor(0xe9, 0xed, 0xf2);
            t.m_text = QColor(0x14, 0x1a, 0x22);
            t.m_muted = QColor(0x55, 0x60, 0x70);
            t.m_grid = QColor(0xd5, 0xdb, 0xe3);
            t.m_accent = QColor(0x00, 0x72, 0xb2);
        }
        return t;
    }
};

namespace {
Theme makeTheme(Theme::Kind kind)
{
    return ThemeBuilder::build(kind);
}
} // namespace

const Theme &Theme::current()
{
    return g_current;
}

Theme::Kind Theme::kindFromString(const QString &text, Kind fallback)
{
    if (text.compare(QStringLiteral("light"), Qt::CaseInsensitive) == 0)
        return Kind::Light;
    if (text.compare(QStringLiteral("dark"), Qt::CaseInsensitive) == 0)
        return Kind::Dark;
    return fallback;
}

void Theme::apply(Kind kind)
{
    g_current = makeTheme(kind);
    const Theme &t = g_current;
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    p.setColor(QPalette::Window, t.window());
    p.setColor(QPalette::WindowText, t.text());
    p.setColor(QPalette::Base, t.panel());
    p.setColor(QPalette::AlternateBase, t.panelRaised());
    p.setColor(QPalette::Text, t.text());
    p.setColor(QPalette::PlaceholderText, t.mutedText());
    p.setColor(QPalette::Button, t.panelRaised());
    p.setColor(QPalette::ButtonText, t.text());
    p.setColor(QPalette::Highlight, t.accent());
    p.setColor(QPalette::HighlightedText, kind == Kind::Dark ? QColor(0x0f, 0x13, 0x1a) : QColor(Qt::white));
    p.setColor(QPalette::ToolTipBase, t.panelRaised());
    p.setColor(QPalette::ToolTipText, t.text());
    p.setColor(QPalette::Link, t.accent());
    p.setColor(QPalette::Disabled, QPalette::Text, t.mutedText());
    p.setColor(QPalette::Disabled, QPalette::WindowText, t.mutedText());
    QApplication::setPalette(p);
    qApp->setStyleSheet(QStringLiteral("QDockWidget::title { padding: 4px 8px; background: %1; }"
                                       "QStatusBar QLabel { padding: 0 8px; }"
                                       "QToolTip { border: 1px solid %2; }")
                            .arg(t.panelRaised().name(), t.grid().name()));
}

QColor Theme::stateColor(Engine::HealthState state) const
{
    switch (state) {
    case Engine::HealthState::Ok: return QColor(0x00, 0x9e, 0x73);       // bluish green
    case Engine::HealthState::Warning: return QColor(0xe6, 0x9f, 0x00);  // orange
    case Engine::HealthState::Critical: return QColor(0xd5, 0x5e, 0x00); // vermillion
    case Engine::HealthState::Unknown: break;
    }
    return m_muted;
}

QColor Theme::seriesColor(int index) const
{
    static const QColor colors[] = {QColor(0x56, 0xb4, 0xe9), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73),
                                    QColor(0xcc, 0x79, 0xa7), QColor(0xf0, 0xe4, 0x42), QColor(0xd5, 0x5e, 0x00)};
    return colors[static_cast<std::size_t>(index) % std::size(colors)];
}

QString Theme::stateGlyph(Engine::HealthState state)
{
    switch (state) {
    case Engine::HealthState::Ok: return QStringLiteral("●");
    case Engine::HealthState::Warning: return QStringLiteral("▲");
    case Engine::HealthState::Critical: return QStringLiteral("■");
    case Engine::HealthState::Unknown: break;
    }
    return QStringLiteral("?");
}

QString Theme::stateWord(Engine::HealthState state)
{
    switch (state) {
    case Engine::HealthState::Ok: return QStringLiteral("OK");
    case Engine::HealthState::Warning: return QStringLiteral("WARN");
    case Engine::HealthState::Critical: return QStringLiteral("CRIT");
    case Engine::HealthState::Unknown: break;
    }
    return QStringLiteral("N/A");
}

} // namespace Nocturne::Ui
