#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "profile/call_tree.h"
#include "views/profiles/flame_layout.h"

namespace Nocturne::Ui {

// A flame graph (root at the bottom) or icicle graph (root at the top) of one call tree, painted with QPainter.
// Click a box to zoom on it (the ancestors stay as full-width rows, so a click on one zooms back out); Escape or a
// double click zooms out one level. Colours: by module/package, by self share (heat) or by diff (red grew, blue
// shrank, both also told in the tooltip as numbers). A search mask highlights matches and dims the rest. In a diff,
// `showBaseline` draws the normalised baseline widths of the same union tree, so split panes line up.
class FlameGraphWidget : public QWidget
{
    Q_OBJECT
public:
    enum class Orientation { Flame, Icicle };
    enum class ColorMode { Module, Self, Diff };

    explicit FlameGraphWidget(QWidget *parent = nullptr);

    void setTree(std::shared_ptr<const Engine::CallTree> tree);
    void setDiff(std::shared_ptr<const Engine::CallTreeDiff> diff, bool showBaseline = false);
    const Engine::CallTree *tree() const { return m_tree.get(); }
    std::shared_ptr<const Engine::CallTree> treePtr() const { return m_tree; }
    const Engine::CallTreeDiff *diff() const { return m_diff.get(); }
    void setOrientation(Orientation orientation);
    void setColorMode(ColorMode mode);
    ColorMode colorMode() const { return m_colorMode; }
    void setSearchMask(std::vector<char> mask);
    void setTitle(const QString &title);

    Engine::CallNodeId zoom() const { return m_zoom; }
    void setZoom(Engine::CallNodeId node);
    // The box under a point (invalid when none).
    Engine::CallNodeId nodeAt(const QPoint &pos) const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    const FlameLayout &layout() const;
    static constexpr int kRowHeight = 18;

Q_SIGNALS:
    void zoomChanged(Engine::CallNodeId node);
    void sandwichRequested(Engine::FrameId frame);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QRectF boxRect(const FlameRect &r) const;
    QColor boxColor(Engine::CallNodeId node) const;
    QString tooltipFor(Engine::CallNodeId node) const;
    void invalidateLayout();
    int headerHeight() const { return m_title.isEmpty() ? 0 : kRowHeight + 4; }

    std::shared_ptr<const Engine::CallTree> m_tree;
    std::shared_ptr<const Engine::CallTreeDiff> m_diff;
    bool m_showBaseline = false;
    Orientation m_orientation = Orientation::Flame;
    ColorMode m_colorMode = ColorMode::Module;
    std::vector<char> m_search;
    QString m_title;
    Engine::CallNodeId m_zoom = Engine::CallTree::root();
    mutable FlameLayout m_layout;
    mutable bool m_layoutValid = false;
    mutable int m_layoutWidth = -1;
};

} // namespace Nocturne::Ui
