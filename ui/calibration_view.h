#pragma once
// The Calibration view: pick one or more calibration sources (bundled sets, self-generated text,
// files), set the block settings, and preview what they make — samples and token counts per
// source, a histogram of sample lengths against the block length, and the calibration-sanity
// figures against a target text. The view only gathers and shows: the main window runs the preview
// job (JobRunner) and hands the result back. Its choices are what the Sweep view's grid and every
// new point calibrate on. GUI thread only.
#include "ui/calibration_data.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QCustomPlot;

namespace awb::ui {

class CalibrationSanityModel;
class CalibrationSourcesModel;
class CopyableTableView;

class CalibrationView : public QWidget {
    Q_OBJECT
public:
    explicit CalibrationView(QWidget* parent = nullptr);

    CalibrationChoices choices() const;
    // Replaces every choice (a workspace loaded); emits choicesChanged once.
    void setChoices(const CalibrationChoices& choices);
    // Checks or unchecks a source, adding it when it is a new file (the Project tree's checkboxes).
    void setSourceChecked(const QString& source, bool checked);
    void addFile(const QString& path);

    // Fed by the main window (GUI thread).
    void previewStarted();
    void showPreview(std::shared_ptr<const CalibrationPreviewData> preview);
    void previewFailed(const QString& message);

    std::shared_ptr<const CalibrationPreviewData> preview() const { return m_preview; }
    CalibrationSourcesModel* sourcesModel() const { return m_sourcesModel; }
    CalibrationSanityModel* sanityModel() const { return m_sanityModel; }
    QCustomPlot* lengthPlot() const { return m_plot; }
    QPlainTextEdit* samplesText() const { return m_samples; }
    QString summaryText() const;

Q_SIGNALS:
    void choicesChanged();
    void previewRequested();

private:
    QListWidgetItem* addSourceItem(const std::string& source, bool checked);
    void onChanged();
    void rebuildPlot();
    void showSamples(int sourceRow);

    QListWidget* m_sources;
    QSpinBox* m_blocks;
    QSpinBox* m_seqLen;
    QComboBox* m_longSamples;
    QLineEdit* m_target;
    QPushButton* m_previewButton;
    QLabel* m_status;
    QLabel* m_summary;
    CalibrationSourcesModel* m_sourcesModel;
    CalibrationSanityModel* m_sanityModel;
    CopyableTableView* m_sourcesTable;
    CopyableTableView* m_sanityTable;
    QCustomPlot* m_plot;
    QPlainTextEdit* m_samples;
    std::shared_ptr<const CalibrationPreviewData> m_preview;
    bool m_updating = false; // setChoices in progress: one choicesChanged at the end
};

} // namespace awb::ui
