#pragma once
// A QTableView over a source model through a sort proxy (sortRole Qt::UserRole: raw numbers), whose
// Copy (Ctrl+C and context menu) puts the selection on the clipboard as tab-separated text with a
// header row, ready to paste into a spreadsheet.
#include <QTableView>

class QSortFilterProxyModel;

namespace awb::ui {

class CopyableTableView : public QTableView {
    Q_OBJECT
public:
    explicit CopyableTableView(QAbstractItemModel* source, QWidget* parent = nullptr);
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    // The selected cells (or the whole table when nothing is selected) as TSV with headers.
    QString selectionAsTsv() const;
    // The whole table as CSV (for export), in the current sort order.
    QString tableAsCsv() const;

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    QSortFilterProxyModel* m_proxy;
};

} // namespace awb::ui
