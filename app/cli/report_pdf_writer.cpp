#include "app/cli/report_pdf_writer.h"

#include "core/base/error.h"
#include "ui/drift_point.h"
#include "ui/drift_set.h"
#include "ui/report_pdf.h"

#include <QApplication>

namespace awb::cli {

std::vector<std::string> writeStoreReportPdf(const std::string& storePath, const std::string& pdfPath, const std::string& pngDir)
{
    const ui::StoredDrift drift = ui::readStoredDrift(storePath); // before Qt starts: a bad store fails fast
    if (drift.points.empty())
        throw ArgumentError(storePath + ": the store holds no points yet; nothing to report");
    // The report paints plot widgets it never shows; a CLI never opens a window, display or not.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    int argc = 1;
    char name[] = "awb";
    char* argv[] = {name, nullptr};
    QApplication app(argc, argv);
    ui::DriftSet set;
    set.reset(drift.fp, drift.points);
    ui::ReportOptions o;
    o.pdfPath = QString::fromStdString(pdfPath);
    o.pngDir = QString::fromStdString(pngDir);
    o.modelLabel = QString::fromStdString(drift.fp->modelPath);
    const ui::ReportResult r = ui::writeDriftReport(&set, o);
    if (!r.ok)
        throw IoError(r.error.toStdString());
    std::vector<std::string> files;
    for (const QString& f : r.files)
        files.push_back(f.toStdString());
    return files;
}

} // namespace awb::cli
