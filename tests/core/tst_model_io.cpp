// Model I/O: llama2.c checkpoints (tied, separate classifier, GQA) and their HF conversion compute
// the same function; Qwen2-style folders with q/k/v biases; bf16/f16 storage; and every load
// error names the file and the field or tensor that failed. Models are tiny and random, written by
// the test itself, so each case runs in milliseconds.
#include "core/base/error.h"
#include "core/io/hf_loader.h"
#include "core/io/hf_writer.h"
#include "core/io/llama2c_loader.h"
#include "core/io/model_loader.h"
#include "core/io/safetensors.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

using namespace awb;
namespace fs = std::filesystem;

namespace {

struct Dims {
    int32_t dim = 32, hidden = 48, layers = 2, heads = 4, kvHeads = 4, vocab = 40, seqLen = 16;
};

// The tensors a llama2.c v0 file holds, in file order, kept so the test can check where the
// loader found each of them.
struct Llama2cWeights {
    at::Tensor tokEmbedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, freqCis, classifier;
};

// Random weights scaled so that activations and logits stay O(1) through a few layers.
at::Tensor rnd(std::vector<int64_t> shape, double std = 0.2) { return at::randn(shape) * std; }

Llama2cWeights writeLlama2c(const std::string& path, const Dims& d, bool tied)
{
    const int64_t hd = d.dim / d.heads, kv = d.kvHeads * hd, L = d.layers;
    Llama2cWeights w;
    w.tokEmbedding = rnd({d.vocab, d.dim});
    w.rmsAtt = 1 + rnd({L, d.dim}, 0.1);
    w.wq = rnd({L, d.dim, d.dim});
    w.wk = rnd({L, kv, d.dim});
    w.wv = rnd({L, kv, d.dim});
    w.wo = rnd({L, d.dim, d.dim});
    w.rmsFfn = 1 + rnd({L, d.dim}, 0.1);
    w.w1 = rnd({L, d.hidden, d.dim});
    w.w2 = rnd({L, d.dim, d.hidden});
    w.w3 = rnd({L, d.hidden, d.dim});
    w.rmsFinal = 1 + rnd({d.dim}, 0.1);
    w.freqCis = rnd({d.seqLen, hd}); // freq_cis_real + freq_cis_imag, [seq_len, head_dim/2] each
    if (!tied)
        w.classifier = rnd({d.vocab, d.dim});
    const int32_t header[7] = {d.dim, d.hidden, d.layers, d.heads, d.kvHeads, tied ? d.vocab : -d.vocab, d.seqLen};
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    for (const at::Tensor* t : {&w.tokEmbedding, &w.rmsAtt, &w.wq, &w.wk, &w.wv, &w.wo, &w.rmsFfn, &w.w1, &w.w2, &w.w3,
                                &w.rmsFinal, &w.freqCis, &w.classifier}) {
        if (!t->defined())
            continue;
        const at::Tensor c = t->contiguous();
        out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * sizeof(float)));
    }
    return w;
}

// A small RotateHalf model built in memory (the layout of a Hugging Face checkpoint).
Model makeHfModel(const std::string& type, bool bias, bool tied, double ropeTheta)
{
    Model m;
    ModelConfig& c = m.config;
    c.modelType = type;
    c.dim = 32;
    c.hiddenDim = 48;
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = 2;
    c.headDim = 8;
    c.vocabSize = 40;
    c.maxSeqLen = 16;
    c.ropeTheta = ropeTheta;
    c.normEps = 1e-6;
    c.tiedEmbeddings = tied;
    c.qkvBias = bias;
    c.rope = RopeStyle::RotateHalf;
    m.tokEmbedding = rnd({c.vocabSize, c.dim}, 1.0);
    m.finalNorm = 1 + rnd({c.dim}, 0.1);
    m.lmHead = tied ? m.tokEmbedding : rnd({c.vocabSize, c.dim}, 0.5);
    for (int64_t i = 0; i < c.nLayers; ++i) {
        BlockWeights b;
        b.attnNorm = 1 + rnd({c.dim}, 0.1);
        b.wq = rnd({c.qDim(), c.dim});
        b.wk = rnd({c.kvDim(), c.dim});
        b.wv = rnd({c.kvDim(), c.dim});
        b.wo = rnd({c.dim, c.qDim()});
        if (bias) {
            // large enough to move the attention pattern visibly
            b.bq = rnd({c.qDim()}, 1.0);
            b.bk = rnd({c.kvDim()}, 1.0);
            b.bv = rnd({c.kvDim()}, 1.0);
        }
        b.ffnNorm = 1 + rnd({c.dim}, 0.1);
        b.wGate = rnd({c.hiddenDim, c.dim});
        b.wUp = rnd({c.hiddenDim, c.dim});
        b.wDown = rnd({c.dim, c.hiddenDim});
        m.blocks.push_back(std::move(b));
    }
    m.validateShapes("test model");
    return m;
}

at::Tensor logitsOf(const Model& m, const at::Tensor& tokens)
{
    RopeTable rope(m.config, tokens.size(1));
    return forward(m, rope, tokens);
}

at::Tensor randomTokens(const Model& m, int64_t batch = 2)
{
    return at::randint(0, m.config.vocabSize, {batch, m.config.maxSeqLen}, at::kLong);
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// ||a - b|| / ||b||: the error relative to the logits' own scale, independent of the model's size.
double normalisedError(const at::Tensor& a, const at::Tensor& b) { return ((a - b).norm() / b.norm()).item<double>(); }

LoadOptions noTokenizer()
{
    LoadOptions o;
    o.requireTokenizer = false;
    return o;
}

HfWriteOptions fp32Folder()
{
    HfWriteOptions o;
    o.dtype = at::kFloat;
    return o;
}

void writeJson(const std::string& path, const nlohmann::json& j)
{
    std::ofstream out(path);
    out << j.dump(2);
}

// Runs fn and checks that it throws E whose message contains every one of `needles`.
template <typename E>
bool throwsNaming(const std::function<void()>& fn, const std::vector<std::string>& needles, std::string* message = nullptr)
{
    try {
        fn();
    } catch (const E& e) {
        const std::string what = e.what();
        if (message)
            *message = what;
        for (const auto& n : needles) {
            if (what.find(n) == std::string::npos) {
                qWarning("message \"%s\" does not name \"%s\"", what.c_str(), n.c_str());
                return false;
            }
        }
        return true;
    } catch (const std::exception& e) {
        qWarning("wrong exception type: %s", e.what());
        return false;
    }
    qWarning("no exception");
    return false;
}

} // namespace

class TestModelIo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Seeded before every test function and data row, so each case sees the same random model
    // whether it runs alone or with the others.
    void init() { at::manual_seed(1234); }

    // --- llama2.c -> Model -> HF folder -------------------------------------------------------

    void llama2cConvertsToHfWithSameLogits_data()
    {
        QTest::addColumn<bool>("tied");
        QTest::addColumn<int>("kvHeads");
        QTest::newRow("separate classifier") << false << 4;
        QTest::newRow("tied") << true << 4;
        QTest::newRow("gqa") << true << 2;
        QTest::newRow("gqa, separate classifier") << false << 1;
    }
    void llama2cConvertsToHfWithSameLogits()
    {
        QFETCH(bool, tied);
        QFETCH(int, kvHeads);
        QTemporaryDir dir;
        const std::string bin = dir.filePath("model.bin").toStdString();
        Dims d;
        d.kvHeads = kvHeads;
        const Llama2cWeights w = writeLlama2c(bin, d, tied);
        QVERIFY(looksLikeLlama2c(bin));

        const Model m = loadModel(bin, noTokenizer());
        QCOMPARE(m.sourceFormat, std::string("llama2.c"));
        QCOMPARE(m.config.tiedEmbeddings, tied);
        QCOMPARE(m.config.vocabSize, int64_t(d.vocab));
        QCOMPARE(m.config.nKvHeads, int64_t(kvHeads));
        QCOMPARE(m.config.headDim, int64_t(d.dim / d.heads));
        QVERIFY(m.config.rope == RopeStyle::AdjacentPairs);
        // Every array was found at its offset: the last of each kind pins down the ones before it.
        QVERIFY(at::equal(m.tokEmbedding, w.tokEmbedding));
        QVERIFY(at::equal(m.blocks[1].wk, w.wk[1]));
        QVERIFY(at::equal(m.blocks[1].wGate, w.w1[1]));
        QVERIFY(at::equal(m.blocks[1].wDown, w.w2[1]));
        QVERIFY(at::equal(m.blocks[1].wUp, w.w3[1]));
        QVERIFY(at::equal(m.finalNorm, w.rmsFinal));
        if (tied) {
            QVERIFY(m.lmHead.is_same(m.tokEmbedding));
        } else {
            // the classifier comes after the RoPE tables, not in place of them
            QVERIFY(!at::equal(m.lmHead, m.tokEmbedding));
            QVERIFY(at::equal(m.lmHead, w.classifier));
        }

        const std::string hfDir = dir.filePath("hf").toStdString();
        writeHfFolder(m, hfDir, fp32Folder());
        const Model hf = loadModel(hfDir, noTokenizer());
        QCOMPARE(hf.sourceFormat, std::string("hf-safetensors"));
        QVERIFY(hf.config.rope == RopeStyle::RotateHalf);
        QCOMPARE(hf.config.tiedEmbeddings, tied);
        QCOMPARE(hf.config.nKvHeads, int64_t(kvHeads));
        QCOMPARE(SafetensorsFile(hfDir + "/model.safetensors").contains("lm_head.weight"), !tied);

        const at::Tensor tokens = randomTokens(m);
        const at::Tensor a = logitsOf(m, tokens), b = logitsOf(hf, tokens);
        QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{2, d.seqLen, d.vocab}));
        // The folder holds the same fp32 values with q/k rows permuted to rotate-half order, so the
        // two models compute the same function; only the order of fp32 sums inside the matmuls and
        // RoPE may differ. Logits here reach 3-5, where that rounding stays below 5e-6 (measured
        // over 30 seeds); a wrong permutation or a swapped classifier changes them by O(1).
        const double diff = maxAbsDiff(a, b);
        QVERIFY2(diff < 1e-5, qPrintable(QString("max |logits diff| %1").arg(diff)));
        qInfo("max |logits| %.3g, max |diff| %.3g", a.abs().max().item<double>(), diff);
        QVERIFY(a.abs().max().item<double>() > 0.5); // not trivially equal (all-zero logits)
    }

    // --- Qwen2-style folders ------------------------------------------------------------------

    void qwen2FolderWithBiasesLoadsAndRoundTrips()
    {
        QTemporaryDir dir;
        const std::string src = dir.filePath("qwen").toStdString();
        fs::create_directories(src);
        const Model ref = makeHfModel("qwen2", true, true, 1e6);
        // Written by hand the way Qwen2 checkpoints are: no lm_head (tied), biases on q/k/v only,
        // no attention_bias key (Qwen2 always has them), sliding window configured but unused.
        writeSafetensors(src + "/model.safetensors", hfTensors(ref, at::kFloat), {{"format", "pt"}});
        writeJson(src + "/config.json", {{"architectures", {"Qwen2ForCausalLM"}},
                                         {"model_type", "qwen2"},
                                         {"hidden_size", 32},
                                         {"intermediate_size", 48},
                                         {"num_hidden_layers", 2},
                                         {"num_attention_heads", 4},
                                         {"num_key_value_heads", 2},
                                         {"vocab_size", 40},
                                         {"max_position_embeddings", 16},
                                         {"max_window_layers", 2},
                                         {"rope_theta", 1000000.0},
                                         {"rms_norm_eps", 1e-6},
                                         {"tie_word_embeddings", true},
                                         {"use_sliding_window", false},
                                         {"sliding_window", 8},
                                         {"hidden_act", "silu"},
                                         {"bos_token_id", 1},
                                         {"eos_token_id", 2},
                                         {"torch_dtype", "float32"}});
        QVERIFY(!SafetensorsFile(src + "/model.safetensors").contains("lm_head.weight"));

        const Model m = loadModel(src, noTokenizer());
        QCOMPARE(m.config.modelType, std::string("qwen2"));
        QVERIFY(m.config.qkvBias);
        QVERIFY(m.config.tiedEmbeddings);
        QCOMPARE(m.config.ropeTheta, 1e6);
        QCOMPARE(m.config.maxSeqLen, int64_t(16)); // use_sliding_window false: the window does not cut the context
        QVERIFY(m.lmHead.is_same(m.tokEmbedding));
        for (size_t i = 0; i < m.blocks.size(); ++i) {
            QVERIFY(at::equal(m.blocks[i].bq, ref.blocks[i].bq));
            QVERIFY(at::equal(m.blocks[i].bk, ref.blocks[i].bk));
            QVERIFY(at::equal(m.blocks[i].bv, ref.blocks[i].bv));
        }
        const at::Tensor tokens = randomTokens(m);
        const at::Tensor logits = logitsOf(m, tokens);
        QVERIFY(at::equal(logits, logitsOf(ref, tokens)));

        // The biases take part in the forward pass: zeroing them changes the logits by O(1).
        Model noBias = m; // shallow: new tensors are assigned, the loaded ones stay untouched
        for (auto& b : noBias.blocks) {
            b.bq = at::zeros_like(b.bq);
            b.bk = at::zeros_like(b.bk);
            b.bv = at::zeros_like(b.bv);
        }
        const double biasEffect = maxAbsDiff(logits, logitsOf(noBias, tokens));
        QVERIFY2(biasEffect > 0.1, qPrintable(QString("biases moved logits by only %1").arg(biasEffect)));
        // rope_theta is used, not just parsed: the default 10000 gives other logits
        Model otherTheta = m;
        otherTheta.config.ropeTheta = 10000.0;
        QVERIFY(maxAbsDiff(logits, logitsOf(otherTheta, tokens)) > 1e-3);

        // writeHfFolder round trip: same config, same tensors bit for bit, same logits.
        const std::string out = dir.filePath("qwen-out").toStdString();
        writeHfFolder(m, out, fp32Folder());
        const Model back = loadModel(out, noTokenizer());
        QCOMPARE(toJson(back.config).dump(), toJson(m.config).dump());
        const NamedTensors before = hfTensors(m, at::kFloat), after = hfTensors(back, at::kFloat);
        QCOMPARE(after.size(), before.size());
        for (size_t i = 0; i < before.size(); ++i) {
            QCOMPARE(after[i].first, before[i].first);
            QVERIFY2(at::equal(after[i].second, before[i].second), before[i].first.c_str());
        }
        QVERIFY(at::equal(logitsOf(back, tokens), logits));
        const nlohmann::json config = readJsonFile(out + "/config.json");
        QCOMPARE(config["model_type"].get<std::string>(), std::string("qwen2"));
        QCOMPARE(config["rope_theta"].get<double>(), 1e6);
    }

    // --- half-precision storage ---------------------------------------------------------------

    void halfPrecisionFoldersForwardCloseToFp32_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::addColumn<QString>("name");
        QTest::addColumn<double>("bound");
        // Storing a weight rounds it to a relative error of at most u = 2^-8 (bf16, 8 significant
        // bits) or 2^-11 (f16, 11 bits). The roundings of embedding, blocks and lm_head add up to a
        // normalised logits error of 1.5-1.9 u on this model (measured over 12 seeds). A bound of
        // 4 u leaves margin yet sits far below the O(1) error of a wrongly decoded dtype.
        QTest::newRow("bf16") << int(at::kBFloat16) << "BF16" << 4.0 / 256;
        QTest::newRow("f16") << int(at::kHalf) << "F16" << 4.0 / 2048;
    }
    void halfPrecisionFoldersForwardCloseToFp32()
    {
        QFETCH(int, dtype);
        QFETCH(QString, name);
        QFETCH(double, bound);
        const auto type = static_cast<c10::ScalarType>(dtype);
        QTemporaryDir dir;
        const Model ref = makeHfModel("llama", false, false, 10000.0);
        const std::string out = dir.filePath("half").toStdString();
        HfWriteOptions o;
        o.dtype = type;
        writeHfFolder(ref, out, o);
        const Model m = loadModel(out, noTokenizer());
        QCOMPARE(QString::fromStdString(m.weightDtype), name);
        QVERIFY(m.tokEmbedding.scalar_type() == type); // kept as stored, upcast per block
        QVERIFY(m.blocks[0].wq.scalar_type() == type);

        const at::Tensor tokens = randomTokens(ref);
        const at::Tensor reference = logitsOf(ref, tokens);
        const at::Tensor half = logitsOf(m, tokens);
        QVERIFY(half.scalar_type() == at::kFloat);
        const double err = normalisedError(half, reference);
        qInfo("%s: normalised logits error %.3g", qPrintable(name), err);
        QVERIFY2(err < bound, qPrintable(QString("normalised error %1 >= %2").arg(err).arg(bound)));

        // The upcast itself loses nothing: fp32 weights rounded through the same dtype give the
        // same logits (the forward pass computes in fp32 either way).
        Model rounded = ref;
        auto roundTrip = [&](at::Tensor& t) { t = t.to(type).to(at::kFloat); };
        roundTrip(rounded.tokEmbedding);
        roundTrip(rounded.finalNorm);
        roundTrip(rounded.lmHead);
        for (auto& b : rounded.blocks) {
            roundTrip(b.attnNorm);
            roundTrip(b.ffnNorm);
            b.forEachLinear([&](const std::string&, at::Tensor& w) { roundTrip(w); });
        }
        QVERIFY(maxAbsDiff(half, logitsOf(rounded, tokens)) < 1e-5);
    }

    // --- errors name the file and the field or tensor ----------------------------------------

    void llama2cTruncatedWeights()
    {
        QTemporaryDir dir;
        const std::string bin = dir.filePath("cut.bin").toStdString();
        writeLlama2c(bin, Dims(), false);
        fs::resize_file(bin, fs::file_size(bin) - 4); // the classifier's last float is missing
        try {
            loadLlama2c(bin);
            QFAIL("no exception");
        } catch (const FormatError& e) {
            QCOMPARE(e.file(), bin);
            QCOMPARE(e.field(), std::string("weights"));
            QVERIFY2(std::string(e.what()).find(bin) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("truncated") != std::string::npos, e.what());
        }
        // the same through the generic entry point
        QVERIFY(throwsNaming<FormatError>([&] { loadModel(bin, noTokenizer()); }, {bin, "weights"}));
    }

    void llama2cHeadsNotDividingDim()
    {
        QTemporaryDir dir;
        const std::string bin = dir.filePath("heads.bin").toStdString();
        Dims d;
        d.dim = 30; // 4 heads do not divide 30
        d.heads = 4;
        d.kvHeads = 4;
        const int32_t header[7] = {d.dim, d.hidden, d.layers, d.heads, d.kvHeads, d.vocab, d.seqLen};
        {
            std::ofstream out(bin, std::ios::binary);
            out.write(reinterpret_cast<const char*>(header), sizeof header);
            out << std::string(100000, '\0');
        }
        try {
            loadModel(bin, noTokenizer());
            QFAIL("no exception");
        } catch (const FormatError& e) {
            QCOMPARE(e.file(), bin);
            QCOMPARE(e.field(), std::string("n_heads"));
            QVERIFY2(std::string(e.what()).find(bin + ": n_heads") != std::string::npos, e.what());
        }
    }

    void hfConfigErrors_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("replacement"); // JSON value, or empty to remove the key
        QTest::newRow("missing hidden_size") << "hidden_size" << "";
        QTest::newRow("unsupported model_type") << "model_type" << "\"gpt_neox\"";
        // rope_scaling variants are supported now (tst_conformance); a wrongly typed theta and a key
        // nobody knows are refused, naming the key
        QTest::newRow("rope_theta not a number") << "rope_theta" << R"("ten thousand")";
        QTest::newRow("unknown key") << "logit_scale" << "2.0";
    }
    void hfConfigErrors()
    {
        QFETCH(QString, key);
        QFETCH(QString, replacement);
        QTemporaryDir dir;
        const std::string out = dir.filePath("hf").toStdString();
        writeHfFolder(makeHfModel("llama", false, false, 10000.0), out, fp32Folder());
        nlohmann::json config = readJsonFile(out + "/config.json");
        if (replacement.isEmpty())
            config.erase(key.toStdString());
        else
            config[key.toStdString()] = nlohmann::json::parse(replacement.toStdString());
        writeJson(out + "/config.json", config);
        const std::string configPath = out + "/config.json";
        try {
            loadModel(out, noTokenizer());
            QFAIL("no exception");
        } catch (const FormatError& e) {
            QCOMPARE(e.file(), configPath);
            QCOMPARE(QString::fromStdString(e.field()), key);
            QVERIFY2(std::string(e.what()).find(configPath + ": " + key.toStdString()) != std::string::npos, e.what());
        }
    }

    void hfTensorWithWrongShape()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath("hf").toStdString();
        const Model m = makeHfModel("llama", false, false, 10000.0);
        writeHfFolder(m, out, fp32Folder());
        const std::string file = out + "/model.safetensors";
        const std::string bad = "model.layers.1.mlp.up_proj.weight";
        NamedTensors tensors = hfTensors(m, at::kFloat);
        for (auto& [name, t] : tensors)
            if (name == bad)
                t = at::zeros({m.config.hiddenDim, m.config.dim + 1});
        writeSafetensors(file, tensors);
        QVERIFY(throwsNaming<ShapeError>([&] { loadModel(out, noTokenizer()); }, {file, bad, "[48, 33]", "[48, 32]"}));
    }

    void hfIndexPointsToMissingShard()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath("sharded").toStdString();
        HfWriteOptions o;
        o.maxShardBytes = 16 * 1024; // a few shards for this tiny model
        writeHfFolder(makeHfModel("llama", false, false, 10000.0), out, o);
        const std::string index = out + "/model.safetensors.index.json";
        QVERIFY(fs::exists(index));
        const nlohmann::json j = readJsonFile(index);
        const std::string shard = j["weight_map"]["model.norm.weight"].get<std::string>();
        QVERIFY(shard != "model-00001-of-00001.safetensors");
        fs::remove(out + "/" + shard);
        // The loader reads the index in its (sorted) key order and stops at the first entry that
        // wants the missing shard; the message names the index, that entry and the missing file.
        std::string firstEntry;
        for (const auto& [name, file] : j["weight_map"].items())
            if (firstEntry.empty() && file.get<std::string>() == shard)
                firstEntry = name;
        try {
            loadModel(out, noTokenizer());
            QFAIL("no exception");
        } catch (const FormatError& e) {
            QCOMPARE(e.file(), index);
            QCOMPARE(e.field(), "weight_map." + firstEntry);
            QVERIFY2(std::string(e.what()).find(out + "/" + shard) != std::string::npos, e.what());
        }
    }

    void missingTokenizerWhenRequired()
    {
        QTemporaryDir dir;
        const std::string bin = dir.filePath("model.bin").toStdString();
        writeLlama2c(bin, Dims(), true);
        QVERIFY(throwsNaming<IoError>([&] { loadModel(bin); }, {bin, "tokenizer", "tok40.model", "--tokenizer"}));
        // not required: loads without one
        QVERIFY(!loadModel(bin, noTokenizer()).tokenizer);
        // HF folders the same
        const std::string out = dir.filePath("hf").toStdString();
        writeHfFolder(makeHfModel("llama", false, false, 10000.0), out, fp32Folder());
        QVERIFY(throwsNaming<IoError>([&] { loadModel(out); }, {out, "tokenizer"}));
    }

    void tokenizerLargerThanVocab()
    {
        QTemporaryDir dir;
        const std::string bin = dir.filePath("model.bin").toStdString();
        writeLlama2c(bin, Dims(), true); // vocab 40
        const std::string tokenizer = std::string(AWB_TEST_RESOURCES_DIR) + "/models/stories260K/tok512.model";
        LoadOptions o;
        o.tokenizerPath = tokenizer;
        QVERIFY(throwsNaming<ShapeError>([&] { loadModel(bin, o); }, {tokenizer, "512", "40"}));
        // a tokenizer found beside the model gets the same check
        fs::copy_file(tokenizer, dir.filePath("tokenizer.model").toStdString());
        QVERIFY(throwsNaming<ShapeError>([&] { loadModel(bin); }, {"tokenizer.model", "512", "40"}));
    }
};

QTEST_GUILESS_MAIN(TestModelIo)
#include "tst_model_io.moc"
