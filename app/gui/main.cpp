// awq-workbench: the Qt workbench. Everything it does lives in awb_ui (ui/workbench_startup.h).
#include "ui/workbench_startup.h"

#include <QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    return awb::ui::runWorkbench(app);
}
