#include "ui/report_pdf.h"

#include "ui/drift_set.h"
#include "ui/drift_table_models.h"
#include "ui/entropy_plot.h"
#include "ui/lambda_plot.h"
#include "ui/layer_heatmap_plot.h"
#include "ui/pareto_plot.h"
#include "ui/triangulation_plot.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>

#include <cmath>
#include <cstdio>
#include <memory>

namespace awb::ui {

namespace {
// Layout in PDF units at 96 dpi on A4 (794 × 1123).
constexpr int kDpi = 96;
constexpr int kMargin = 48;

struct Cell {
    Cell(QString t = {}, bool right = false, QColor bg = {}) : text(std::move(t)), rightAligned(right), background(bg) {}
    QString text;
    bool rightAligned;
    QColor background;
};

// Writes text and tables top to bottom, starting a new page when the next row would not fit.
class PageWriter {
public:
    PageWriter(QPdfWriter& writer, QCPPainter& painter) : m_writer(writer), m_painter(painter)
    {
        m_width = writer.width() - 2 * kMargin;
        m_bottom = writer.height() - kMargin;
        m_y = kMargin;
    }
    int width() const { return m_width; }
    int pages() const { return m_pages; }

    void newPage()
    {
        m_writer.newPage();
        ++m_pages;
        m_y = kMargin;
    }
    void ensure(int height)
    {
        if (m_y + height > m_bottom)
            newPage();
    }
    void heading(const QString& text, double pointSize = 15)
    {
        QFont f = m_painter.font();
        f.setPointSizeF(pointSize);
        f.setBold(true);
        paragraph(text, f);
        m_y += 4;
    }
    void text(const QString& text, double pointSize = 9.5)
    {
        QFont f = m_painter.font();
        f.setPointSizeF(pointSize);
        f.setBold(false);
        paragraph(text, f);
    }
    void paragraph(const QString& text, const QFont& font)
    {
        m_painter.setFont(font);
        const QRect bounds = m_painter.boundingRect(QRect(kMargin, 0, m_width, 10000), Qt::TextWordWrap, text);
        ensure(bounds.height());
        m_painter.setPen(Qt::black);
        m_painter.drawText(QRect(kMargin, m_y, m_width, bounds.height()), Qt::TextWordWrap, text);
        m_y += bounds.height() + 4;
    }
    // columns: relative widths; header row first.
    void table(const QStringList& header, const std::vector<double>& widths, const std::vector<std::vector<Cell>>& rows)
    {
        QFont f = m_painter.font();
        f.setPointSizeF(8.5);
        f.setBold(false);
        double total = 0;
        for (double w : widths)
            total += w;
        std::vector<int> px;
        for (double w : widths)
            px.push_back(int(m_width * w / total));
        auto drawRow = [&](const std::vector<Cell>& cells, bool bold) {
            QFont rf = f;
            rf.setBold(bold);
            m_painter.setFont(rf);
            int height = 0;
            for (size_t c = 0; c < cells.size() && c < px.size(); ++c)
                height = std::max(height, m_painter.boundingRect(QRect(0, 0, px[c] - 8, 10000), Qt::TextWordWrap, cells[c].text).height());
            height += 6;
            ensure(height);
            int x = kMargin;
            for (size_t c = 0; c < cells.size() && c < px.size(); ++c) {
                const QRect r(x, m_y, px[c], height);
                if (cells[c].background.isValid())
                    m_painter.fillRect(r, cells[c].background);
                m_painter.setPen(QColor(0xcc, 0xcc, 0xcc));
                m_painter.drawRect(r);
                m_painter.setPen(Qt::black);
                m_painter.drawText(r.adjusted(4, 3, -4, -3), Qt::TextWordWrap | (cells[c].rightAligned ? Qt::AlignRight : Qt::AlignLeft), cells[c].text);
                x += px[c];
            }
            m_y += height;
        };
        std::vector<Cell> head;
        for (const QString& h : header)
            head.push_back({h, false, QColor(0xee, 0xee, 0xee)});
        drawRow(head, true);
        for (const auto& row : rows)
            drawRow(row, false);
        m_y += 10;
    }
    void plot(DriftPlot* plot, int height)
    {
        ensure(height);
        m_painter.save();
        m_painter.translate(kMargin, m_y);
        plot->plot()->toPainter(&m_painter, m_width, height);
        m_painter.restore();
        m_y += height + 8;
    }

private:
    QPdfWriter& m_writer;
    QCPPainter& m_painter;
    int m_width = 0, m_bottom = 0, m_y = 0, m_pages = 1;
};

QString num(double v, int decimals)
{
    if (std::isnan(v))
        return QStringLiteral("—");
    if (std::isinf(v))
        return QStringLiteral("∞");
    return QString::number(v, 'f', decimals);
}

Cell verdict(bool pass) { return {pass ? QStringLiteral("✓ pass") : QStringLiteral("✗ fail"), false, pass ? passColor() : failColor()}; }

bool commit(const QString& tmp, const QString& path)
{
    return std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) == 0;
}

QString slug(const QString& title)
{
    QString s = title.toLower();
    s.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    return s.remove(QRegularExpression(QStringLiteral("^-+|-+$")));
}
} // namespace

ReportResult writeDriftReport(DriftSet* set, const ReportOptions& options)
{
    ReportResult result;
    // The report's own plot widgets: same drawing code as the screen, never shown.
    std::vector<std::unique_ptr<DriftPlot>> plots;
    plots.emplace_back(new EntropyPlot(set));
    plots.emplace_back(new TriangulationPlot(set));
    plots.emplace_back(new LayerHeatmapPlot(set));
    plots.emplace_back(new LambdaPlot(set));
    plots.emplace_back(new ParetoPlot(set));

    const QString tmp = options.pdfPath + QStringLiteral(".tmp");
    {
        QPdfWriter writer(tmp);
        writer.setResolution(kDpi);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setTitle(QStringLiteral("AWQ Workbench drift report"));
        writer.setCreator(QStringLiteral("AWQ Workbench"));
        QCPPainter painter; // QCustomPlot draws into its own painter subclass; text and tables use it as a QPainter
        if (!painter.begin(&writer)) {
            result.error = QStringLiteral("%1: cannot write the PDF").arg(tmp);
            return result;
        }
        PageWriter page(writer, painter);
        const FpData* fp = set->fp();
        const DriftPointData* selected = set->selected();

        // 1. Summary.
        page.heading(QStringLiteral("AWQ Workbench — drift report"), 18);
        page.text(QStringLiteral("Model: %1").arg(options.modelLabel));
        if (fp) {
            QStringList about; // what is known of F: a stored sweep records its hash but not its dtype
            if (!fp->dtype.empty())
                about << QString::fromStdString(fp->dtype);
            if (!fp->modelHash.empty())
                about << QStringLiteral("hash %1").arg(QString::fromStdString(fp->modelHash));
            page.text(QStringLiteral("FP reference: %1%2; %3 probe cases.")
                          .arg(QString::fromStdString(fp->modelPath), about.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(about.join(QStringLiteral(", "))))
                          .arg(fp->caseNames.size()));
        }
        page.text(QStringLiteral("Written %1 UTC.").arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate)));
        if (selected) {
            page.heading(QStringLiteral("Selected setting: %1 — %2 of %3 gates pass")
                             .arg(QString::fromStdString(selected->label))
                             .arg(selected->gatesPassed())
                             .arg(selected->gates.size()),
                         12);
            std::vector<std::vector<Cell>> rows;
            for (const GateData& g : selected->gates)
                rows.push_back({{QString::fromStdString(g.name)}, verdict(g.pass), {num(g.value, 4), true},
                                {QString::fromStdString(g.comparison) + QStringLiteral(" ") + num(g.threshold, 4), true},
                                {std::isnan(g.fpValue) ? QStringLiteral("—") : num(g.fpValue, 4), true}});
            page.table({QStringLiteral("gate"), QStringLiteral("verdict"), QStringLiteral("Q value"), QStringLiteral("threshold"), QStringLiteral("F value")},
                       {3, 1.3, 1.3, 1.6, 1.3}, rows);
        }
        page.heading(QStringLiteral("All points"), 12);
        std::vector<std::vector<Cell>> pointRows;
        for (const auto& p : set->points())
            pointRows.push_back({{QString::fromStdString(p->label)}, {num(p->bitsPerWeight, 3), true}, {num(p->pplQ, 3), true},
                                 {num(p->deltaPplPercent, 2), true}, {num(p->klMean, 4), true}, {num(p->top1, 3), true},
                                 {QStringLiteral("%1 %2/%3").arg(p->allGatesPass() ? QStringLiteral("✓") : QStringLiteral("✗")).arg(p->gatesPassed()).arg(p->gates.size()), false,
                                  p->allGatesPass() ? passColor() : failColor()}});
        page.table({QStringLiteral("point"), QStringLiteral("bits/weight"), QStringLiteral("ppl Q"), QStringLiteral("Δppl %"), QStringLiteral("KL (nats)"),
                    QStringLiteral("top-1"), QStringLiteral("gates")},
                   {2.4, 1, 1, 1, 1, 1, 1.1}, pointRows);

        // 2. One page per plot.
        for (const auto& plot : plots) {
            page.newPage();
            page.heading(plot->title(), 14);
            if (plot->title() == QLatin1String("Per-layer error") && selected)
                page.text(QStringLiteral("Point %1. F against itself is 0 in every cell.").arg(QString::fromStdString(selected->label)));
            page.plot(plot.get(), 560);
        }

        // 3. Tables: gates and diagnosis of every point.
        page.newPage();
        page.heading(QStringLiteral("Gates and diagnosis per point"), 14);
        for (const auto& p : set->points()) {
            page.heading(QString::fromStdString(p->label), 11);
            std::vector<std::vector<Cell>> rows;
            for (const GateData& g : p->gates)
                rows.push_back({{QString::fromStdString(g.name)}, verdict(g.pass), {num(g.value, 4), true},
                                {QString::fromStdString(g.comparison) + QStringLiteral(" ") + num(g.threshold, 4), true}});
            page.table({QStringLiteral("gate"), QStringLiteral("verdict"), QStringLiteral("Q value"), QStringLiteral("threshold")}, {3, 1.2, 1.2, 1.6}, rows);
            if (!p->diagnosis.empty()) {
                std::vector<std::vector<Cell>> diag;
                for (const DiagnosisData& d : p->diagnosis)
                    diag.push_back({{QString::fromStdString(d.symptom)}, {QString::fromStdString(d.cause)}, {QString::fromStdString(d.nextStep)}});
                page.table({QStringLiteral("symptom"), QStringLiteral("likely cause"), QStringLiteral("next step")}, {1, 1.3, 1.3}, diag);
            }
        }

        // 4. Provenance.
        page.newPage();
        page.heading(QStringLiteral("Provenance"), 14);
        for (const auto& p : set->points()) {
            page.heading(QString::fromStdString(p->label), 11);
            std::vector<std::vector<Cell>> rows;
            for (const auto& [key, value] : p->provenance)
                rows.push_back({{QString::fromStdString(key)}, {QString::fromStdString(value)}});
            page.table({QStringLiteral("field"), QStringLiteral("value")}, {1, 3}, rows);
        }
        result.pages = page.pages();
        if (!painter.end()) {
            result.error = QStringLiteral("%1: writing the PDF failed").arg(tmp);
            QFile::remove(tmp);
            return result;
        }
    }
    if (!commit(tmp, options.pdfPath)) {
        result.error = QStringLiteral("%1: cannot rename the finished PDF into place").arg(options.pdfPath);
        QFile::remove(tmp);
        return result;
    }
    result.files << options.pdfPath;

    if (!options.pngDir.isEmpty()) {
        QDir().mkpath(options.pngDir);
        for (const auto& plot : plots) {
            const QString path = QDir(options.pngDir).filePath(slug(plot->title()) + QStringLiteral(".png"));
            const QString pngTmp = path + QStringLiteral(".tmp.png");
            if (!plot->savePng(pngTmp, 1000, 640) || !commit(pngTmp, path)) {
                QFile::remove(pngTmp);
                result.error = QStringLiteral("%1: cannot write the PNG").arg(path);
                return result;
            }
            result.files << path;
        }
    }
    result.ok = true;
    return result;
}

} // namespace awb::ui
