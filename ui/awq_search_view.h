#pragma once
// The AWQ search view: why AWQ chose what it chose for one point of a sweep store. For a block and
// a scale group (the linears sharing an input): the loss against α with the chosen α marked and
// RTN (scales = 1) as the reference; the per-channel activation magnitude with the salient channels
// highlighted and the resulting scales; the clip ratio of every layer × linear as a heatmap, and per
// weight group for the chosen block and linear. The main window reads the point on a worker
// (readAwqSearch) and hands the snapshot here. GUI thread only.
#include "ui/awq_search_data.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QSpinBox;
class QCustomPlot;
class QCPColorScale;

namespace awb::ui {

class AwqSearchView : public QWidget {
    Q_OBJECT
public:
    explicit AwqSearchView(QWidget* parent = nullptr);

    // The AWQ points of a sweep store (keys in plan order); keeps the current key when still there,
    // else asks for the first one (pointRequested).
    void setPoints(const QString& storePath, const QStringList& keys);
    // Picks a point by key (emits pointRequested when it differs from the shown one).
    void selectPoint(const QString& key);
    void showSearch(std::shared_ptr<const AwqSearchData> data);
    void showError(const QString& message);
    void setBlock(int block);
    void setScaleGroup(int index);
    void setClipLinear(int index);

    std::shared_ptr<const AwqSearchData> search() const { return m_data; }
    QString storePath() const { return m_storePath; }
    QStringList pointKeys() const;
    int block() const;
    int scaleGroup() const;
    int clipLinear() const;
    // The plots, in the order they are laid out (loss vs α, activations, clip heatmap, clip per group).
    std::vector<QCustomPlot*> plots() const { return {m_lossPlot, m_actPlot, m_clipMap, m_clipGroups}; }
    // The salient channels marked in the activation plot (largest mean |x| first).
    std::vector<int> salientChannels() const { return m_salient; }

Q_SIGNALS:
    // The view wants a point's search (only while it is visible; once per key until it fails).
    void pointRequested(const QString& storePath, const QString& key);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void requestCurrent(); // pointRequested for the combo's key, once per key
    void rebuildSelectors();
    void rebuildLoss();
    void rebuildActivations();
    void rebuildClipMap();
    void rebuildClipGroups();
    const AwqScaleSearchData* currentScale() const;
    const AwqClipData* currentClip() const;

    QString m_storePath;
    QString m_requestedKey;
    QComboBox* m_point;
    QSpinBox* m_block;
    QComboBox* m_scaleGroup;
    QComboBox* m_clipLinear;
    QLabel* m_info;
    QCustomPlot* m_lossPlot;
    QCustomPlot* m_actPlot;
    QCustomPlot* m_clipMap;
    QCPColorScale* m_clipScale;
    QCustomPlot* m_clipGroups;
    std::shared_ptr<const AwqSearchData> m_data;
    std::vector<int> m_salient;
    bool m_updating = false;
};

} // namespace awb::ui
