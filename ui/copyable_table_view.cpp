#include "ui/copyable_table_view.h"

#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QKeyEvent>
#include <QMenu>
#include <QSortFilterProxyModel>

#include <map>
#include <set>

namespace awb::ui {

namespace {
QString csvField(QString s)
{
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n')))
        s = QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
    return s;
}
} // namespace

CopyableTableView::CopyableTableView(QAbstractItemModel* source, QWidget* parent) : QTableView(parent)
{
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(source);
    m_proxy->setSortRole(Qt::UserRole);
    setModel(m_proxy);
    setSortingEnabled(true);
    sortByColumn(-1, Qt::AscendingOrder); // source order until the user clicks a header
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    verticalHeader()->setVisible(false);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    horizontalHeader()->setStretchLastSection(true);
    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(this, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QMenu menu(this);
        menu.addAction(tr("Copy (tab-separated)"), this, [this] { QApplication::clipboard()->setText(selectionAsTsv()); });
        menu.exec(viewport()->mapToGlobal(pos));
    });
    connect(source, &QAbstractItemModel::modelReset, this, [this] { resizeColumnsToContents(); });
}

QString CopyableTableView::selectionAsTsv() const
{
    std::set<int> rows, cols;
    const QModelIndexList selected = selectionModel() ? selectionModel()->selectedIndexes() : QModelIndexList();
    for (const QModelIndex& i : selected) {
        rows.insert(i.row());
        cols.insert(i.column());
    }
    if (selected.isEmpty()) {
        for (int r = 0; r < m_proxy->rowCount(); ++r)
            rows.insert(r);
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            cols.insert(c);
    }
    QStringList lines, header;
    for (int c : cols)
        header << m_proxy->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
    lines << header.join(QLatin1Char('\t'));
    for (int r : rows) {
        QStringList cells;
        for (int c : cols)
            cells << m_proxy->index(r, c).data(Qt::DisplayRole).toString().replace(QLatin1Char('\t'), QLatin1Char(' '));
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString CopyableTableView::tableAsCsv() const
{
    QStringList lines, header;
    for (int c = 0; c < m_proxy->columnCount(); ++c)
        header << csvField(m_proxy->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    lines << header.join(QLatin1Char(','));
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            cells << csvField(m_proxy->index(r, c).data(Qt::DisplayRole).toString());
        lines << cells.join(QLatin1Char(','));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void CopyableTableView::keyPressEvent(QKeyEvent* event)
{
    if (event->matches(QKeySequence::Copy)) {
        QApplication::clipboard()->setText(selectionAsTsv());
        return;
    }
    QTableView::keyPressEvent(event);
}

} // namespace awb::ui
