// Bridge from core's AwqResult (libtorch tensors, read from a sweep store) to the plain
// AwqSearchData the AWQ search view reads.
#include "ui/awq_search_data.h"

#include "core/store/sweep_point_awq.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace awb::ui {

namespace {
std::vector<double> doubles(const at::Tensor& t)
{
    if (!t.defined() || t.numel() == 0)
        return {};
    const at::Tensor d = t.to(at::kDouble).contiguous().view(-1);
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}
} // namespace

std::string AwqScaleSearchData::groupLabel() const
{
    std::string out;
    for (const std::string& l : linears)
        out += (out.empty() ? "" : ", ") + l;
    return out + " ← " + prevOp;
}

std::vector<std::string> AwqSearchData::clipLinears() const
{
    std::vector<std::string> out;
    if (!blocks.empty())
        for (const AwqClipData& c : blocks.front().clips)
            out.push_back(c.linear);
    // The store lists groups alphabetically; show them in the block's data-flow order instead.
    static const std::vector<std::string> order{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    auto rank = [](const std::string& l) { return size_t(std::find(order.begin(), order.end(), l) - order.begin()); };
    std::stable_sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    return out;
}

double AwqSearchData::meanClipRatio(size_t block, const std::string& linear) const
{
    if (block < blocks.size())
        for (const AwqClipData& c : blocks[block].clips)
            if (c.linear == linear)
                return c.meanRatio;
    return std::numeric_limits<double>::quiet_NaN();
}

std::vector<int> topChannels(const std::vector<double>& magnitude, int count)
{
    std::vector<int> idx(magnitude.size());
    std::iota(idx.begin(), idx.end(), 0);
    count = std::min<int>(count, int(idx.size()));
    std::partial_sort(idx.begin(), idx.begin() + count, idx.end(), [&](int a, int b) { return magnitude[a] > magnitude[b]; });
    idx.resize(size_t(count));
    return idx;
}

AwqSearchData readAwqSearch(const std::string& storePath, const std::string& key)
{
    const AwqResult r = readSweepPointAwq(storePath, key);
    AwqSearchData d;
    d.storePath = storePath;
    d.key = key;
    d.method = r.method;
    d.modelPath = r.modelPath;
    d.calibrationSummary = r.calibrationSummary;
    d.wBit = r.quant.wBit;
    d.groupSize = r.quant.groupSize;
    d.zeroPoint = r.quant.zeroPoint;
    d.calibrationBlocks = r.calibrationBlocks;
    d.calibrationSeqLen = r.calibrationSeqLen;
    for (const BlockAwqResult& b : r.blocks) {
        AwqBlockData bd;
        bd.seconds = b.seconds;
        for (const ScaleSearch& s : b.scales)
            bd.scales.push_back({s.prevOp, s.linears, doubles(s.alphas), doubles(s.losses), s.bestAlpha, s.fpLoss,
                                 doubles(s.activationMean), doubles(s.scales)});
        for (const ClipSearch& c : b.clips) {
            AwqClipData cd;
            cd.linear = c.linear;
            if (c.ratio.defined() && c.ratio.dim() == 2 && c.ratio.numel() > 0) {
                const at::Tensor ratio = c.ratio.to(at::kDouble);
                cd.outChannels = ratio.size(0);
                cd.groups = ratio.size(1);
                cd.ratioPerGroup = doubles(ratio.mean(0));
                cd.meanRatio = ratio.mean().item<double>();
                cd.minRatio = ratio.min().item<double>();
            }
            bd.clips.push_back(std::move(cd));
        }
        d.blocks.push_back(std::move(bd));
    }
    return d;
}

} // namespace awb::ui
