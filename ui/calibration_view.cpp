#include "ui/calibration_view.h"

#include "ui/calibration_models.h"
#include "ui/copyable_table_view.h"
#include "ui/plot_style.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace awb::ui {

namespace {
constexpr int kSourceRole = Qt::UserRole + 1;

// Source colours for the length histogram: Okabe–Ito, in list order (not the w_bit colours: these
// are sources, not quantized points).
QColor sourceColor(int i)
{
    static const QColor colours[] = {QColor(0x00, 0x72, 0xB2), QColor(0xE6, 0x9F, 0x00), QColor(0x00, 0x9E, 0x73),
                                     QColor(0xCC, 0x79, 0xA7), QColor(0x56, 0xB4, 0xE9), QColor(0xD5, 0x5E, 0x00)};
    return colours[i % 6];
}

bool isBundled(const std::string& s) { return s == "tinystories" || s == "wikitext2" || s == "self"; }
} // namespace

CalibrationView::CalibrationView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("Calibration"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("calibrationSplit"));
    layout->addWidget(split);

    // Left: what to calibrate on, and how it becomes blocks.
    auto* controls = new QWidget(split);
    auto* left = new QVBoxLayout(controls);
    left->setContentsMargins(0, 0, 4, 0);
    auto* sourcesBox = new QGroupBox(tr("Calibration sources (each checked one is a set of the sweep)"), controls);
    auto* sourcesLayout = new QVBoxLayout(sourcesBox);
    m_sources = new QListWidget(sourcesBox);
    m_sources->setObjectName(QStringLiteral("calibrationSources"));
    m_sources->setMaximumHeight(160); // a handful of sources; the space below is the blocks' and target's
    sourcesLayout->addWidget(m_sources);
    auto* sourceButtons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add file…"), sourcesBox);
    auto* remove = new QPushButton(tr("Remove"), sourcesBox);
    remove->setToolTip(tr("Remove the selected file (bundled sets stay)"));
    sourceButtons->addWidget(add);
    sourceButtons->addWidget(remove);
    sourceButtons->addStretch(1);
    sourcesLayout->addLayout(sourceButtons);
    left->addWidget(sourcesBox);

    auto* blocksBox = new QGroupBox(tr("Blocks"), controls);
    auto* form = new QFormLayout(blocksBox);
    m_blocks = new QSpinBox(blocksBox);
    m_blocks->setRange(1, 4096);
    m_blocks->setToolTip(tr("Number of calibration blocks (llm-awq's n_samples)"));
    m_seqLen = new QSpinBox(blocksBox);
    m_seqLen->setRange(2, 32768);
    m_seqLen->setSuffix(tr(" tokens"));
    m_longSamples = new QComboBox(blocksBox);
    m_longSamples->addItem(tr("split across blocks"), true);
    m_longSamples->addItem(tr("drop (llm-awq)"), false);
    m_longSamples->setToolTip(tr("Samples longer than one block: split them across blocks, or drop them as llm-awq does"));
    form->addRow(tr("n blocks"), m_blocks);
    form->addRow(tr("block length"), m_seqLen);
    form->addRow(tr("long samples"), m_longSamples);
    left->addWidget(blocksBox);

    auto* targetBox = new QGroupBox(tr("Sanity target text"), controls);
    auto* targetLayout = new QHBoxLayout(targetBox);
    m_target = new QLineEdit(targetBox);
    m_target->setPlaceholderText(tr("bundled TinyStories eval sample"));
    m_target->setToolTip(tr("The text the model will serve: the calibration is compared with it"));
    auto* browse = new QPushButton(tr("Browse…"), targetBox);
    targetLayout->addWidget(m_target, 1);
    targetLayout->addWidget(browse);
    left->addWidget(targetBox);

    m_previewButton = new QPushButton(tr("Preview calibration"), controls);
    m_previewButton->setObjectName(QStringLiteral("previewCalibration"));
    m_previewButton->setToolTip(tr("Read the checked sources, build the blocks and check them against the target (Ctrl+Shift+P)"));
    left->addWidget(m_previewButton);
    m_status = new QLabel(tr("Not previewed yet."), controls);
    m_status->setWordWrap(true);
    left->addWidget(m_status);
    left->addStretch(1);

    // Right: what the choices make.
    auto* results = new QSplitter(Qt::Vertical, split);
    results->setObjectName(QStringLiteral("calibrationResults"));
    auto* top = new QWidget(results);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    m_summary = new QLabel(top);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    topLayout->addWidget(m_summary);
    m_sanityModel = new CalibrationSanityModel(this);
    m_sanityTable = new CopyableTableView(m_sanityModel, top);
    m_sanityTable->setObjectName(QStringLiteral("calibrationSanity"));
    m_sanityTable->verticalHeader()->hide();
    m_sanityTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_sanityTable->horizontalHeader()->setStretchLastSection(true);
    m_sanityTable->setMaximumHeight(112); // header + three rows
    topLayout->addWidget(m_sanityTable);
    m_sourcesModel = new CalibrationSourcesModel(this);
    m_sourcesTable = new CopyableTableView(m_sourcesModel, top);
    m_sourcesTable->setObjectName(QStringLiteral("calibrationSourcesTable"));
    m_sourcesTable->verticalHeader()->hide();
    m_sourcesTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_sourcesTable->horizontalHeader()->setStretchLastSection(true);
    m_sourcesTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sourcesTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sourcesTable->setMaximumHeight(100);
    topLayout->addWidget(m_sourcesTable);

    m_plot = new QCustomPlot(results);
    m_plot->setObjectName(QStringLiteral("calibrationLengths"));
    m_plot->setMinimumHeight(180);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    applyPlotStyle(m_plot, tr("sample length (tokens, BOS included)"), tr("samples"));
    placeLegendBelow(m_plot, 3); // inside, it covered the block-length label
    m_samples = new QPlainTextEdit(results);
    m_samples->setObjectName(QStringLiteral("calibrationSamples"));
    m_samples->setReadOnly(true);
    m_samples->setPlaceholderText(tr("Select a source above to read its first samples."));
    results->addWidget(top);
    results->addWidget(m_plot);
    results->addWidget(m_samples);
    results->setStretchFactor(0, 0);
    results->setStretchFactor(1, 3);
    results->setStretchFactor(2, 2);
    split->addWidget(controls);
    split->addWidget(results);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({330, 900});

    setChoices(CalibrationChoices{});

    connect(m_sources, &QListWidget::itemChanged, this, [this] { onChanged(); });
    connect(m_blocks, &QSpinBox::valueChanged, this, [this] { onChanged(); });
    connect(m_seqLen, &QSpinBox::valueChanged, this, [this] { onChanged(); });
    connect(m_longSamples, &QComboBox::currentIndexChanged, this, [this] { onChanged(); });
    connect(m_target, &QLineEdit::editingFinished, this, [this] { onChanged(); });
    connect(m_previewButton, &QPushButton::clicked, this, &CalibrationView::previewRequested);
    connect(add, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Add a calibration text"), QString(), tr("Text or JSONL (*.txt *.jsonl);;All files (*)"));
        if (!path.isEmpty())
            addFile(path);
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        QListWidgetItem* item = m_sources->currentItem();
        if (item && !isBundled(item->data(kSourceRole).toString().toStdString())) {
            delete item;
            onChanged();
        }
    });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Target text for the sanity check"), QString(), tr("Text (*.txt *.raw);;All files (*)"));
        if (!path.isEmpty()) {
            m_target->setText(path);
            onChanged();
        }
    });
    connect(m_sourcesTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        showSamples(current.isValid() ? m_sourcesTable->proxy()->mapToSource(current).row() : -1);
    });
}

QListWidgetItem* CalibrationView::addSourceItem(const std::string& source, bool checked)
{
    auto* item = new QListWidgetItem(calibrationSourceLabel(source), m_sources);
    item->setData(kSourceRole, QString::fromStdString(source));
    item->setToolTip(QString::fromStdString(source));
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    return item;
}

CalibrationChoices CalibrationView::choices() const
{
    CalibrationChoices c;
    c.sources.clear();
    for (int i = 0; i < m_sources->count(); ++i)
        c.sources.push_back({m_sources->item(i)->data(kSourceRole).toString().toStdString(), m_sources->item(i)->checkState() == Qt::Checked});
    c.blocks = m_blocks->value();
    c.seqLen = m_seqLen->value();
    c.splitLongSamples = m_longSamples->currentData().toBool();
    c.targetText = m_target->text().trimmed().toStdString();
    return c;
}

void CalibrationView::setChoices(const CalibrationChoices& c)
{
    m_updating = true;
    m_sources->clear();
    // The bundled sets and "self" are always offered, so a workspace that lists only files still
    // lets the user tick them.
    std::vector<CalibrationSourceChoice> sources = c.sources;
    for (const char* bundled : {"tinystories", "wikitext2", "self"})
        if (std::none_of(sources.begin(), sources.end(), [&](const CalibrationSourceChoice& s) { return s.source == bundled; }))
            sources.push_back({bundled, false});
    for (const CalibrationSourceChoice& s : sources)
        addSourceItem(s.source, s.checked);
    m_blocks->setValue(int(c.blocks));
    m_seqLen->setValue(int(c.seqLen));
    m_longSamples->setCurrentIndex(c.splitLongSamples ? 0 : 1);
    m_target->setText(QString::fromStdString(c.targetText));
    m_updating = false;
    onChanged();
}

void CalibrationView::setSourceChecked(const QString& source, bool checked)
{
    for (int i = 0; i < m_sources->count(); ++i)
        if (m_sources->item(i)->data(kSourceRole).toString() == source) {
            if ((m_sources->item(i)->checkState() == Qt::Checked) != checked)
                m_sources->item(i)->setCheckState(checked ? Qt::Checked : Qt::Unchecked); // itemChanged -> onChanged
            return;
        }
    addSourceItem(source.toStdString(), checked);
    onChanged();
}

void CalibrationView::addFile(const QString& path) { setSourceChecked(path, true); }

void CalibrationView::onChanged()
{
    if (m_updating)
        return;
    m_previewButton->setEnabled(!choices().checked().empty());
    if (m_preview)
        m_status->setText(tr("Settings changed since the preview: preview again (Ctrl+Shift+P)."));
    Q_EMIT choicesChanged();
}

void CalibrationView::previewStarted()
{
    m_previewButton->setEnabled(false);
    m_status->setText(tr("Reading the sources and building the blocks… (progress in the Jobs dock)"));
}

void CalibrationView::previewFailed(const QString& message)
{
    m_previewButton->setEnabled(!choices().checked().empty());
    m_status->setText(tr("Preview failed: %1").arg(message));
}

void CalibrationView::showPreview(std::shared_ptr<const CalibrationPreviewData> preview)
{
    m_preview = std::move(preview);
    m_previewButton->setEnabled(true);
    m_sourcesModel->setPreview(m_preview);
    m_sanityModel->setPreview(m_preview);
    m_summary->setText(summaryText());
    m_status->setText(tr("Previewed in %1 s.").arg(m_preview->seconds, 0, 'f', 1));
    rebuildPlot();
    if (m_sourcesModel->rowCount() > 0)
        m_sourcesTable->selectRow(0);
    showSamples(0);
}

QString CalibrationView::summaryText() const
{
    if (!m_preview)
        return {};
    const CalibrationPreviewData& p = *m_preview;
    QString text = tr("<b>%1 blocks × %2 tokens</b> from %3 samples (%4 dropped as longer than a block, %5 split); %6 tokens read.")
                       .arg(p.blocks)
                       .arg(p.seqLen)
                       .arg(p.samplesUsed)
                       .arg(p.samplesDropped)
                       .arg(p.samplesSplit)
                       .arg(p.tokensAvailable);
    if (p.hasSanity) {
        int failed = 0;
        for (int r = 0; r < 3; ++r)
            failed += m_sanityModel->passes(r) ? 0 : 1;
        text += QStringLiteral("<br>") +
                (failed == 0 ? tr("Sanity against %1: ✓ close to the target.").arg(QFileInfo(QString::fromStdString(p.targetText)).fileName())
                             : tr("Sanity against %1: <span style='color:#b00'>✗ %2 of 3 figures past their threshold</span>.")
                                   .arg(QFileInfo(QString::fromStdString(p.targetText)).fileName())
                                   .arg(failed));
    }
    return text;
}

void CalibrationView::rebuildPlot()
{
    m_plot->clearPlottables();
    m_plot->clearItems();
    qDeleteAll(m_plot->findChildren<QCPBarsGroup*>(QString(), Qt::FindDirectChildrenOnly)); // the last preview's
    m_plot->legend->clearItems();
    if (!m_preview)
        return;
    const CalibrationPreviewData& p = *m_preview;
    int64_t maxLen = p.seqLen;
    for (const auto& s : p.sources)
        for (int64_t n : s.sampleTokens)
            maxLen = std::max(maxLen, n);
    // ~40 bins over [0, max length]: fine enough to see the block boundary, coarse enough to read.
    const double width = std::max<double>(1.0, std::ceil(double(maxLen + 1) / 40.0));
    const int bins = int(std::ceil(double(maxLen + 1) / width));
    const int sources = int(p.sources.size());
    QCPBarsGroup* group = sources > 1 ? new QCPBarsGroup(m_plot) : nullptr;
    double maxCount = 1;
    for (int i = 0; i < sources; ++i) {
        const auto& s = p.sources[size_t(i)];
        QVector<double> keys(bins), counts(bins, 0);
        for (int b = 0; b < bins; ++b)
            keys[b] = (b + 0.5) * width;
        for (int64_t n : s.sampleTokens)
            counts[std::min<int>(bins - 1, int(double(n) / width))] += 1;
        auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(calibrationSourceLabel(s.source));
        bars->setWidth(width / std::max(1, sources) * 0.9);
        QColor c = sourceColor(i);
        bars->setPen(QPen(c.darker(120)));
        c.setAlpha(190);
        bars->setBrush(c);
        if (group)
            bars->setBarsGroup(group);
        bars->setData(keys, counts, true);
        maxCount = std::max(maxCount, *std::max_element(counts.begin(), counts.end()));
    }
    // The block length: samples right of it are split or dropped, as chosen.
    auto* line = new QCPItemStraightLine(m_plot);
    line->point1->setCoords(double(p.seqLen), 0);
    line->point2->setCoords(double(p.seqLen), 1);
    line->setPen(QPen(QColor(0x40, 0x40, 0x40), 1.5, Qt::DashLine));
    auto* label = new QCPItemText(m_plot);
    label->position->setType(QCPItemPosition::ptPlotCoords);
    label->position->setCoords(double(p.seqLen), maxCount * 1.12);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop); // right of the line: the axis is left of it
    label->setPadding(QMargins(6, 0, 0, 0));
    label->setText(tr("block = %1 tokens; longer samples are %2").arg(p.seqLen).arg(p.samplesDropped > 0 ? tr("dropped") : tr("split")));
    m_plot->xAxis->setRange(0, bins * width);
    m_plot->yAxis->setRange(0, maxCount * 1.18);
    auto counts = QSharedPointer<QCPAxisTickerFixed>::create(); // whole samples
    counts->setTickStep(1);
    counts->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->yAxis->setTicker(counts);
    m_plot->legend->setVisible(sources > 0);
    m_plot->replot();
}

void CalibrationView::showSamples(int sourceRow)
{
    if (!m_preview || sourceRow < 0 || sourceRow >= int(m_preview->sources.size())) {
        m_samples->clear();
        return;
    }
    const CalibrationSourcePreviewData& s = m_preview->sources[size_t(sourceRow)];
    QString text = tr("%1 — the first %2 of %3 samples%4\n\n")
                       .arg(calibrationSourceLabel(s.source))
                       .arg(s.preview.size())
                       .arg(s.samples)
                       .arg(s.source == "self" ? tr(" (blocks written by the FP model)") : QString());
    for (size_t i = 0; i < s.preview.size(); ++i)
        text += QStringLiteral("[%1] %2 tokens · %3\n\n")
                    .arg(i + 1)
                    .arg(i < s.sampleTokens.size() ? s.sampleTokens[i] : 0)
                    .arg(QString::fromStdString(s.preview[i]));
    m_samples->setPlainText(text);
}

} // namespace awb::ui
