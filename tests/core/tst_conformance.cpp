// Conformance with transformers: tiny random models written by transformers itself
// (bench/tools/make_conformance_models.py, committed under tests/data/conformance/) in both
// config.json layouts, one per architecture and RoPE variant, with the logits transformers
// computed for fixed ids. Our forward must reproduce them; our export of each (the awb convert
// path, writeHfFolder) must load back to the same model; and the three defects of issue 16 (RoPE
// theta under rope_parameters, eos precedence, files dropped by export) each have a check that the
// old code fails.
#include "core/awqformat/awq_export.h"
#include "core/base/error.h"
#include "core/io/hf_companion_files.h"
#include "core/io/hf_config.h"
#include "core/io/hf_loader.h"
#include "core/io/hf_writer.h"
#include "core/io/model_loader.h"
#include "core/io/safetensors.h"
#include "core/io/special_tokens.h"
#include "core/model/rope.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <map>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace awb;
namespace fs = std::filesystem;

namespace {

const std::string kData = std::string(AWB_TEST_DATA_DIR) + "/conformance";
const QString kCli = QStringLiteral(AWB_CLI_PATH);

// Normalised error ||ours - ref|| / ||ref||. Both sides compute in fp32 from the same bf16 weights;
// what differs is summation order (libtorch C++ here, torch 1.13 BLAS there), which leaves ~1e-7
// per element; measured 3e-7..7e-7 for every variant (2025, this machine). 1e-4 is far below any variant mix-up: the smallest change
// checked below (theta 100000 read as 10000) moves these logits by more than 1e-2.
constexpr double kTolerance = 1e-4;

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

nlohmann::json manifest() { return readJsonFile(kData + "/manifest.json"); }

struct Expected {
    at::Tensor ids;    // [T] int64
    at::Tensor logits; // [T, V] fp32, transformers 4.46.3 eager forward (see manifest.json)
};

Expected expected(const std::string& name)
{
    SafetensorsFile f(kData + "/expected/" + name + ".safetensors");
    return {f.tensor("input_ids").clone(), f.tensor("logits").clone()};
}

at::Tensor logitsOf(const Model& m, const at::Tensor& ids)
{
    RopeTable rope(m.config, ids.size(0));
    return forward(m, rope, ids.unsqueeze(0)).squeeze(0);
}

double relError(const at::Tensor& a, const at::Tensor& b)
{
    return (a - b).norm().item<double>() / b.norm().item<double>();
}

Model load(const std::string& dir)
{
    LoadOptions o;
    o.requireTokenizer = false;
    return loadModel(dir, o);
}

// A copy of a conformance folder the test may edit.
std::string copyVariant(const std::string& name, const QTemporaryDir& tmp)
{
    const fs::path dst = fs::path(tmp.path().toStdString()) / name;
    fs::copy(kData + "/" + name, dst, fs::copy_options::recursive);
    return dst.string();
}

void writeJson(const fs::path& path, const nlohmann::json& j)
{
    std::ofstream(path) << j.dump(2) << "\n";
}

// Expects readHfConfig to refuse `config` with a FormatError naming `field`.
void expectRefused(const nlohmann::json& config, const std::string& field)
{
    try {
        readHfConfig(config, "config.json");
        QFAIL(("accepted, expected a refusal naming " + field).c_str());
    } catch (const FormatError& e) {
        QVERIFY2(e.field() == field, (e.field() + " != " + field + ": " + e.what()).c_str());
        QVERIFY2(std::string(e.what()).find("config.json") != std::string::npos, e.what());
    }
}

nlohmann::json baseConfig() { return readJsonFile(kData + "/llama-default/config.json"); }

} // namespace

class TestConformance : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void logitsMatchTransformers_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("ropeType");
        const nlohmann::json m = manifest(); // kept alive: the loop walks into it
        for (const auto& v : m["variants"])
            QTest::newRow(v["name"].get<std::string>().c_str())
                << QString::fromStdString(v["name"].get<std::string>()) << QString::fromStdString(v["rope_type"].get<std::string>());
    }
    void logitsMatchTransformers()
    {
        QFETCH(QString, name);
        QFETCH(QString, ropeType);
        const Model m = load(kData + "/" + name.toStdString());
        QCOMPARE(QString(ropeTypeName(m.config.ropeScaling.type)), ropeType);
        const Expected e = expected(name.toStdString());
        const double err = relError(logitsOf(m, e.ids), e.logits);
        qInfo().noquote() << name << ropeType << "normalised logits error" << err;
        QVERIFY2(err < kTolerance, qPrintable(name + ": normalised error " + QString::number(err)));
    }

    // The awb convert path: writeHfFolder, then load the folder back: same config, the same weights
    // bit for bit (f32 holds bf16 exactly), the same logits up to summation order (a short input reads
    // bf16 weights directly, core/model/decode_gemv.h, and f32 ones through BLAS), every companion
    // file carried.
    void exportLoadsBackIdentically_data() { logitsMatchTransformers_data(); }
    void exportLoadsBackIdentically()
    {
        QFETCH(QString, name);
        QFETCH(QString, ropeType);
        const std::string src = kData + "/" + name.toStdString();
        const Model m = load(src);
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        writeHfFolder(m, out, {at::kFloat, 0});
        const Model back = load(out);
        QCOMPARE(toJson(back.config).dump(), toJson(m.config).dump());
        const Expected e = expected(name.toStdString());
        std::map<std::string, at::Tensor> weights;
        m.forEachTensor([&](const std::string& n, const at::Tensor& t) { weights[n] = t.to(at::kFloat); });
        back.forEachTensor([&](const std::string& n, const at::Tensor& t) {
            QVERIFY2(weights.count(n) && at::equal(t.to(at::kFloat), weights[n]), n.c_str());
            weights.erase(n);
        });
        QVERIFY(weights.empty());
        QVERIFY(relError(logitsOf(back, e.ids), logitsOf(m, e.ids)) < 1e-6);
        // every key of the source config.json keeps its value (both layouts)
        const nlohmann::json srcConfig = readJsonFile(src + "/config.json"), outConfig = readJsonFile(out + "/config.json");
        for (const auto& item : srcConfig.items())
            QVERIFY2(outConfig.contains(item.key()) && outConfig[item.key()] == item.value(), item.key().c_str());
        for (const auto& f : hfCompanionFileNames())
            if (fs::exists(fs::path(src) / f))
                QVERIFY2(readText(fs::path(src) / f) == readText(fs::path(out) / f), f.c_str());
    }

    // Defect 1: transformers 5 keeps theta in rope_parameters; the old loader read 10000.
    void ropeParametersThetaIsHonoured()
    {
        const Model m = load(kData + "/smollm2-t5");
        QCOMPARE(m.config.ropeTheta, 100000.0);
        Model wrong = m;
        wrong.config.ropeTheta = 10000.0; // what the old loader silently used
        const Expected e = expected("smollm2-t5");
        QVERIFY(relError(logitsOf(wrong, e.ids), e.logits) > 100 * kTolerance);
    }

    // Defect 2: config.json's eos (<|im_end|> = 2) beats the tokenizer.json guess (<|endoftext|> = 0).
    void eosFromConfigBeatsTokenizerHeuristic()
    {
        const Model m = loadModel(kData + "/smollm2-t5");
        QVERIFY(m.tokenizer);
        QCOMPARE(m.tokenizer->eosId(), int64_t(0)); // the heuristic alone
        QCOMPARE(m.config.eosId, int64_t(2));
        QCOMPARE(m.config.allEosIds(), std::vector<int64_t>{2});
        QCOMPARE(m.config.bosId, int64_t(1));
        QTemporaryDir tmp;
        writeHfFolder(m, tmp.path().toStdString() + "/out", {at::kBFloat16, 0});
        QCOMPARE(readJsonFile(tmp.path().toStdString() + "/out/config.json")["eos_token_id"], nlohmann::json(2));
    }

    // Llama-3: eos_token_id lists are kept whole, and generation stops at any of them.
    void eosListsAreKept()
    {
        const Model m = loadModel(kData + "/llama32-tied");
        QCOMPARE(m.config.allEosIds(), (std::vector<int64_t>{1010, 1011}));
        QVERIFY(m.config.isEos(1011) && m.config.isEos(1010) && !m.config.isEos(1009));
        QCOMPARE(m.config.bosId, int64_t(1009));
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        writeHfFolder(m, out, {at::kFloat, 0});
        QCOMPARE(readJsonFile(out + "/config.json")["eos_token_id"], nlohmann::json({1010, 1011}));
        QCOMPARE(readJsonFile(out + "/generation_config.json")["eos_token_id"], nlohmann::json({1010, 1011}));
    }

    // generation_config.json > config.json > tokenizer_config.json > tokenizer.json heuristics.
    void specialTokenPrecedence()
    {
        QTemporaryDir tmp;
        const fs::path dir = copyVariant("llama32-tied", tmp);
        nlohmann::json gen = readJsonFile((dir / "generation_config.json").string());
        gen["eos_token_id"] = 1011;
        writeJson(dir / "generation_config.json", gen);
        QCOMPARE(loadModel(dir.string()).config.allEosIds(), std::vector<int64_t>{1011});
        fs::remove(dir / "generation_config.json");
        nlohmann::json config = readJsonFile((dir / "config.json").string());
        config["eos_token_id"] = 1010;
        writeJson(dir / "config.json", config);
        QCOMPARE(loadModel(dir.string()).config.allEosIds(), std::vector<int64_t>{1010});
        config.erase("eos_token_id");
        writeJson(dir / "config.json", config);
        QCOMPARE(loadModel(dir.string()).config.allEosIds(), std::vector<int64_t>{1011}); // tokenizer_config: <|eot_id|>
        fs::remove(dir / "tokenizer_config.json");
        QCOMPARE(loadModel(dir.string()).config.allEosIds(), std::vector<int64_t>{1010}); // tokenizer.json: <|end_of_text|>
        // a wrongly typed id is a FormatError naming file and key, not a raw JSON exception
        config["eos_token_id"] = "two";
        writeJson(dir / "config.json", config);
        try {
            loadModel(dir.string());
            QFAIL("accepted eos_token_id \"two\"");
        } catch (const FormatError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("eos_token_id"));
        }
    }

    // Defect 3: export carries generation_config.json, chat templates (file or inside
    // tokenizer_config.json), special_tokens_map.json, and keeps the source's torch_dtype.
    void exportCarriesCompanionFiles_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("llama32-tied") << QString("llama32-tied");
        QTest::newRow("smollm2-t5") << QString("smollm2-t5");
    }
    void exportCarriesCompanionFiles()
    {
        QFETCH(QString, name);
        const std::string src = kData + "/" + name.toStdString();
        const Model m = loadModel(src);
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        writeHfFolder(m, out, {at::kFloat, 0});
        int carried = 0;
        for (const char* f : {"generation_config.json", "chat_template.jinja", "tokenizer_config.json", "special_tokens_map.json",
                              "tokenizer.json"}) {
            if (!fs::exists(fs::path(src) / f))
                continue;
            QVERIFY2(fs::exists(fs::path(out) / f), f);
            QVERIFY2(readText(fs::path(src) / f) == readText(fs::path(out) / f), f);
            ++carried;
        }
        QVERIFY(carried >= 4);
        const nlohmann::json c = readJsonFile(out + "/config.json");
        const char* dtypeKey = c.contains("dtype") ? "dtype" : "torch_dtype";
        QCOMPARE(c[dtypeKey], nlohmann::json("bfloat16")); // the source's, though the weights went out as f32
    }

    // A Llama-3.2-shaped folder (rope_scaling llama3, eos list, tied) goes through AutoAWQ export
    // (RTN) whole: config.json keeps every source key but the quantization ones, generation config
    // and chat template are byte-identical, and the folder loads back (dequantized) close to the FP model.
    void llama32QuantizedExportIsWhole()
    {
        const std::string src = kData + "/llama32-tied";
        const Model m = loadModel(src);
        AwqResult rtn;
        rtn.method = "rtn";
        rtn.quant.wBit = 4;
        rtn.quant.groupSize = 16;
        rtn.quant.zeroPoint = true;
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/awq";
        exportAutoAwq(m, rtn, out, {});
        const nlohmann::json srcConfig = readJsonFile(src + "/config.json"), outConfig = readJsonFile(out + "/config.json");
        for (const auto& item : srcConfig.items())
            QVERIFY2(outConfig[item.key()] == item.value(), item.key().c_str());
        QCOMPARE(outConfig["quantization_config"]["quant_method"], nlohmann::json("awq"));
        for (const char* f : {"generation_config.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"})
            QVERIFY2(readText(fs::path(src) / f) == readText(fs::path(out) / f), f);
        const Model q = loadModel(out);
        QCOMPARE(q.config.ropeScaling.type, RopeType::Llama3);
        QCOMPARE(q.config.allEosIds(), (std::vector<int64_t>{1010, 1011}));
        const Expected e = expected("llama32-tied");
        const double err = relError(logitsOf(q, e.ids), e.logits);
        QVERIFY2(err < 0.5, qPrintable(QString::number(err))); // 4-bit RTN of a random model: close, not equal
    }

    // The CLI on the Llama-3.2-shaped folder: inspect names the RoPE variant, eval runs, quantize
    // --method rtn --out writes a folder that inspect reads back.
    void llama32ThroughTheCli()
    {
        const QString src = QString::fromStdString(kData + "/llama32-tied");
        auto run = [](const QStringList& args) {
            QProcess p;
            p.start(kCli, args);
            p.waitForFinished(300000);
            if (p.exitCode() != 0)
                qWarning().noquote() << p.readAllStandardError();
            return std::make_pair(p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()));
        };
        auto lastJson = [](const QString& out) { return nlohmann::json::parse(out.trimmed().split('\n').last().toStdString()); };
        auto [code, out] = run({"inspect", "--model", src, "--json"});
        QCOMPARE(code, 0);
        nlohmann::json j = lastJson(out);
        QCOMPARE(j["rope_type"], nlohmann::json("llama3"));
        QCOMPARE(j["rope_scaling"]["factor"], nlohmann::json(32.0));
        QCOMPARE(j["eos_token_ids"], nlohmann::json({1010, 1011}));
        std::tie(code, out) = run({"inspect", "--model", src});
        QCOMPARE(code, 0);
        QVERIFY2(out.contains("rope       llama3"), qPrintable(out));
        QTemporaryDir tmp;
        const QString text = tmp.path() + "/text.txt";
        std::ofstream(text.toStdString()) << "Once upon a time there was a little model.\nIt liked to quantize.\n"
                                          << "The end of the story was near, and the model was happy.\n";
        std::tie(code, out) = run({"eval", "--model", src, "--text", text, "--seqlen", "8", "--json"});
        QCOMPARE(code, 0);
        QVERIFY(lastJson(out)["ppl"].get<double>() > 1);
        const QString awq = tmp.path() + "/awq";
        std::tie(code, out) = run({"quantize", "--model", src, "--calib", text, "--w-bit", "4", "--group-size", "16",
                                   "--n-samples", "1", "--seqlen", "8", "--long-samples", "split", "--out", awq, "--json"});
        QCOMPARE(code, 0);
        std::tie(code, out) = run({"inspect", "--model", awq, "--json"});
        QCOMPARE(code, 0);
        j = lastJson(out);
        QCOMPARE(j["rope_type"], nlohmann::json("llama3"));
        QVERIFY(fs::exists(awq.toStdString() + "/generation_config.json"));
    }

    // Everything that changes the computation is honoured or refused, naming the key.
    void refusals()
    {
        nlohmann::json c = baseConfig();
        c["some_new_knob"] = 3;
        expectRefused(c, "some_new_knob");
        c = baseConfig();
        c["rope_scaling"] = {{"rope_type", "longrope"}, {"factor", 2.0}};
        expectRefused(c, "rope_scaling.rope_type");
        c = baseConfig();
        c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 2.0}, {"mscale", 0.7}};
        expectRefused(c, "rope_scaling.mscale");
        c = baseConfig();
        c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
        expectRefused(c, "rope_scaling.low_freq_factor");
        c = baseConfig();
        c["rope_theta"] = "big";
        expectRefused(c, "rope_theta");
        c = baseConfig();
        c["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 500000.0}};
        expectRefused(c, "rope_parameters.rope_theta"); // contradicts rope_theta 10000
        c = baseConfig();
        c["model_type"] = "gemma";
        expectRefused(c, "model_type");
        c = baseConfig();
        c["model_type"] = 7;
        expectRefused(c, "model_type");
        c = baseConfig();
        c["architectures"] = {"LlamaForSequenceClassification"};
        expectRefused(c, "architectures");
        c = baseConfig();
        c["hidden_act"] = "gelu";
        expectRefused(c, "hidden_act");
        c = baseConfig();
        c["mlp_bias"] = true;
        expectRefused(c, "mlp_bias");
        c = baseConfig();
        c["partial_rotary_factor"] = 0.5;
        expectRefused(c, "partial_rotary_factor");
        c = baseConfig();
        c["rope_scaling"] = {{"rope_type", "dynamic"}, {"factor", 2.0}, {"original_max_position_embeddings", 32}};
        expectRefused(c, "rope_scaling.original_max_position_embeddings"); // 32 != max_position_embeddings 64
        // both layouts at once are fine when they agree
        c = baseConfig();
        c["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 10000.0}};
        QCOMPARE(readHfConfig(c, "config.json").ropeTheta, 10000.0);
    }

    // llama3 frequencies against numbers worked out by hand from transformers'
    // _compute_llama3_parameters (theta 500000, d 8, factor 32, low 1, high 4, original 8).
    void llama3FrequenciesByHand()
    {
        ModelConfig c = readHfConfig(readJsonFile(kData + "/llama3-classic/config.json"), "config.json");
        const at::Tensor f = ropeFrequencies(c, 16).invFreq;
        // default 500000^(-i/4): 1, 0.0375, 0.00141, 5.3e-5; wavelengths 6.28, 167, 4443, 118000 are
        // all above old/low = 8, so every frequency is divided by 32
        const at::Tensor plain = 1.0 / at::pow(at::scalar_tensor(500000.0f), at::arange(0, 8, 2, at::kFloat) / 8.0f);
        QVERIFY(at::allclose(f.slice(0, 1), plain.slice(0, 1) / 32.0));
        // wavelength 6.28 lies between old/high = 2 and old/low = 8: smooth = (8/6.283 - 1)/3 = 0.0911
        const double smooth = (8.0 / (2 * M_PI) - 1.0) / 3.0;
        QVERIFY(std::abs(f[0].item<double>() - ((1 - smooth) / 32.0 + smooth)) < 1e-6);
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
