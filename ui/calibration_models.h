#pragma once
// Item models behind the Calibration view, over a CalibrationPreviewData: one row per calibration
// source (samples, tokens, long samples), and the sanity figures against their thresholds with a
// ✓/✗ verdict. Qt::UserRole holds raw numbers for the sort proxy. GUI thread only.
#include "ui/calibration_data.h"

#include <QAbstractTableModel>

#include <memory>

namespace awb::ui {

class CalibrationSourcesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Source, Samples, Tokens, MeanTokens, LongSamples, ColumnCount };
    explicit CalibrationSourcesModel(QObject* parent = nullptr);
    void setPreview(std::shared_ptr<const CalibrationPreviewData> preview);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const CalibrationPreviewData> m_preview;
};

class CalibrationSanityModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Metric, Value, Threshold, Verdict, ColumnCount };
    explicit CalibrationSanityModel(QObject* parent = nullptr);
    void setPreview(std::shared_ptr<const CalibrationPreviewData> preview);
    // Row r's figure passes its threshold (for tests and the summary line).
    bool passes(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const CalibrationPreviewData> m_preview;
};

// "tinystories" -> "TinyStories sample (bundled)", a path -> its file name.
QString calibrationSourceLabel(const std::string& source);

} // namespace awb::ui
