#include "ui/demo_plan.h"

namespace awb::ui {

DiagnoseRequest demoRequest(const std::string& model, const std::vector<std::string>& calibration, int wBit, int64_t groupSize,
                            bool zeroPoint, const std::string& method)
{
    DiagnoseRequest r;
    r.model = model;
    r.wBit = wBit;
    r.groupSize = groupSize;
    r.zeroPoint = zeroPoint;
    r.method = method;
    if (!calibration.empty())
        r.calibration = calibration;
    return r; // the small evaluation settings are DiagnoseRequest's defaults
}

std::vector<DiagnoseRequest> demoRequests(const std::string& model, const std::vector<std::string>& calibration)
{
    std::vector<DiagnoseRequest> requests;
    for (int wBit : {4, 3})
        for (int64_t group : {64, 32})
            requests.push_back(demoRequest(model, calibration, wBit, group));
    return requests;
}

} // namespace awb::ui
