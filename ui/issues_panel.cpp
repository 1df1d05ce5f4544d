#include "ui/issues_panel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace awb::ui {

IssuesPanel::IssuesPanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("issuesList"));
    m_list->setRootIsDecorated(false);
    m_list->setHeaderLabels({tr("severity"), tr("time"), tr("from"), tr("message")});
    m_list->header()->setStretchLastSection(true);
    layout->addWidget(m_list, 1);
    m_detail = new QLabel(this);
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setVisible(false);
    layout->addWidget(m_detail);
    connect(m_list, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (!item)
            return;
        const QString message = item->text(3);
        m_detail->setText(message);
        m_detail->setVisible(true);
        Q_EMIT issueSelected(message);
    });
}

void IssuesPanel::addError(const QString& source, const QString& message) { add(true, source, message); }
void IssuesPanel::addWarning(const QString& source, const QString& message) { add(false, source, message); }

void IssuesPanel::add(bool isError, const QString& source, const QString& message)
{
    auto* item = new QTreeWidgetItem({isError ? tr("✗ error") : tr("⚠ warning"), QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), source, message});
    item->setForeground(0, isError ? QColor(0xB0, 0x20, 0x10) : QColor(0x8A, 0x5A, 0x00));
    item->setToolTip(3, message);
    m_list->insertTopLevelItem(0, item);
    m_list->resizeColumnToContents(0);
    m_list->resizeColumnToContents(1);
    m_list->resizeColumnToContents(2);
    m_errors += isError ? 1 : 0;
    Q_EMIT issueAdded(isError, message);
}

int IssuesPanel::count() const { return m_list->topLevelItemCount(); }
int IssuesPanel::errorCount() const { return m_errors; }
QString IssuesPanel::messageAt(int row) const
{
    const QTreeWidgetItem* item = m_list->topLevelItem(row);
    return item ? item->text(3) : QString();
}

} // namespace awb::ui
