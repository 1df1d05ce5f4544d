#pragma once
// The Issues dock: errors and warnings from jobs, each naming the file and field the core named,
// listed (never as modal dialogs: a failing batch cannot bury the user in message boxes).
// Selecting a row shows the whole message below the list and puts it on the status bar.
#include <QWidget>

class QLabel;
class QTreeWidget;

namespace awb::ui {

class IssuesPanel : public QWidget {
    Q_OBJECT
public:
    explicit IssuesPanel(QWidget* parent = nullptr);
    void addError(const QString& source, const QString& message);
    void addWarning(const QString& source, const QString& message);
    int count() const;
    int errorCount() const;
    QString messageAt(int row) const;

Q_SIGNALS:
    void issueAdded(bool isError, const QString& message);
    void issueSelected(const QString& message);

private:
    void add(bool isError, const QString& source, const QString& message);
    QTreeWidget* m_list;
    QLabel* m_detail;
    int m_errors = 0;
};

} // namespace awb::ui
