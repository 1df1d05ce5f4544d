#pragma once
// `awb report STORE.h5 --pdf F`: the reviewer's drift report of a stored sweep, written headless by
// the same code as the workbench's File > Export report (ui/report_pdf.h), on Qt's offscreen
// platform: no display needed, no window shown.
#include <string>
#include <vector>

namespace awb::cli {

// Writes the PDF (and one PNG per plot into pngDir when not empty) atomically; returns the files
// written, PDF first. Throws IoError/FormatError naming the store or the output.
std::vector<std::string> writeStoreReportPdf(const std::string& storePath, const std::string& pdfPath, const std::string& pngDir);

} // namespace awb::cli
