#pragma once
// The Model view: what the open model is (format, dtype, size, architecture) and its tensors with
// shapes and dtypes, from a ModelInfo the inspect job made on the worker.
#include "ui/model_info.h"

#include <QWidget>

class QLabel;
class QStandardItemModel;

namespace awb::ui {

class CopyableTableView;

class ModelView : public QWidget {
    Q_OBJECT
public:
    explicit ModelView(QWidget* parent = nullptr);
    void setModelInfo(const ModelInfo& info);
    const ModelInfo& modelInfo() const { return m_info; }
    // Behind the views: architecture rows (key, value) and tensor rows (name, shape, dtype, elements).
    QStandardItemModel* architectureModel() const { return m_architecture; }
    QStandardItemModel* tensorModel() const { return m_tensors; }

private:
    ModelInfo m_info;
    QLabel* m_header;
    QStandardItemModel* m_architecture;
    QStandardItemModel* m_tensors;
    CopyableTableView* m_architectureView;
    CopyableTableView* m_tensorView;
};

// "1.23 MiB", "260.1 K" — shared by the views and the report.
QString humanBytes(long long bytes);
QString humanCount(long long count);

} // namespace awb::ui
