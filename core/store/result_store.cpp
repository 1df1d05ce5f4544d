#include "core/store/result_store.h"

#include "core/base/error.h"
#include "core/store/awq_result_group.h"
#include "core/store/hdf5_util.h"
#include "core/store/hdf5_vetting.h"

#include <ATen/ATen.h>
#include <H5Cpp.h>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace awb {

namespace {
using namespace h5;
constexpr int kVersion = 1;

// A stored tensor of the rank the applier indexes, with no empty dimension (a clip table of zero
// columns would divide by zero when its groups are applied).
at::Tensor tensorOfRank(const H5::Group& g, const std::string& name, int64_t rank, const std::string& path,
                        const std::string& where)
{
    at::Tensor t = readTensor(g, name);
    if (t.dim() != rank || t.numel() == 0)
        throw FormatError(path, where + "/" + name, "must be a non-empty " + std::to_string(rank) + "-D table, not of shape " +
                                                        c10::str(t.sizes()));
    return t;
}

} // namespace

void writeAwqResultGroup(H5::Group& root, const AwqResult& r)
{
    writeAttr(root, "method", r.method);
    writeAttr(root, "w_bit", static_cast<double>(r.quant.wBit));
    writeAttr(root, "group_size", static_cast<double>(r.quant.groupSize));
    writeAttr(root, "zero_point", r.quant.zeroPoint ? 1.0 : 0.0);
    writeAttr(root, "model", r.modelPath);
    writeAttr(root, "calibration", r.calibrationSummary);
    writeAttr(root, "calib_blocks", static_cast<double>(r.calibrationBlocks));
    writeAttr(root, "calib_seqlen", static_cast<double>(r.calibrationSeqLen));
    if (!r.feed.empty())
        writeAttr(root, "feed", r.feed);
    if (!r.scaling.empty())
        writeAttr(root, "scaling", r.scaling);
    if (!std::isnan(r.calibrationNll))
        writeAttr(root, "calib_nll", r.calibrationNll);
    H5::Group blocks = root.createGroup("blocks");
    for (size_t i = 0; i < r.blocks.size(); ++i) {
        const auto& b = r.blocks[i];
        H5::Group bg = blocks.createGroup(std::to_string(i));
        writeAttr(bg, "seconds", b.seconds);
        if (!b.feed.empty()) { // --feed auto's choice, so a stored result says what each block was searched on
            writeAttr(bg, "feed", b.feed);
            writeAttr(bg, "held_out_loss_quantized", b.heldOutLossQuantized);
            writeAttr(bg, "held_out_loss_fp", b.heldOutLossFp);
        }
        H5::Group sg = bg.createGroup("scales");
        for (size_t k = 0; k < b.scales.size(); ++k) {
            const auto& s = b.scales[k];
            H5::Group g = sg.createGroup(std::to_string(k));
            writeAttr(g, "prev_op", s.prevOp);
            writeAttr(g, "linears", joinCommas(s.linears));
            writeAttr(g, "best_alpha", s.bestAlpha);
            writeAttr(g, "rtn_loss", s.fpLoss);
            writeTensor(g, "scales", s.scales);
            writeTensor(g, "activation_mean", s.activationMean);
            writeTensor(g, "alphas", s.alphas);
            writeTensor(g, "losses", s.losses);
        }
        H5::Group cg = bg.createGroup("clips");
        for (const auto& c : b.clips) {
            H5::Group g = cg.createGroup(c.linear);
            writeTensor(g, "max_val", c.maxVal);
            writeTensor(g, "ratio", c.ratio);
        }
    }
}

void saveAwqResult(const std::string& path, const AwqResult& r)
{
    const std::string tmp = path + ".tmp";
    try {
        H5::Exception::dontPrint();
        {
            H5::H5File file(tmp, H5F_ACC_TRUNC);
            H5::Group root = file.openGroup("/");
            writeAttr(root, "format", std::string("awb-awq-result"));
            writeAttr(root, "version", static_cast<double>(kVersion));
            writeAwqResultGroup(root, r);
            file.flush(H5F_SCOPE_GLOBAL);
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0)
            throw IoError(path + ": rename failed");
    } catch (const H5::Exception& e) {
        std::remove(tmp.c_str());
        throw IoError(path + ": cannot write HDF5: " + e.getDetailMsg());
    }
}

AwqResult readAwqResultGroup(const H5::Group& root, const std::string& path, const std::string& prefix)
{
    std::string where = prefix.empty() ? "/" : prefix;
    try {
        AwqResult r;
        r.method = readStringAttr(root, "method");
        r.quant.wBit = static_cast<int>(readWholeAttr(root, "w_bit", 1, 16));
        r.quant.groupSize = readWholeAttr(root, "group_size", -1, int64_t(1) << 40);
        r.quant.zeroPoint = readDoubleAttr(root, "zero_point") != 0;
        r.modelPath = readStringAttr(root, "model");
        r.calibrationSummary = readStringAttr(root, "calibration");
        r.calibrationBlocks = readWholeAttr(root, "calib_blocks", 0, int64_t(1) << 40);
        r.calibrationSeqLen = readWholeAttr(root, "calib_seqlen", 0, int64_t(1) << 40);
        if (root.attrExists("feed")) // written since the best feed (older results have neither)
            r.feed = readStringAttr(root, "feed");
        if (root.attrExists("scaling")) // written since the best scaling
            r.scaling = readStringAttr(root, "scaling");
        if (root.attrExists("calib_nll"))
            r.calibrationNll = readDoubleAttr(root, "calib_nll");
        H5::Group blocks = root.openGroup("blocks");
        for (hsize_t i = 0; i < blocks.getNumObjs(); ++i) {
            const std::string bName = "blocks/" + std::to_string(i);
            where = prefix + "/" + bName;
            H5::Group bg = root.openGroup(bName);
            BlockAwqResult b;
            b.seconds = readDoubleAttr(bg, "seconds");
            if (bg.attrExists("feed")) {
                b.feed = readStringAttr(bg, "feed");
                b.heldOutLossQuantized = readDoubleAttr(bg, "held_out_loss_quantized");
                b.heldOutLossFp = readDoubleAttr(bg, "held_out_loss_fp");
            }
            H5::Group sg = bg.openGroup("scales");
            for (hsize_t k = 0; k < sg.getNumObjs(); ++k) {
                where = prefix + "/" + bName + "/scales/" + std::to_string(k);
                H5::Group g = sg.openGroup(std::to_string(k));
                ScaleSearch s;
                s.prevOp = readStringAttr(g, "prev_op");
                s.linears = splitCommas(readStringAttr(g, "linears"));
                s.bestAlpha = readDoubleAttr(g, "best_alpha");
                s.fpLoss = readDoubleAttr(g, "rtn_loss");
                s.scales = tensorOfRank(g, "scales", 1, path, where);
                s.activationMean = readTensor(g, "activation_mean");
                s.alphas = readTensor(g, "alphas");
                s.losses = readTensor(g, "losses");
                b.scales.push_back(std::move(s));
            }
            H5::Group cg = bg.openGroup("clips");
            for (hsize_t k = 0; k < cg.getNumObjs(); ++k) {
                ClipSearch c;
                c.linear = cg.getObjnameByIdx(k);
                where = prefix + "/" + bName + "/clips/" + c.linear;
                H5::Group g = cg.openGroup(c.linear);
                c.maxVal = tensorOfRank(g, "max_val", 2, path, where);
                c.ratio = readTensor(g, "ratio");
                b.clips.push_back(std::move(c));
            }
            r.blocks.push_back(std::move(b));
        }
        try {
            r.quant.validate();
        } catch (const ArgumentError& e) { // the file's settings, not the user's arguments
            throw FormatError(path, prefix.empty() ? "/" : prefix, e.what());
        }
        return r;
    } catch (const H5::Exception& e) {
        throw FormatError(path, where, "unreadable HDF5 (" + e.getDetailMsg() + ")");
    }
}

namespace {
AwqResult readResultFile(const std::string& path)
{
    if (!std::filesystem::is_regular_file(path))
        throw IoError(path + ": results file not found");
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        H5::Group root = file.openGroup("/");
        if (!root.attrExists("format") || readStringAttr(root, "format") != "awb-awq-result")
            throw FormatError(path, "/format", "not an AWQ Workbench result file");
        if (readDoubleAttr(root, "version") > kVersion)
            throw FormatError(path, "/version", "written by a newer AWQ Workbench");
        return readAwqResultGroup(root, path, "");
    } catch (const H5::Exception& e) {
        throw FormatError(path, "/", "unreadable HDF5 (" + e.getDetailMsg() + ")");
    }
}
} // namespace

AwqResult loadAwqResult(const std::string& path)
{
    return readVetted(path, [&] { return readResultFile(path); });
}

} // namespace awb
