#pragma once
// The reviewer's drift report: a multi-page PDF (QPdfWriter) with a summary page (model, the
// selected setting and its gates at a glance, every point in one table), one page per plot (the
// same drawings as on screen), the tables (gates and diagnosis per point) and provenance; plus a PNG
// of each plot. Needs a QApplication (fonts, painting) but no window: it makes its own plot widgets
// over the DriftSet and never shows them, so a headless `awb report --pdf` can call it under
// QT_QPA_PLATFORM=offscreen. GUI thread (any thread that owns the QApplication).
#include <QString>
#include <QStringList>

namespace awb::ui {

class DriftSet;

struct ReportOptions {
    QString pdfPath;     // written atomically (PATH.tmp, then renamed)
    QString pngDir;      // empty = no PNGs; else one PNG per plot, each written atomically
    QString modelLabel;  // what the summary page calls the FP model
};

struct ReportResult {
    bool ok = false;
    QString error;       // names the file that could not be written
    QStringList files;   // written files, PDF first
    int pages = 0;
};

ReportResult writeDriftReport(DriftSet* set, const ReportOptions& options);

} // namespace awb::ui
