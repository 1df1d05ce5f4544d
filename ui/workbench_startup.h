#pragma once
// What awq-workbench does from its command line: open the window on the last (or the embedded)
// model, or with --run-demo run the demo points, fill every view, save screenshots (and a report)
// and exit. Kept out of main.cpp so tests and a headless tool can drive the same path.
class QApplication;

namespace awb::ui {

// Returns the process exit code: 0 on success; 1 when a demo job failed or a file could not be
// written (the message names it on stderr); 2 for bad arguments.
int runWorkbench(QApplication& app);

} // namespace awb::ui
