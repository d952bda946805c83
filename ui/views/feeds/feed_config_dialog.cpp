#include "feed_config_dialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

#include <optional>

#include "theme/theme.h"

namespace Nocturne::Ui {

namespace {
struct TextPosition {
    int line = 0;
    int column = 0;
};

// The first ":LINE:COLUMN: " in a validation message ("source:12:3: message"); a plain scan, no regex engine.
std::optional<TextPosition> errorPosition(QStringView error)
{
    const auto digitsFrom = [&](qsizetype i) {
        while (i < error.size() && error[i] >= u'0' && error[i] <= u'9')
            ++i;
        return i;
    };
    for (qsizetype colon = error.indexOf(u':'); colon >= 0; colon = error.indexOf(u':', colon + 1)) {
        const qsizetype lineEnd = digitsFrom(colon + 1);
        if (lineEnd == colon + 1 || lineEnd >= error.size() || error[lineEnd] != u':')
            continue;
        const qsizetype columnEnd = digitsFrom(lineEnd + 1);
        if (columnEnd == lineEnd + 1 || !error.mid(columnEnd).startsWith(u": "))
            continue;
        return TextPosition{error.mid(colon + 1, lineEnd - colon - 1).toInt(),
                            error.mid(lineEnd + 1, columnEnd - lineEnd - 1).toInt()};
    }
    return std::nullopt;
}
} // namespace

FeedConfigDialog::FeedConfigDialog(const QString &text, QWidget *parent)
    : QDialog(parent)
    , m_editor(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this))
    , m_debounce(new QTimer(this))
{
    setWindowTitle(tr("Feeds configuration"));
    auto *layout = new QVBoxLayout(this);
    auto *hint = new QLabel(tr("YAML with an <b>engine:</b> and a <b>feeds:</b> section (docs/feeds.md). "
                               "Secrets can come from the environment as <code>${env:NAME}</code>."),
                            this);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setPlainText(text);
    layout->addWidget(m_editor, 1);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    QPushButton *check = m_buttons->addButton(tr("Validate"), QDialogButtonBox::ActionRole);
    layout->addWidget(m_buttons);
    resize(760, 560);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, [this] { validate(); });
    connect(m_editor, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(check, &QPushButton::clicked, this, [this] {
        // Jump to the reported position: "source:LINE:COLUMN: message".
        const QString error = validate();
        const std::optional<TextPosition> position = errorPosition(error);
        if (!position)
            return;
        const QTextBlock block = m_editor->document()->findBlockByNumber(position->line - 1);
        if (!block.isValid())
            return;
        QTextCursor cursor(block);
        cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::max(0, position->column - 1));
        m_editor->setTextCursor(cursor);
        m_editor->setFocus();
    });
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, [this] {
        if (validate().isEmpty())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

QString FeedConfigDialog::text() const
{
    return m_editor->toPlainText();
}

QString FeedConfigDialog::validate()
{
    auto parsed = Engine::parseConfig(m_editor->toPlainText().toStdString(), "configuration");
    const Theme &theme = Theme::current();
    QString error;
    if (parsed) {
        m_config = std::move(*parsed);
        m_status->setText(tr("Valid: %n feed(s). Apply restarts the feeds with this configuration.", nullptr, int(m_config.feeds.size())));
        m_status->setStyleSheet(QStringLiteral("color: %1").arg(theme.stateColor(Engine::HealthState::Ok).name()));
    } else {
        error = QString::fromStdString(parsed.error().message);
        m_status->setText(error);
        m_status->setStyleSheet(QStringLiteral("color: %1").arg(theme.stateColor(Engine::HealthState::Critical).name()));
    }
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(error.isEmpty());
    return error;
}

} // namespace Nocturne::Ui
