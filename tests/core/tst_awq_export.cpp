// AutoAWQ GEMM export and import on the embedded models: the exported folder computes what the
// in-memory pseudo-quantized model computes, its tensors have AutoAWQ's names, dtypes and shapes,
// shapes the format cannot hold are padded (FFN) or left unquantized, and writes are atomic.
#include "core/awqformat/awq_export.h"
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"
#include "core/base/error.h"
#include "core/io/hf_loader.h"
#include "core/io/hf_writer.h"
#include "core/io/model_loader.h"
#include "core/eval/perplexity.h"
#include "core/base/runtime.h"
#include "core/io/safetensors.h"
#include "core/tokenizer/text_source.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace awb;
namespace fs = std::filesystem;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kMha = kResources + "/models/stories260K/stories260K-mha192.bin";
const std::string kGqa = kResources + "/models/stories260K/stories260K.bin"; // GQA, FFN hidden 172
const std::string kEvalText = kResources + "/text/wikitext2-eval-lines2001-2400.txt";
const std::string kCalibText = kResources + "/text/tinystories-valid-sample.txt";
// The first 32 windows of the eval text (16k tokens) keep this a unit test; the whole file gives the
// same agreement (checked with awb eval on an exported folder).
constexpr size_t kEvalTokens = 32 * 511;

std::vector<int64_t> evalTokens(const Model& m)
{
    std::vector<int64_t> t = encodeEvalText(*m.tokenizer, kEvalText);
    t.resize(std::min(t.size(), kEvalTokens));
    return t;
}

double ppl(const Model& m, const std::vector<int64_t>& tokens) { return evaluatePerplexity(m, tokens, PerplexityOptions{}).ppl; }

AwqResult rtn(const QuantConfig& q)
{
    AwqResult r;
    r.method = "rtn";
    r.quant = q;
    return r;
}

// No "<dir>.tmp-*" or "<dir>.old-*" siblings: what AtomicDirectory builds in.
bool leftovers(const std::string& dir)
{
    const std::string base = fs::path(dir).filename().string();
    for (const auto& e : fs::directory_iterator(fs::path(dir).parent_path()))
        if (e.path().filename().string().rfind(base + ".", 0) == 0)
            return true;
    return false;
}

// Every linear of the imported model equals the in-memory pseudo-quantized weight (q/k rows in HF
// order, padding cut off and zero), to the fp16 rounding of the scales.
void compareWeights(const Model& fp, const AwqResult& result, const Model& imported, const std::vector<std::string>& unquantized)
{
    const int64_t hidden = fp.config.hiddenDim;
    for (size_t i = 0; i < fp.blocks.size(); ++i) {
        BlockWeights t = transformBlock(blockAsFloat(fp.blocks[i]), result.blocks.empty() ? nullptr : &result.blocks[i]);
        BlockWeights expected = pseudoQuantizeBlock(t, result.quant);
        BlockWeights got = blockAsFloat(imported.blocks[i]);
        for (const auto& name : unquantized)
            expected.linear(name) = t.linear(name); // left in FP (fp16)
        expected.wq = permuteForRotateHalf(expected.wq, fp.config.nHeads);
        expected.wk = permuteForRotateHalf(expected.wk, fp.config.nKvHeads);
        QVERIFY(at::all(got.wGate.slice(0, hidden) == 0).item<bool>());
        QVERIFY(at::all(got.wDown.slice(1, hidden) == 0).item<bool>());
        got.wGate = got.wGate.slice(0, 0, hidden);
        got.wUp = got.wUp.slice(0, 0, hidden);
        got.wDown = got.wDown.slice(1, 0, hidden);
        expected.forEachLinear([&](const std::string& name, at::Tensor& w) {
            const at::Tensor& g = got.linear(name);
            QCOMPARE(g.sizes().vec(), w.sizes().vec());
            // fp16 scales and fp16 dequantized values: a few parts in 10^3 of the largest weight
            const double tol = 2e-3 * w.abs().max().item<double>();
            if (!at::allclose(g, w, 0, tol))
                QFAIL(qPrintable(QString::fromStdString(name + " of block " + std::to_string(i) + " differs by " +
                                                        std::to_string((g - w).abs().max().item<double>()))));
        });
    }
}
} // namespace

class TestAwqExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { configureRuntime(); }

    void roundTripMatchesInMemoryQuantization_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("awq");
        QTest::addColumn<int>("expectedHidden");
        QTest::addRow("mha192 rtn") << QString::fromStdString(kMha) << false << 192;
        QTest::addRow("mha192 awq") << QString::fromStdString(kMha) << true << 192;
        QTest::addRow("gqa172 awq (padded)") << QString::fromStdString(kGqa) << true << 192;
    }
    void roundTripMatchesInMemoryQuantization()
    {
        QFETCH(QString, model);
        QFETCH(bool, awq);
        QFETCH(int, expectedHidden);
        const Model fp = loadModel(model.toStdString());
        const QuantConfig q{4, 32, true};
        AwqResult result = rtn(q);
        if (awq) {
            CalibrationOptions co;
            co.nBlocks = 4;
            co.seqLen = 128;
            co.longSamples = LongSamples::Split;
            const CalibrationSet calib = buildCalibrationSet(fp, {kCalibText}, co);
            AwqOptions ao;
            ao.quant = q;
            result = runAwqSearch(fp, calib.blocks, ao);
            result.calibrationSummary = calib.summary();
        }
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("export").toStdString();
        exportAutoAwq(fp, result, dir, ExportOptions{});
        QVERIFY(!leftovers(dir));

        const nlohmann::json config = readJsonFile(dir + "/config.json");
        QCOMPARE(config["intermediate_size"].get<int>(), expectedHidden);
        QVERIFY(config["quantization_config"]["modules_to_not_convert"].is_null());
        const Model imported = loadModel(dir);
        QCOMPARE(imported.weightDtype, std::string("AWQ-W4-G32"));
        QVERIFY(!imported.quantization.empty());
        QVERIFY(imported.config.rope == RopeStyle::RotateHalf);
        compareWeights(fp, result, imported, {});
        if (QTest::currentTestFailed())
            return;

        const std::vector<int64_t> tokens = evalTokens(fp);
        const double inMemory = ppl(applyAwqResult(fp, result), tokens);
        const double exported = ppl(imported, tokens);
        qInfo("ppl in memory %.4f, exported+imported %.4f", inMemory, exported);
        // the folder stores the scales in fp16 (the format's dtype), the in-memory model in fp32
        QVERIFY(std::abs(exported / inMemory - 1.0) < 0.005);
    }

    void tensorsHaveAutoAwqNamesDtypesAndShapes()
    {
        const Model fp = loadModel(kMha);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("export").toStdString();
        exportAutoAwq(fp, rtn({4, 32, true}), dir, ExportOptions{});
        SafetensorsFile st(dir + "/model.safetensors");
        const auto& c = fp.config;
        const std::map<std::string, std::pair<int64_t, int64_t>> linears = {
            {"q_proj", {c.qDim(), c.dim}},       {"k_proj", {c.kvDim(), c.dim}},     {"v_proj", {c.kvDim(), c.dim}},
            {"o_proj", {c.dim, c.qDim()}},       {"gate_proj", {c.hiddenDim, c.dim}}, {"up_proj", {c.hiddenDim, c.dim}},
            {"down_proj", {c.dim, c.hiddenDim}}};
        for (int64_t i = 0; i < c.nLayers; ++i) {
            for (const auto& [name, shape] : linears) {
                const auto [out, in] = shape;
                const std::string p = hfLinearPrefix(i, name);
                QVERIFY(!st.contains(p + ".weight"));
                QCOMPARE(st.info(p + ".qweight").dtype, std::string("I32"));
                QCOMPARE(st.info(p + ".qweight").shape, (std::vector<int64_t>{in, out / 8}));
                QCOMPARE(st.info(p + ".qzeros").dtype, std::string("I32"));
                QCOMPARE(st.info(p + ".qzeros").shape, (std::vector<int64_t>{in / 32, out / 8}));
                QCOMPARE(st.info(p + ".scales").dtype, std::string("F16"));
                QCOMPARE(st.info(p + ".scales").shape, (std::vector<int64_t>{in / 32, out}));
            }
            QCOMPARE(st.info("model.layers." + std::to_string(i) + ".input_layernorm.weight").dtype, std::string("F32"));
        }
        QCOMPARE(st.info("model.embed_tokens.weight").dtype, std::string("F32")); // the fp32 source's dtype
        QVERIFY(!st.contains("lm_head.weight"));                                   // tied
        QVERIFY(fs::exists(dir + "/tokenizer.model"));
        QVERIFY(fs::exists(dir + "/README.md"));

        const nlohmann::json qc = readJsonFile(dir + "/config.json")["quantization_config"];
        QCOMPARE(qc["quant_method"].get<std::string>(), std::string("awq"));
        QCOMPARE(qc["bits"].get<int>(), 4);
        QCOMPARE(qc["group_size"].get<int>(), 32);
        QCOMPARE(qc["zero_point"].get<bool>(), true);
        QCOMPARE(qc["version"].get<std::string>(), std::string("gemm"));
        QVERIFY(qc.contains("modules_to_not_convert"));
    }

    void shapesTheFormatCannotHoldArePaddedOrKeptFp_data()
    {
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("hidden");
        QTest::addColumn<QStringList>("unquantized");
        // dim 64 < 128: every linear reading the residual stream (and o_proj, 64 inputs) cannot
        // hold a group of 128; only down_proj (256 padded inputs) is quantized
        QTest::addRow("g128") << 128 << 256 << QStringList{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj"};
        QTest::addRow("g64") << 64 << 192 << QStringList{};
        // per channel: gate/up padded to 176 outputs, but down_proj's one group would take in the zeros
        QTest::addRow("g-1") << -1 << 176 << QStringList{"down_proj"};
    }
    void shapesTheFormatCannotHoldArePaddedOrKeptFp()
    {
        QFETCH(int, group);
        QFETCH(int, hidden);
        QFETCH(QStringList, unquantized);
        const Model fp = loadModel(kGqa);
        const AwqResult result = rtn({4, group, true});
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("export").toStdString();
        JobContext job;
        exportAutoAwq(fp, result, dir, ExportOptions{}, &job);
        const nlohmann::json config = readJsonFile(dir + "/config.json");
        QCOMPARE(config["intermediate_size"].get<int>(), hidden);
        QCOMPARE(config["quantization_config"]["group_size"].get<int>(), group);
        const nlohmann::json skip = config["quantization_config"]["modules_to_not_convert"];
        std::vector<std::string> names;
        SafetensorsFile st(dir + "/model.safetensors");
        for (const auto& n : unquantized) {
            const std::string name = n.toStdString();
            names.push_back(name);
            // modules_to_not_convert names are relative to the block, as AutoAWQ matches them
            const std::string prefix = hfLinearPrefix(0, name);
            const std::string rel = prefix.substr(std::string("model.layers.0.").size());
            QVERIFY2(std::find(skip.begin(), skip.end(), rel) != skip.end(), rel.c_str());
            QCOMPARE(st.info(hfLinearPrefix(0, name) + ".weight").dtype, std::string("F16"));
            QVERIFY(!st.contains(hfLinearPrefix(0, name) + ".qweight"));
        }
        if (unquantized.isEmpty())
            QVERIFY(skip.is_null());
        else
            QVERIFY(!job.warnings().empty()); // unconverted layers are announced
        const Model imported = loadModel(dir);
        QCOMPARE(imported.config.hiddenDim, int64_t(hidden));
        compareWeights(fp, result, imported, names);
        if (unquantized.isEmpty()) { // then the exported function is the in-memory one
            const std::vector<int64_t> tokens = evalTokens(fp);
            QVERIFY(std::abs(ppl(imported, tokens) / ppl(applyAwqResult(fp, result), tokens) - 1.0) < 0.005);
        }
    }

    void symmetricAndNon4BitExtension()
    {
        const Model fp = loadModel(kMha);
        QTemporaryDir tmp;
        // symmetric: zero points stored as 8, the same weights come back
        const std::string sym = tmp.filePath("sym").toStdString();
        exportAutoAwq(fp, rtn({4, 32, false}), sym, ExportOptions{});
        const Model a = loadModel(sym);
        QCOMPARE(a.weightDtype, std::string("AWQ-W4-G32-SYM"));
        compareWeights(fp, rtn({4, 32, false}), a, {});
        // 8 bits only through the awb extension
        const std::string w8 = tmp.filePath("w8").toStdString();
        QVERIFY_THROWS_EXCEPTION(ArgumentError, exportAutoAwq(fp, rtn({8, 32, true}), w8, ExportOptions{}));
        ExportOptions o;
        o.allowNon4Bit = true;
        exportAutoAwq(fp, rtn({8, 32, true}), w8, o);
        QCOMPARE(readJsonFile(w8 + "/config.json")["quantization_config"]["awb_extension"].get<std::string>(), std::string("packed-8bit"));
        compareWeights(fp, rtn({8, 32, true}), loadModel(w8), {});
    }

    void threeBitsAreRefused()
    {
        const Model fp = loadModel(kMha);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("w3").toStdString();
        try {
            exportAutoAwq(fp, rtn({3, 32, true}), dir, ExportOptions{});
            QFAIL("3 bits were exported");
        } catch (const ArgumentError& e) {
            QVERIFY(std::string(e.what()).find("4-bit weights only") != std::string::npos);
        }
        ExportOptions o;
        o.allowNon4Bit = true; // 3 does not divide 32: no packing even as an extension
        QVERIFY_THROWS_EXCEPTION(ArgumentError, exportAutoAwq(fp, rtn({3, 32, true}), dir, o));
        QVERIFY(!fs::exists(dir));
        QVERIFY(!leftovers(dir));
    }

    void cancelledExportLeavesNothing()
    {
        const Model fp = loadModel(kMha);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("cancelled").toStdString();
        JobContext before;
        before.cancel();
        QVERIFY_THROWS_EXCEPTION(Cancelled, exportAutoAwq(fp, rtn({4, 32, true}), dir, ExportOptions{}, &before));
        QVERIFY(!fs::exists(dir));
        // stopped half way through the blocks
        JobContext midway([](int64_t done, int64_t, const std::string&) { return done < 2; });
        QVERIFY_THROWS_EXCEPTION(Cancelled, exportAutoAwq(fp, rtn({4, 32, true}), dir, ExportOptions{}, &midway));
        QVERIFY(!fs::exists(dir));
        QVERIFY(!leftovers(dir));
    }

    void exportReplacesAnExistingFolderAtomically()
    {
        const Model fp = loadModel(kMha);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("out").toStdString();
        fs::create_directories(dir);
        std::ofstream(dir + "/stale.txt") << "old";
        ExportOptions o;
        o.maxShardBytes = 100'000; // forces shards + index
        exportAutoAwq(fp, rtn({4, 32, true}), dir, o);
        QVERIFY(!fs::exists(dir + "/stale.txt"));
        QVERIFY(fs::exists(dir + "/model.safetensors.index.json"));
        QVERIFY(!leftovers(dir));
        for (const auto& e : fs::directory_iterator(dir))
            QVERIFY(e.path().extension() != ".tmp");
        QCOMPARE(loadModel(dir).weightDtype, std::string("AWQ-W4-G32"));
        // a failed export (bad settings) leaves the previous folder as it was
        QVERIFY_THROWS_EXCEPTION(ArgumentError, exportAutoAwq(fp, rtn({3, 32, true}), dir, ExportOptions{}));
        QVERIFY(fs::exists(dir + "/model.safetensors.index.json"));
    }

    // LoadOptions::keepInt4Packed: the linears stay packed (no data in their slots) and compute what
    // the exact fp32 dequantization computes: bit for bit in a prefill (each block is dequantized, then
    // BLAS), to summation order in decode steps (the int4 GEMV). The GQA model: padded FFN, kv heads.
    void packedInt4ComputesTheDequantizedWeights()
    {
        const Model fp = loadModel(kGqa);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("w4").toStdString();
        exportAutoAwq(fp, rtn({4, 32, true}), dir, ExportOptions{});
        LoadOptions lo;
        lo.keepInt4Packed = true;
        const Model packed = loadModel(dir, lo);
        const Model fp16 = loadModel(dir); // dequantized at load and rounded to fp16, as AutoAWQ does
        for (size_t i = 0; i < packed.blocks.size(); ++i) {
            QCOMPARE(packed.blocks[i].packed.size(), size_t(7));
            QVERIFY(packed.blocks[i].wGate.is_meta());
            QCOMPARE(packed.blocks[i].wGate.sizes(), fp16.blocks[i].wGate.sizes());
        }
        const Model exact = withFloatWeights(packed);
        QVERIFY(exact.blocks[0].packed.empty() && !exact.blocks[0].wq.is_meta());
        // the exact weights differ from the fp16-rounded ones by that rounding only
        QVERIFY(at::allclose(exact.blocks[0].wDown, fp16.blocks[0].wDown.to(at::kFloat), 1e-3, 1e-6));

        const RopeTable rope(packed.config, 64);
        const at::Tensor tokens = at::randint(3, packed.config.vocabSize, {2, 48}, at::kLong);
        QVERIFY(at::equal(forward(packed, rope, tokens), forward(exact, rope, tokens)));

        KvCache a(packed.config, 2, 64), b(packed.config, 2, 64);
        float worst = 0;
        for (int64_t t = 0; t < 24; ++t) {
            const at::Tensor step = tokens.slice(1, t, t + 1);
            const at::Tensor la = forward(packed, rope, step, &a), lb = forward(exact, rope, step, &b);
            worst = std::max(worst, (la - lb).abs().max().item<float>() / lb.abs().max().item<float>());
        }
        qInfo("decode logits, packed int4 GEMV vs exact fp32 weights: worst relative difference %.2e", worst);
        QVERIFY(worst < 1e-4);

        const std::vector<int64_t> evalSet = evalTokens(fp);
        const double pPacked = ppl(packed, evalSet), pFp16 = ppl(fp16, evalSet);
        qInfo("ppl packed %.6f, dequantized to fp16 at load %.6f", pPacked, pFp16);
        QVERIFY(std::abs(pPacked / pFp16 - 1) < 1e-3);
    }

    void otherQuantMethodsAreRefused()
    {
        const Model fp = loadModel(kMha);
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath("gptq").toStdString();
        exportAutoAwq(fp, rtn({4, 32, true}), dir, ExportOptions{});
        nlohmann::json config = readJsonFile(dir + "/config.json");
        for (const char* method : {"gptq", "bitsandbytes"}) {
            config["quantization_config"]["quant_method"] = method;
            std::ofstream(dir + "/config.json") << config.dump();
            try {
                loadModel(dir);
                QFAIL("a non-AWQ checkpoint loaded");
            } catch (const FormatError& e) {
                QCOMPARE(e.field(), std::string("quantization_config.quant_method"));
            }
        }
        config["quantization_config"]["quant_method"] = "AWQ"; // case-insensitive
        config["quantization_config"]["version"] = "GEMV";
        std::ofstream(dir + "/config.json") << config.dump();
        try {
            loadModel(dir);
            QFAIL("a GEMV checkpoint loaded");
        } catch (const FormatError& e) {
            QCOMPARE(e.field(), std::string("quantization_config.version"));
        }
        config["quantization_config"]["version"] = "GEMM";
        std::ofstream(dir + "/config.json") << config.dump();
        QCOMPARE(loadModel(dir).weightDtype, std::string("AWQ-W4-G32"));
    }
};

QTEST_GUILESS_MAIN(TestAwqExport)
#include "tst_awq_export.moc"
