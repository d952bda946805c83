#pragma once

#include <QDialog>

#include "config/feeds_config.h"

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QTimer;

namespace Nocturne::Ui {

// YAML editor for the engine:/feeds: configuration. Validates as you type (parseConfig: errors carry line and column,
// the cursor jumps there on Validate) and only enables Apply for a valid configuration.
class FeedConfigDialog : public QDialog
{
    Q_OBJECT
public:
    FeedConfigDialog(const QString &text, QWidget *parent = nullptr);

    QString text() const;
    // The parsed configuration once the dialog was accepted.
    const Engine::NocturneConfig &config() const { return m_config; }
    // Validates the current text; returns the error message or an empty string.
    QString validate();

private:
    QPlainTextEdit *m_editor;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QTimer *m_debounce;
    Engine::NocturneConfig m_config;
};

} // namespace Nocturne::Ui
