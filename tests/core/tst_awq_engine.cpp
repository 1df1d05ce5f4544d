// AWQ engine pieces on the embedded model: quantizer, calibration sets, scale folding, search
// mechanics (progress, cancel), and the HDF5 result store.
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"
#include "core/base/error.h"
#include "core/io/model_loader.h"
#include "core/jobs/calibration_job.h"
#include "core/quant/quantizer.h"
#include "core/store/result_store.h"
#include "core/base/runtime.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <fstream>
#include <map>

using namespace awb;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kModel = kResources + "/models/stories260K/stories260K.bin";

std::string writeText(const QTemporaryDir& dir, const char* name, const std::string& content)
{
    const std::string path = dir.filePath(name).toStdString();
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

double relativeError(const at::Tensor& a, const at::Tensor& b)
{
    return ((a - b).norm() / b.norm()).item<double>();
}

// The search tests' calibration: 2 TinyStories windows of 64 tokens (whole stories are longer
// than 64 tokens, so they are split).
at::Tensor searchCalibration(const Model& m)
{
    CalibrationOptions co;
    co.nBlocks = 2;
    co.seqLen = 64;
    co.longSamples = LongSamples::Split;
    return buildCalibrationSet(m, {"tinystories"}, co).blocks;
}
} // namespace

class TestAwqEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { configureRuntime(); }

    void quantizerMatchesItsIntegerForm_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("group");
        QTest::addColumn<bool>("zeroPoint");
        for (int bits : {2, 3, 4, 8})
            for (int group : {-1, 32, 64, 128})
                for (bool zp : {true, false})
                    QTest::addRow("w%d g%d %s", bits, group, zp ? "zp" : "sym") << bits << group << zp;
    }
    void quantizerMatchesItsIntegerForm()
    {
        QFETCH(int, bits);
        QFETCH(int, group);
        QFETCH(bool, zeroPoint);
        const QuantConfig c{bits, group, zeroPoint};
        at::manual_seed(1);
        at::Tensor w = at::randn({24, 172}); // 172 inputs: no group size divides it (padding path)
        QuantizedTensor q = quantizeWeight(w, c);
        QCOMPARE(q.codes.size(1) % q.groupSize, int64_t(0));
        QVERIFY(q.codes.max().item<int>() <= (1 << bits) - 1);
        // the integer form and the pseudo-quantized weight are the same numbers
        QVERIFY(at::allclose(q.dequantize(), pseudoQuantize(w, c), 1e-6, 1e-6));
        // zero padding is exact: the padded group quantizes like a row that really ends in zeros
        const int64_t g = c.effectiveGroup(172);
        at::Tensor padded = at::constant_pad_nd(w, {0, (172 + g - 1) / g * g - 172});
        QVERIFY(at::equal(pseudoQuantize(padded, c).slice(1, 0, 172), pseudoQuantize(w, c)));
        // more bits, smaller error (sanity of the whole quantizer)
        if (bits == 8)
            QVERIFY(relativeError(pseudoQuantize(w, c), w) < 0.02);
    }

    // The fused pseudo-quantizer (core/quant/group_quant_avx2.cpp) against llm-awq's formulas as
    // separate libtorch ops, bit for bit, with the search's scaled and clipped trials; on weights with
    // rows of very different magnitude, constant rows (the 1e-5 floor), exact .5 ties and a NaN.
    void fusedQuantizerEqualsTheUnfusedOps_data() { quantizerMatchesItsIntegerForm_data(); }
    void fusedQuantizerEqualsTheUnfusedOps()
    {
        QFETCH(int, bits);
        QFETCH(int, group);
        QFETCH(bool, zeroPoint);
        const QuantConfig c{bits, group, zeroPoint};
        const int64_t in = 256, gs = c.effectiveGroup(in);
        auto unfused = [&](const at::Tensor& w) {
            const at::Tensor g = w.reshape({w.size(0), -1, gs});
            const double maxInt = zeroPoint ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
            const double minInt = zeroPoint ? 0 : -(1 << (bits - 1));
            at::Tensor s, z;
            if (zeroPoint) {
                const at::Tensor mn = g.amin(-1, true);
                s = (g.amax(-1, true) - mn).clamp_min(1e-5) / maxInt;
                z = (-at::round(mn / s)).clamp(minInt, maxInt);
            } else {
                s = g.abs().amax(-1, true).clamp_min(1e-5) / maxInt;
                z = at::zeros_like(s);
            }
            return ((at::round(g / s) + z).clamp(minInt, maxInt) - z).mul(s).reshape(w.sizes());
        };
        auto same = [](const at::Tensor& a, const at::Tensor& b) {
            return at::equal(a.isnan(), b.isnan()) && at::equal(a.nan_to_num(7), b.nan_to_num(7));
        };
        at::manual_seed(2);
        at::Tensor w = at::randn({40, in}) * at::logspace(-6, 3, 40).unsqueeze(1);
        w[3].fill_(0.25);                                   // constant rows: range 0, scale 1e-5 / maxInt
        w[4] = at::round(at::randn({in}) * 4) / 2;          // values on .5 steps: round-half-even ties
        w[5][17] = std::numeric_limits<float>::quiet_NaN(); // a NaN group stays NaN
        QVERIFY(same(pseudoQuantize(w, c), unfused(w)));
        const at::Tensor columnScale = at::exp(at::randn({in}) * 2);
        QVERIFY(same(pseudoQuantizeScaled(w, columnScale, c), unfused(w * columnScale) / columnScale));
        const at::Tensor maxVal = w.reshape({w.size(0), -1, gs}).abs().amax(-1) * 0.7;
        const at::Tensor bound = maxVal.unsqueeze(-1);
        const at::Tensor clipped = at::max(at::min(w.reshape({w.size(0), -1, gs}), bound), -bound).reshape(w.sizes());
        QVERIFY(same(pseudoQuantizeClipped(w, maxVal, c), unfused(clipped)));
    }

    void impossibleSettingsAreRefused()
    {
        QVERIFY_THROWS_EXCEPTION(ArgumentError, (QuantConfig{1, 32, true}.validate()));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, (QuantConfig{9, 32, true}.validate()));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, (QuantConfig{4, 12, true}.validate()));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, (QuantConfig{4, 0, true}.validate()));
        QuantConfig{4, -1, false}.validate();
    }

    void calibrationBlocksFollowLlmAwq()
    {
        Model m = loadModel(kModel);
        QTemporaryDir dir;
        const std::string longLine(3000, 'a');
        const std::string path = writeText(dir, "calib.txt", "Once upon a time there was a cat.\n\n" + longLine + "\nThe dog ran home.\n");
        CalibrationOptions o;
        o.nBlocks = 4;
        o.seqLen = 16; // both short samples fit; together they make one block
        JobContext job;
        CalibrationSet set = buildCalibrationSet(m, {path}, o, &job);
        QCOMPARE(set.samplesDropped, int64_t(1)); // the 3000-character line is longer than a block
        QCOMPARE(set.samplesUsed, int64_t(2));    // the empty line is not a sample
        const auto first = m.tokenizer->encode("Once upon a time there was a cat.", true);
        QCOMPARE(set.blocks[0][0].item<int64_t>(), m.config.bosId);
        QCOMPARE(set.blocks[0][1].item<int64_t>(), first[1]);
        QVERIFY(set.blocks.size(0) < 4);
        QVERIFY(!job.warnings().empty()); // fewer blocks than asked, samples dropped

        o.longSamples = LongSamples::Split;
        CalibrationSet split = buildCalibrationSet(m, {path}, o, nullptr);
        QCOMPARE(split.samplesSplit, int64_t(1));
        QCOMPARE(split.blocks.size(0), int64_t(4));
    }

    void calibrationSourcesAndTheirErrors()
    {
        Model m = loadModel(kModel);
        QTemporaryDir dir;
        CalibrationOptions o;
        o.nBlocks = 2;
        o.seqLen = 24;
        const std::string jsonl = writeText(dir, "c.jsonl", "{\"text\": \"Lily saw a big red ball.\"}\n"
                                                             "{\"text\": \"Tom went to the shop.\"}\n"
                                                             "{\"text\": \"The cat was happy.\"}\n");
        QCOMPARE(buildCalibrationSet(m, {jsonl}, o).blocks.size(0), int64_t(1));
        CalibrationOptions stories;
        stories.nBlocks = 2;
        QCOMPARE(buildCalibrationSet(m, {"tinystories"}, stories).blocks.size(0), int64_t(2)); // bundled set by name

        const std::string badJson = writeText(dir, "bad.jsonl", "{\"text\": \"ok\"}\n{\"txt\": 3}\n");
        try {
            buildCalibrationSet(m, {badJson}, o);
            QFAIL("no error");
        } catch (const FormatError& e) {
            QVERIFY(QString(e.what()).contains("bad.jsonl") && QString(e.what()).contains("line 2"));
        }
        const std::string notUtf8 = writeText(dir, "latin1.txt", "fine line\ncaf\xE9 au lait\n");
        try {
            buildCalibrationSet(m, {notUtf8}, o);
            QFAIL("no error");
        } catch (const FormatError& e) {
            QVERIFY(QString(e.what()).contains("latin1.txt") && QString(e.what()).contains("line 2"));
        }
        const std::string empty = writeText(dir, "empty.txt", "\n\n");
        QVERIFY_THROWS_EXCEPTION(FormatError, buildCalibrationSet(m, {empty}, o)); // names the file: exit 1, not a usage error
        QVERIFY_THROWS_EXCEPTION(IoError, buildCalibrationSet(m, {dir.filePath("missing.txt").toStdString()}, o));

        // Saved blocks (awb calibration --save-blocks) come back as the same token ids, not re-tokenized
        CalibrationPreviewOptions preview;
        preview.model = kModel;
        preview.sources = {"tinystories"};
        preview.calibration = stories;
        preview.saveBlocks = dir.filePath("saved.json").toStdString();
        JobContext job;
        runCalibrationPreview(preview, job);
        QVERIFY(at::equal(buildCalibrationSet(m, {preview.saveBlocks}, stories).blocks, buildCalibrationSet(m, {"tinystories"}, stories).blocks));
        for (const auto& [content, field] : {std::pair{"{\"seqlen\": 2, \"blocks\": [[1, 2], [1, 9999]]}", "blocks[1]"},
                                             std::pair{"{\"seqlen\": 2, \"blocks\": [[1, 2, 3]]}", "blocks[0]"},
                                             std::pair{"{\"seqlen\": 2, \"blocks\": []}", "blocks"},
                                             std::pair{"{\"blocks\": [[1, 2]]}", "seqlen"}}) {
            const std::string path = writeText(dir, "bad-blocks.json", content);
            try {
                buildCalibrationSet(m, {path}, o);
                QFAIL(content);
            } catch (const FormatError& e) {
                QVERIFY2(QString(e.what()).contains("bad-blocks.json") && QString(e.what()).contains(field), e.what());
            }
        }
    }

    void foldedScalesPreserveTheFunction()
    {
        // Scales folded into the previous op must not change the FP block (before quantization).
        Model m = loadModel(kResources + "/models/stories260K/stories260K-mha192.bin");
        const ModelConfig& c = m.config;
        BlockWeights fp = blockAsFloat(m.blocks[1]);
        BlockAwqResult r;
        at::manual_seed(3);
        auto scale = [&](const char* prev, std::vector<std::string> linears, int64_t n) {
            ScaleSearch s;
            s.prevOp = prev;
            s.linears = std::move(linears);
            s.scales = at::rand({n}) + 0.5;
            r.scales.push_back(s);
        };
        scale("input_layernorm", {"q_proj", "k_proj", "v_proj"}, c.dim);
        scale("v_proj", {"o_proj"}, c.qDim());
        scale("post_attention_layernorm", {"gate_proj", "up_proj"}, c.dim);
        scale("up_proj", {"down_proj"}, c.hiddenDim);
        RopeTable rope(c, 32);
        at::Tensor x = at::randn({2, 32, c.dim});
        at::Tensor a = blockForward(c, rope, fp, x), b = blockForward(c, rope, transformBlock(fp, &r), x);
        QVERIFY2(relativeError(b, a) < 1e-5, "scale folding changed the block's output"); // fp32 rounding only
    }

    void searchReportsProgressCancelsAndRoundTripsThroughHdf5()
    {
        Model m = loadModel(kModel);
        const at::Tensor calib = searchCalibration(m);
        AwqOptions o;
        o.quant = {3, 32, true};
        std::vector<std::string> stages;
        JobContext job([&](int64_t, int64_t, const std::string& stage) {
            stages.push_back(stage);
            return true;
        });
        AwqResult r = runAwqSearch(m, calib, o, &job);
        QCOMPARE(r.blocks.size(), size_t(m.config.nLayers));
        QVERIFY(std::any_of(stages.begin(), stages.end(), [](const std::string& st) { return st.find("block 3/5: scale search") != std::string::npos; }));
        const auto& s0 = r.blocks[0].scales;
        QCOMPARE(s0.size(), size_t(3)); // GQA: no v -> o scaling (shapes differ), as in llm-awq
        QCOMPARE(s0[0].losses.size(0), int64_t(o.scaleGrid));
        QCOMPARE(r.blocks[0].clips.size(), size_t(5)); // every linear but q and k
        QCOMPARE(r.blocks[0].clips.back().maxVal.sizes().vec(), (std::vector<int64_t>{m.config.dim, 6})); // 172 -> 6 groups
        // the chosen alpha has the lowest loss of the grid
        QCOMPARE(s0[0].losses.min().item<float>(), s0[0].losses[static_cast<int64_t>(std::lround(s0[0].bestAlpha * o.scaleGrid))].item<float>());

        QTemporaryDir dir;
        const std::string h5 = dir.filePath("r.h5").toStdString();
        saveAwqResult(h5, r);
        QVERIFY(!QFile::exists(QString::fromStdString(h5 + ".tmp")));
        AwqResult back = loadAwqResult(h5);
        QCOMPARE(back.quant.label(), r.quant.label());
        QCOMPARE(back.blocks.size(), r.blocks.size());
        QCOMPARE(back.feed, r.feed);
        QCOMPARE(back.calibrationNll, r.calibrationNll);
        const Model qa = applyAwqResult(m, r), qb = applyAwqResult(m, back);
        for (size_t i = 0; i < qa.blocks.size(); ++i)
            QVERIFY(at::equal(qa.blocks[i].wDown, qb.blocks[i].wDown) && at::equal(qa.blocks[i].attnNorm, qb.blocks[i].attnNorm));

        JobContext cancelled([&](int64_t, int64_t, const std::string& stage) { return stage.find("block 2/") == std::string::npos; });
        QVERIFY_THROWS_EXCEPTION(Cancelled, runAwqSearch(m, calib, o, &cancelled));

        writeText(dir, "junk.h5", "not hdf5");
        QVERIFY_THROWS_EXCEPTION(FormatError, loadAwqResult(dir.filePath("junk.h5").toStdString()));
    }

    void bestFeedKeepsTheSearchWithTheLowerCalibrationLoss()
    {
        Model m = loadModel(kModel);
        const at::Tensor calib = searchCalibration(m);
        AwqOptions o;
        o.quant = {3, 32, true};
        std::map<std::string, AwqResult> runs;
        for (AwqFeed feed : {AwqFeed::Fp, AwqFeed::Quantized, AwqFeed::Best}) {
            o.feed = feed;
            runs[feedName(feed)] = runAwqSearch(m, calib, o);
        }
        // The streamed calibration loss of each search is that of its whole quantized model, run
        // independently here: full forward, log-softmax, mean NLL of the next tokens.
        RopeTable rope(m.config, calib.size(1));
        for (const char* feed : {"fp", "quantized"}) {
            const at::Tensor logProbs = at::log_softmax(forward(applyAwqResult(m, runs[feed]), rope, calib).slice(1, 0, -1), -1);
            const double nll = -logProbs.gather(-1, calib.slice(1, 1).unsqueeze(-1)).to(at::kDouble).mean().item<double>();
            QCOMPARE(runs[feed].feed, std::string(feed));
            QVERIFY2(std::abs(runs[feed].calibrationNll / nll - 1) < 1e-5, qPrintable(QString("%1 vs %2").arg(runs[feed].calibrationNll).arg(nll)));
        }
        const std::string kept = runs["fp"].calibrationNll < runs["quantized"].calibrationNll ? "fp" : "quantized";
        const AwqResult& best = runs["best"];
        QCOMPARE(best.feed, kept);
        QCOMPARE(best.calibrationNll, runs[kept].calibrationNll);
        for (size_t b = 0; b < best.blocks.size(); ++b)
            QVERIFY(at::equal(best.blocks[b].scales[0].scales, runs[kept].blocks[b].scales[0].scales) &&
                    at::equal(best.blocks[b].clips[0].maxVal, runs[kept].blocks[b].clips[0].maxVal));
    }

    // --scale-screen: each alpha ranked on every n-th window, the best ranked ones (and alpha 0) given
    // the loss on every window. On the FP feed every group's search is independent of the others, so
    // the full search's losses are the reference for each group.
    void screenedScaleSearchGivesTheKeptAlphasTheFullLoss()
    {
        Model m = loadModel(kModel);
        CalibrationOptions co;
        co.nBlocks = 4;
        co.seqLen = 64;
        co.longSamples = LongSamples::Split;
        const at::Tensor calib = buildCalibrationSet(m, {"tinystories"}, co).blocks;
        AwqOptions o;
        o.quant = {3, 32, true};
        o.feed = AwqFeed::Fp;
        o.scaling = AwqScaling::Activation;
        o.searchClip = false;
        const AwqResult full = runAwqSearch(m, calib, o);
        o.scaleScreenEvery = 2;
        o.scaleScreenKeep = o.scaleGrid; // every alpha ranked, then all of them on every window
        const AwqResult all = runAwqSearch(m, calib, o);
        o.scaleScreenKeep = 1;
        const AwqResult one = runAwqSearch(m, calib, o);
        int groups = 0;
        for (size_t b = 0; b < full.blocks.size(); ++b)
            for (size_t g = 0; g < full.blocks[b].scales.size(); ++g) {
                const ScaleSearch &f = full.blocks[b].scales[g], &a = all.blocks[b].scales[g], &k = one.blocks[b].scales[g];
                const QString where = QString("block %1 %2").arg(b).arg(QString::fromStdString(f.prevOp));
                // the same sums, added window class by window class: equal up to their order
                QVERIFY2(relativeError(a.losses, f.losses) < 1e-5, qPrintable(where));
                const double fullBest = f.losses.min().item<double>();
                QVERIFY2(std::abs(a.losses[std::lround(a.bestAlpha * o.scaleGrid)].item<double>() / fullBest - 1) < 1e-5, qPrintable(where));
                // keep 1: alpha 0 and the best ranked alpha have the full loss, the others none
                const at::Tensor kept = k.losses.isfinite();
                const int64_t n = kept.sum().item<int64_t>();
                QVERIFY2(kept[0].item<bool>() && n >= 1 && n <= 2, qPrintable(where));
                QVERIFY2(relativeError(k.losses.masked_select(kept), f.losses.masked_select(kept)) < 1e-5, qPrintable(where));
                QCOMPARE(static_cast<float>(k.fpLoss), k.losses[0].item<float>());
                // the choice is the lower of the two, with the scales of that alpha
                const int64_t chosen = std::lround(k.bestAlpha * o.scaleGrid);
                QCOMPARE(k.losses[chosen].item<float>(), k.losses.masked_select(kept).min().item<float>());
                const int64_t sameAlphaInFull = std::lround(f.bestAlpha * o.scaleGrid);
                if (chosen == sameAlphaInFull)
                    QVERIFY(at::equal(k.scales, f.scales));
                ++groups;
            }
        QCOMPARE(groups, 3 * m.config.nLayers);

        o.scaleScreenKeep = 0;
        QVERIFY_THROWS_EXCEPTION(ArgumentError, checkAwqOptions(o));
        o.scaleScreenEvery = -1;
        QVERIFY_THROWS_EXCEPTION(ArgumentError, checkAwqOptions(o));
    }

    void attentionLossKeepsTheBestShareOfTheQueryKeyClipping()
    {
        Model m = loadModel(kModel);
        const at::Tensor calib = searchCalibration(m);
        AwqOptions o;
        o.quant = {3, 32, true};
        o.feed = AwqFeed::Fp; // every block sees FP input, so both searches find the same scales
        o.clipQueryKey = true;
        const AwqResult perLinear = runAwqSearch(m, calib, o);
        o.clipQueryKey = false;
        o.clipQueryKeyByAttention = true;
        const AwqResult byAttention = runAwqSearch(m, calib, o);

        // The attention loss of block 0 with q and k clipped at a share t of the per-linear
        // clipping, computed here through the public block transform: the FP block's input is the
        // embedding, the scales fold into the norm, q and k are pseudo-quantized, the rest stays FP.
        const BlockAwqResult& a = perLinear.blocks[0];
        const BlockWeights& fp = m.blocks[0];
        const RopeTable rope(m.config, calib.size(1));
        const at::Tensor x = embedTokens(m, calib); // 2 windows: all of them (4 x 512 sample tokens / 64)
        const at::Tensor fpOut = selfAttention(m.config, rope, fp, rmsNorm(x, fp.attnNorm, m.config.normEps));
        auto share = [](ClipSearch clip, double t) {
            const at::Tensor original = clip.maxVal / clip.ratio;
            clip.ratio = 1 + t * (clip.ratio - 1);
            clip.maxVal = original * clip.ratio;
            return clip;
        };
        auto attentionLoss = [&](double t) {
            BlockAwqResult r;
            r.scales = a.scales;
            r.clips = {share(a.clips[0], t), share(a.clips[1], t)};
            BlockWeights w = transformBlock(fp, &r);
            w.wq = pseudoQuantize(w.wq, o.quant);
            w.wk = pseudoQuantize(w.wk, o.quant);
            return (selfAttention(m.config, rope, w, rmsNorm(x, w.attnNorm, m.config.normEps)) - fpOut).pow(2).mean().item<double>();
        };

        for (size_t b = 0; b < byAttention.blocks.size(); ++b) {
            const BlockAwqResult &pl = perLinear.blocks[b], &ba = byAttention.blocks[b];
            QCOMPARE(ba.clips.size(), pl.clips.size()); // q, k, v, o, gate, up, down
            QCOMPARE(ba.clips[0].linear, std::string("q_proj"));
            QVERIFY(at::equal(ba.scales[0].scales, pl.scales[0].scales));
            for (size_t i = 2; i < ba.clips.size(); ++i) // only q and k differ
                QVERIFY(at::equal(ba.clips[i].maxVal, pl.clips[i].maxVal));
            // q and k keep one share t of the grid 0, 1/4, ..., 1 of their per-linear clipping
            const at::Tensor shrunk = pl.clips[0].ratio < 0.999;
            QVERIFY(shrunk.any().item<bool>());
            const double t = ((1 - ba.clips[0].ratio.masked_select(shrunk)) / (1 - pl.clips[0].ratio.masked_select(shrunk))).mean().item<double>();
            QVERIFY2(std::abs(t * 4 - std::round(t * 4)) < 1e-3, qPrintable(QString("block %1: share %2").arg(b).arg(t)));
            for (int i : {0, 1})
                QVERIFY(at::allclose(ba.clips[i].ratio, share(pl.clips[i], std::round(t * 4) / 4).ratio, 1e-5, 1e-6));
            if (b == 0) {
                const double kept = attentionLoss(std::round(t * 4) / 4);
                for (double other : {0.0, 0.25, 0.5, 0.75, 1.0})
                    QVERIFY2(kept <= attentionLoss(other) * (1 + 1e-5), qPrintable(QString("t=%1 kept, t=%2 better").arg(t).arg(other)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestAwqEngine)
#include "tst_awq_engine.moc"
