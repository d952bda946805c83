#pragma once
// Shared by the UI tests: NOCTURNE_SCREENSHOT_DIR saves a widget's frame for a person to look at.
#include <QDir>
#include <QWidget>

namespace Nocturne::Test {

inline void saveScreenshot(QWidget &widget, const char *name)
{
    const QString dir = qEnvironmentVariable("NOCTURNE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget.grab().save(QDir(dir).filePath(QString::fromLatin1(name)));
}

} // namespace Nocturne::Test
