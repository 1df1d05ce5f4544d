#include "ui/system_status.h"

#include "ui/model_view.h"

#include <QFile>
#include <QThread>
#include <QTimer>

#include <unistd.h>

namespace awb::ui {

long long residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

SystemStatus::SystemStatus(QWidget* parent) : QLabel(parent)
{
    auto* timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &SystemStatus::refresh);
    timer->start(2000);
    refresh();
}

void SystemStatus::refresh()
{
    setText(tr("CPU · %1 threads · resident %2").arg(QThread::idealThreadCount()).arg(humanBytes(residentBytes())));
}

} // namespace awb::ui
