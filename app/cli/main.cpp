// awb: the headless AWQ Workbench. Exit codes: 0 success, 1 runtime error, 2 bad arguments,
// 130 cancelled (SIGINT/SIGTERM).
#include "app/cli/commands.h"
#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/base/version.h"

#include <c10/util/Exception.h>
#include <iostream>

int main(int argc, char** argv)
{
    awb::configureRuntime();
    CLI::App app{"AWQ Workbench: activation-aware weight quantization of LLaMA-family models"};
    app.set_version_flag("--version", std::string("awb ") + awb::awbVersion());
    app.require_subcommand(1);
    awb::cli::addInspectCommand(app);
    awb::cli::addGenerateCommand(app);
    awb::cli::addEvalCommand(app);
    awb::cli::addCalibrationCommand(app);
    awb::cli::addQuantizeCommand(app);
    awb::cli::addConvertCommand(app);
    awb::cli::addExportCommand(app);
    awb::cli::addDiagnoseCommand(app);
    awb::cli::addSweepCommand(app);
    awb::cli::addMergeCommand(app);
    awb::cli::addReportCommand(app);
    awb::cli::addDemoCommand(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) { // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "error: " << e.what() << " (see awb --help)" << std::endl;
        return 2;
    } catch (const awb::ArgumentError& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 2;
    } catch (const awb::Cancelled&) {
        std::cerr << "error: cancelled; nothing was written" << std::endl;
        return 130;
    } catch (const c10::Error& e) { // never a C++ backtrace on the user's screen
        std::cerr << "error: " << e.what_without_backtrace() << std::endl;
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
