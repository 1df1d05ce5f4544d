#include "ui/model_view.h"

#include "ui/copyable_table_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace awb::ui {

QString humanBytes(long long bytes)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(bytes) : QStringLiteral("%1 %2").arg(v, 0, 'f', 2).arg(QLatin1String(units[u]));
}

QString humanCount(long long count)
{
    if (count >= 1000000000)
        return QStringLiteral("%1 B").arg(count / 1e9, 0, 'f', 2);
    if (count >= 1000000)
        return QStringLiteral("%1 M").arg(count / 1e6, 0, 'f', 2);
    if (count >= 1000)
        return QStringLiteral("%1 K").arg(count / 1e3, 0, 'f', 1);
    return QString::number(count);
}

namespace {
QStandardItem* numberItem(long long value, const QString& text)
{
    auto* item = new QStandardItem(text);
    item->setData(value, Qt::UserRole);
    item->setData(int(Qt::AlignRight | Qt::AlignVCenter), Qt::TextAlignmentRole);
    return item;
}
QStandardItem* textItem(const QString& text)
{
    auto* item = new QStandardItem(text);
    item->setData(text, Qt::UserRole);
    return item;
}
} // namespace

ModelView::ModelView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("Model"));
    auto* layout = new QVBoxLayout(this);
    m_header = new QLabel(tr("No model open. Open a llama2.c file or a Hugging Face folder (Ctrl+O)."), this);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_header);
    m_architecture = new QStandardItemModel(0, 2, this);
    m_architecture->setHorizontalHeaderLabels({tr("setting"), tr("value")});
    m_tensors = new QStandardItemModel(0, 4, this);
    m_tensors->setHorizontalHeaderLabels({tr("tensor"), tr("shape"), tr("dtype"), tr("elements")});
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("modelSplitter"));
    m_architectureView = new CopyableTableView(m_architecture, split);
    m_tensorView = new CopyableTableView(m_tensors, split);
    split->addWidget(m_architectureView);
    split->addWidget(m_tensorView);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
}

void ModelView::setModelInfo(const ModelInfo& info)
{
    m_info = info;
    m_header->setText(tr("<b>%1</b><br>format %2 · stored as %3 · %4 parameters · %5 on disk%6<br>tokenizer: %7")
                          .arg(QString::fromStdString(info.path).toHtmlEscaped(), QString::fromStdString(info.format),
                               QString::fromStdString(info.dtype), humanCount(info.parameters), humanBytes(info.fileBytes),
                               info.quantization.empty() ? QString() : tr(" · quantized: %1").arg(QString::fromStdString(info.quantization).toHtmlEscaped()),
                               QString::fromStdString(info.tokenizer).toHtmlEscaped()));
    m_architecture->removeRows(0, m_architecture->rowCount());
    for (const auto& [key, value] : info.architecture)
        m_architecture->appendRow({textItem(QString::fromStdString(key)), textItem(QString::fromStdString(value))});
    m_tensors->removeRows(0, m_tensors->rowCount());
    for (const TensorInfo& t : info.tensors) {
        QStringList dims;
        for (int64_t d : t.shape)
            dims << QString::number(d);
        m_tensors->appendRow({textItem(QString::fromStdString(t.name)), textItem(QStringLiteral("[%1]").arg(dims.join(QStringLiteral(", ")))),
                              textItem(QString::fromStdString(t.dtype)), numberItem(t.elements, QLocale().toString(qlonglong(t.elements)))});
    }
    m_architectureView->resizeColumnsToContents();
    m_tensorView->resizeColumnsToContents();
}

} // namespace awb::ui
