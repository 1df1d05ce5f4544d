#include "ui/drift_snapshot_core.h"

#include "core/eval/lambda.h"

#include <ATen/ATen.h>

namespace awb::ui {

ModelSeriesData seriesOf(const ModelSeries& s)
{
    ModelSeriesData d;
    d.ppl = s.ppl;
    d.entropyBlocks = s.entropyBlocks;
    d.onsetBlock = s.onsetBlock;
    for (const CaseRetrieval& c : s.cases) {
        d.questionDeltaS.push_back(c.deltaSQR);
        d.anchorDeltaS.push_back(c.deltaSRAnchor);
        d.nearestDistractor.push_back(c.minAdjacent);
        d.anchorGap.push_back(c.anchorGap);
        d.coverage.push_back(c.coverageK);
    }
    if (!s.lambda.labels.empty()) { // variant 0: the base prompts
        for (const auto& runs : s.lambda.labels[0]) {
            std::vector<int> row;
            for (LambdaLabel l : runs)
                row.push_back(static_cast<int>(l));
            d.lambdaRuns.push_back(row);
        }
    }
    if (!s.lambda.caseLabels.empty())
        for (LambdaLabel l : s.lambda.caseLabels[0])
            d.lambdaCases.push_back(static_cast<int>(l));
    return d;
}

std::vector<std::string> lambdaRunNames(const std::vector<uint64_t>& seeds, size_t runs)
{
    std::vector<std::string> names;
    for (size_t i = 0; i < runs; ++i)
        names.push_back(seeds.empty() ? "run " + std::to_string(i + 1)
                                      : "p" + std::to_string(i / seeds.size() + 1) + " s" + std::to_string(seeds[i % seeds.size()]));
    return names;
}

void applyQuickSettings(DriftSettings& settings)
{
    settings.freeTokens = 128;
    settings.repetitionWindow = 64;
    settings.lambdaTokens = 64;
    settings.seeds = {1};
    settings.lambdaFlips = false;
}

void addComparison(DriftPointData& p, const DriftComparison& d)
{
    for (const Gate& g : d.gates)
        p.gates.push_back({g.name, g.comparison, g.value, g.threshold, g.pass, g.fpValue, g.fpPass});
    for (const DiagnosisRow& r : d.diagnosis)
        p.diagnosis.push_back({r.symptom, r.cause, r.nextStep, r.gates});
    p.caseDrift = d.caseDrift;
    p.lambdaLost.assign(d.lambdaLost.begin(), d.lambdaLost.end());
}

void setLayerError(DriftPointData& p, const LayerErrorMap& e)
{
    p.linears = e.linears;
    if (e.relError.defined() && e.relError.dim() == 2) {
        const at::Tensor t = e.relError.to(at::kDouble).contiguous();
        p.layers = t.size(0);
        p.layerError.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
    }
}

} // namespace awb::ui
