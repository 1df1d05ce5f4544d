// Malformed and hostile inputs (issue 13): each file is built in a temporary folder and must end in
// an awb error naming the file (and the field where there is one), never a crash, a raw library
// exception, an allocation of what the file declares, or a leftover temporary. The CLI cases check
// the exit code (1 runtime error, 2 bad argument) and a one-line message. Kept fast (< 30 s).
#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/eval/probe_set.h"
#include "core/io/llama2c_header.h"
#include "core/io/model_loader.h"
#include "core/io/safetensors.h"
#include "core/quant/awq_result.h"
#include "core/store/result_store.h"
#include "core/store/stored_sweep.h"
#include "core/store/sweep_point_awq.h"
#include "core/store/sweep_store.h"
#include "core/tokenizer/bpe_tokenizer.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sys/mount.h>

namespace fs = std::filesystem;
using namespace awb;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kTestData = AWB_TEST_DATA_DIR;
const std::string kModel = kResources + "/models/stories260K/stories260K.bin";
const QString kCli = QStringLiteral(AWB_CLI_PATH);

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A safetensors file: 8-byte little-endian header length, the header, `dataBytes` zero bytes.
std::string safetensorsBytes(const std::string& header, size_t dataBytes, uint64_t declaredLength = UINT64_MAX)
{
    const uint64_t n = declaredLength == UINT64_MAX ? header.size() : declaredLength;
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>(n >> (8 * i));
    return out + header + std::string(dataBytes, '\0');
}

// True when fn throws a FormatError whose file is `file`, whose field contains `field` and whose
// message names the file; anything else (another type, a raw library exception, no exception) fails.
bool formatErrorNaming(const std::function<void()>& fn, const std::string& file, const std::string& field)
{
    try {
        fn();
    } catch (const FormatError& e) {
        const bool ok = e.file() == file && e.field().find(field) != std::string::npos &&
                        std::string(e.what()).find(file) != std::string::npos;
        if (!ok)
            qWarning("FormatError file \"%s\" field \"%s\": %s (wanted %s, %s)", e.file().c_str(), e.field().c_str(), e.what(),
                     file.c_str(), field.c_str());
        return ok;
    } catch (const std::exception& e) {
        qWarning("not a FormatError: %s", e.what());
        return false;
    }
    qWarning("no exception");
    return false;
}

template <typename E>
bool throwsNaming(const std::function<void()>& fn, const std::string& needle)
{
    try {
        fn();
    } catch (const E& e) {
        if (std::string(e.what()).find(needle) != std::string::npos)
            return true;
        qWarning("message \"%s\" does not name \"%s\"", e.what(), needle.c_str());
        return false;
    } catch (const std::exception& e) {
        qWarning("wrong exception type: %s", e.what());
        return false;
    }
    qWarning("no exception");
    return false;
}

// The names in a folder: what a failed write must not add to.
std::set<std::string> listing(const std::string& dir)
{
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.insert(e.path().filename().string());
    return names;
}

struct Run {
    int code;
    QString out, err;
};

Run runCli(const QStringList& args)
{
    QProcess p;
    p.start(kCli, args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// The contract for a refused input: exit code 1 or 2 as given (0 = either), and one error line, the
// last on stderr (progress and log lines may come before it), naming `needle`.
bool refused(const Run& r, int code, const QString& needle)
{
    const QStringList lines = r.err.trimmed().split('\n');
    const bool codeOk = code == 0 ? (r.code == 1 || r.code == 2) : r.code == code;
    const bool ok = codeOk && lines.filter(QRegularExpression("^error: ")).size() == 1 && lines.last().startsWith("error: ") &&
                    lines.last().contains(needle);
    if (!ok)
        qWarning("exit %d (wanted %d), stderr: %s", r.code, code, qPrintable(r.err));
    return ok;
}

// A tmpfs of `kib` KiB on dir (the test runs as root in CI; elsewhere the full-disk cases skip).
bool mountSmallTmpfs(const std::string& dir, int kib)
{
    const std::string options = "size=" + std::to_string(kib) + "k";
    return ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
}
} // namespace

class TestHostileInputs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- safetensors ---------------------------------------------------------------------------

    void safetensorsHeader_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("field");
        auto row = [](const char* name, const std::string& bytes, const char* field) {
            QTest::newRow(name) << QByteArray(bytes.data(), static_cast<int>(bytes.size())) << QString(field);
        };
        row("empty file", "", "header length");
        row("truncated length", std::string(5, '\x10'), "header length");
        row("absurd header length", safetensorsBytes("{}", 0, uint64_t(1) << 63), "header length");
        row("header past the end", safetensorsBytes("{}", 0, 1000), "header length");
        row("invalid JSON", safetensorsBytes("{\"w\": [", 0), "header");
        row("not an object", safetensorsBytes("[1, 2]", 0), "header");
        row("number overflow", safetensorsBytes("{\"w\": 1e999}", 0), "header");
        row("offsets past the end", safetensorsBytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8), "w");
        // 2^61 x 8 bytes wraps to 0 in 64 bits: [0, 0] must not pass as its byte range
        row("product wraps to zero", safetensorsBytes(R"({"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", 0), "w");
        row("huge shape, empty range", safetensorsBytes(R"({"w":{"dtype":"F32","shape":[65536,65536,65536],"data_offsets":[0,0]}})", 0), "w");
        // a zero dimension makes the product 0, but the other one does not fit an int64 shape
        row("dimension past int64", safetensorsBytes(R"({"w":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}})", 0), "w");
        row("shape x dtype mismatch", safetensorsBytes(R"({"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,8]}})", 8), "w");
        row("string shape", safetensorsBytes(R"({"w":{"dtype":"F32","shape":"4","data_offsets":[0,16]}})", 16), "w");
        row("float offsets", safetensorsBytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0.0,16.0]}})", 16), "w");
        row("rank 17", safetensorsBytes(R"({"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4), "w");
        row("metadata not strings", safetensorsBytes(R"({"__metadata__":{"format":3}})", 0), "__metadata__.format");
    }
    void safetensorsHeader()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, field);
        QTemporaryDir dir;
        const std::string path = dir.filePath("model.safetensors").toStdString();
        writeBytes(path, bytes.toStdString());
        QVERIFY(formatErrorNaming([&] { SafetensorsFile f(path); }, path, field.toStdString()));
    }

    // --- llama2.c ------------------------------------------------------------------------------

    void llama2cHeader_data()
    {
        QTest::addColumn<QList<int>>("header");
        QTest::addColumn<QString>("field");
        QTest::newRow("vocab INT32_MIN") << QList<int>{64, 172, 5, 8, 4, INT32_MIN, 512} << "vocab_size";
        QTest::newRow("negative dim") << QList<int>{-64, 172, 5, 8, 4, 512, 512} << "dim";
        QTest::newRow("zero kv heads") << QList<int>{64, 172, 5, 8, 0, 512, 512} << "n_kv_heads";
        QTest::newRow("kv heads not dividing") << QList<int>{64, 172, 5, 8, 3, 512, 512} << "n_kv_heads";
        QTest::newRow("absurd dim") << QList<int>{INT32_MAX, 172, 5, 1, 1, 512, 512} << "dim";
        // every factor allowed, their product is not: 2^24 layers of 2^24 x 2^24 matrices
        QTest::newRow("product overflows") << QList<int>{1 << 24, 1 << 24, 1 << 24, 1 << 2, 1 << 2, 1 << 24, 1 << 24} << "header";
        QTest::newRow("plausible but truncated") << QList<int>{4096, 11008, 32, 32, 32, 32000, 2048} << "weights";
    }
    void llama2cHeader()
    {
        QFETCH(QList<int>, header);
        QFETCH(QString, field);
        QTemporaryDir dir;
        const std::string path = dir.filePath("model.bin").toStdString();
        std::string bytes(28, '\0');
        for (int i = 0; i < 7; ++i) {
            const int32_t v = header[i];
            std::memcpy(&bytes[4 * i], &v, 4);
        }
        writeBytes(path, bytes + std::string(4096, '\0'));
        LoadOptions o;
        o.requireTokenizer = false;
        QVERIFY(formatErrorNaming([&] { loadModel(path, o); }, path, field.toStdString()));
    }

    void llama2cShortHeader()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("model.bin").toStdString();
        writeBytes(path, readBytes(kModel).substr(0, 20));
        QVERIFY(formatErrorNaming([&] { parseLlama2cHeader(reinterpret_cast<const uint8_t*>("x"), 1, 20, path); }, path, "header"));
        LoadOptions o;
        o.requireTokenizer = false;
        QVERIFY(formatErrorNaming([&] { loadModel(path, o); }, path, "header"));
    }

    // --- Hugging Face folders: config.json, the shard index, missing files ---------------------

    void hfConfig_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("json"); // the value set in a valid config.json
        QTest::addColumn<QString>("field");
        QTest::newRow("string dimension") << "hidden_size" << R"("64")" << "hidden_size";
        QTest::newRow("float layers") << "num_hidden_layers" << "2.5" << "num_hidden_layers";
        QTest::newRow("negative heads") << "num_attention_heads" << "-4" << "";
        QTest::newRow("huge unsigned") << "vocab_size" << "18446744073709551615" << "vocab_size";
        QTest::newRow("boolean as string") << "tie_word_embeddings" << R"("yes")" << "tie_word_embeddings";
        QTest::newRow("rope scaling a list") << "rope_scaling" << "[1, 2]" << "rope_scaling";
        QTest::newRow("awq extension a number") << "quantization_config"
                                                << R"({"quant_method":"awq","bits":3,"group_size":32,"awb_extension":7})"
                                                << "quantization_config.awb_extension";
        QTest::newRow("awq bits out of int") << "quantization_config" << R"({"quant_method":"awq","bits":4294967300})"
                                             << "quantization_config.bits";
    }
    void hfConfig()
    {
        QFETCH(QString, key);
        QFETCH(QString, json);
        QFETCH(QString, field);
        QTemporaryDir dir;
        const std::string folder = dir.filePath("model").toStdString();
        fs::copy(kTestData + "/conformance/llama-default", folder);
        const std::string config = folder + "/config.json";
        nlohmann::json j = nlohmann::json::parse(readBytes(config));
        j[key.toStdString()] = nlohmann::json::parse(json.toStdString());
        writeBytes(config, j.dump());
        LoadOptions o;
        o.requireTokenizer = false;
        QVERIFY(formatErrorNaming([&] { loadModel(folder, o); }, config, field.toStdString()));
    }

    void hfConfigInvalidOrMissing()
    {
        QTemporaryDir dir;
        const std::string folder = dir.filePath("model").toStdString();
        fs::copy(kTestData + "/conformance/llama-default", folder);
        LoadOptions o;
        o.requireTokenizer = false;
        writeBytes(folder + "/config.json", "{\"hidden_size\": 64,");
        QVERIFY(formatErrorNaming([&] { loadModel(folder, o); }, folder + "/config.json", ""));
        writeBytes(folder + "/config.json", std::string("\x89HDF\r\n\x1a\n\0\0\0", 12));
        QVERIFY(formatErrorNaming([&] { loadModel(folder, o); }, folder + "/config.json", ""));
        fs::remove(folder + "/config.json");
        QVERIFY(throwsNaming<Error>([&] { loadModel(folder, o); }, folder));
    }

    void shardIndex_data()
    {
        QTest::addColumn<QString>("shard");
        QTest::newRow("parent folder") << "../outside.safetensors";
        QTest::newRow("nested parent") << "sub/../../outside.safetensors";
        QTest::newRow("absolute") << "/etc/passwd";
        QTest::newRow("empty") << "";
    }
    void shardIndex()
    {
        QFETCH(QString, shard);
        QTemporaryDir dir;
        const std::string folder = dir.filePath("model").toStdString();
        fs::copy(kTestData + "/conformance/llama-default", folder);
        // a real shard where the hostile name points, so only the name check can refuse it
        fs::copy_file(folder + "/model.safetensors", dir.filePath("outside.safetensors").toStdString());
        fs::rename(folder + "/model.safetensors", folder + "/model-00001-of-00001.safetensors");
        SafetensorsFile real(folder + "/model-00001-of-00001.safetensors");
        nlohmann::json map;
        for (const auto& name : real.names())
            map[name] = "model-00001-of-00001.safetensors";
        const std::string victim = real.names().front();
        map[victim] = shard.toStdString();
        const std::string index = folder + "/model.safetensors.index.json";
        writeBytes(index, nlohmann::json{{"metadata", nlohmann::json::object()}, {"weight_map", map}}.dump());
        LoadOptions o;
        o.requireTokenizer = false;
        QVERIFY(formatErrorNaming([&] { loadModel(folder, o); }, index, "weight_map." + victim));
    }

    void missingTokenizer()
    {
        QTemporaryDir dir;
        const std::string bin = dir.filePath("alone.bin").toStdString();
        fs::copy_file(kModel, bin);
        QVERIFY(throwsNaming<Error>([&] { loadModel(bin); }, bin));
    }

    // --- tokenizers --------------------------------------------------------------------------------

    void bpeTokenizerFields_data()
    {
        QTest::addColumn<QString>("member");
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("strip_left a string") << "normalizer" << R"({"type":"Strip","strip_left":"yes"})" << "normalizer.strip_left";
        QTest::newRow("use_regex a number") << "pre_tokenizer" << R"({"type":"ByteLevel","use_regex":1})" << "pre_tokenizer.use_regex";
        QTest::newRow("decoder stop negative") << "decoder" << R"({"type":"Strip","content":" ","start":0,"stop":-1})"
                                               << "decoder.stop";
        QTest::newRow("post processor type a list") << "post_processor" << R"({"type":["TemplateProcessing"]})" << "post_processor";
        QTest::newRow("vocab id a string") << "model" << R"({"type":"BPE","vocab":{"a":"0"},"merges":[]})" << "model.vocab";
        QTest::newRow("model missing") << "model" << "null" << "model";
    }
    void bpeTokenizerFields()
    {
        QFETCH(QString, member);
        QFETCH(QString, json);
        QFETCH(QString, field);
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        nlohmann::json j = nlohmann::json::parse(readBytes(kTestData + "/tokenizers/bytelevel/tokenizer.json"));
        j[member.toStdString()] = nlohmann::json::parse(json.toStdString());
        writeBytes(path, j.dump());
        QVERIFY(formatErrorNaming([&] { BpeTokenizer t(path); }, path, field.toStdString()));
    }

    // A template whose special token has no "ids": the lookup must not index a missing key of a
    // const json (undefined behaviour); the id then comes from the vocabulary, or is absent.
    void bpeTemplateWithoutIds()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        nlohmann::json j = nlohmann::json::parse(readBytes(kTestData + "/tokenizers/bytelevel/tokenizer.json"));
        j["post_processor"] = nlohmann::json::parse(R"({"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}],
            "special_tokens": {"<s>": {"id": "<s>"}}})");
        writeBytes(path, j.dump());
        BpeTokenizer t(path);
        QVERIFY(!t.encode("hello", false).empty());
    }

    void bpeTokenizerNotJson()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        for (const std::string& bytes : {std::string(), std::string("{\"model\": 1e999}"), std::string("\xff\xfe\x00garbage", 10)}) {
            writeBytes(path, bytes);
            QVERIFY(formatErrorNaming([&] { BpeTokenizer t(path); }, path, ""));
        }
    }

    void sentencePieceModel_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        const std::string real = readBytes(kResources + "/models/stories260K/tok512.model");
        QTest::newRow("truncated") << QByteArray::fromStdString(real.substr(0, real.size() / 2));
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("binary garbage") << QByteArray(4096, '\xff');
        QTest::newRow("length past the end") << QByteArray("\x0a\xff\xff\xff\xff\x0f", 6);
        QTest::newRow("unknown wire type") << QByteArray("\x0f", 1);
    }
    void sentencePieceModel()
    {
        QFETCH(QByteArray, bytes);
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.model").toStdString();
        writeBytes(path, bytes.toStdString());
        QVERIFY(formatErrorNaming([&] { SentencePieceTokenizer t(path); }, path, ""));
    }

    // --- probe sets --------------------------------------------------------------------------------

    void probeSet()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("probes.json").toStdString();
        writeBytes(path, R"({"sections": 1e999})"); // nlohmann's out_of_range, not a parse_error
        QVERIFY(formatErrorNaming([&] { loadProbeSet(path); }, path, ""));
        writeBytes(path, R"({"sections": [{"id": 1, "text": "a"}, {"id": "b", "text": "b"}], "cases": []})");
        QVERIFY(formatErrorNaming([&] { loadProbeSet(path); }, path, "/sections/0/id"));
        writeBytes(path, R"({"version": "1", "sections": []})");
        QVERIFY(formatErrorNaming([&] { loadProbeSet(path); }, path, "/version"));
    }

    // --- stored AWQ results ----------------------------------------------------------------------

    // A clip table of zero columns used to divide by zero when applied (--apply-results).
    void resultWithEmptyClipTable()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("result.h5").toStdString();
        AwqResult r;
        r.quant.wBit = 4;
        r.quant.groupSize = 32;
        r.blocks.resize(5);
        ClipSearch clip;
        clip.linear = "q_proj";
        clip.maxVal = at::zeros({64, 0});
        clip.ratio = at::zeros({64, 0});
        r.blocks[0].clips.push_back(clip);
        saveAwqResult(path, r);
        QVERIFY(formatErrorNaming([&] { loadAwqResult(path); }, path, "/blocks/0/clips/q_proj"));

        // through the CLI: exit 1, one line naming the file
        const Run run = runCli({"quantize", "--model", QString::fromStdString(kModel), "--apply-results", QString::fromStdString(path),
                                "--eval", QString::fromStdString(kResources + "/text/tinystories-valid-sample.txt")});
        QVERIFY(refused(run, 1, QString::fromStdString(path)));
    }

    // A clip table that does not fit the model (from another model, or hand-made): a ShapeError
    // naming the linear, not a torch broadcast error or an integer division by zero.
    void resultNotFittingTheModel()
    {
        LoadOptions o;
        o.requireTokenizer = false;
        const Model model = loadModel(kModel, o);
        for (const auto& shape : std::vector<std::vector<int64_t>>{{64, 60}, {63, 2}, {64, 65}, {64}}) {
            AwqResult r;
            r.quant.wBit = 4;
            r.quant.groupSize = 32;
            r.blocks.resize(model.blocks.size());
            ClipSearch clip;
            clip.linear = "q_proj";
            clip.maxVal = at::ones(shape);
            r.blocks[0].clips.push_back(clip);
            QVERIFY(throwsNaming<ShapeError>([&] { applyAwqResult(model, r); }, "q_proj"));
        }
        AwqResult r;
        r.quant.wBit = 4;
        r.quant.groupSize = 32;
        r.blocks.resize(model.blocks.size());
        ScaleSearch s;
        s.prevOp = "input_layernorm";
        s.linears = {"q_proj", "k_proj", "v_proj"};
        s.scales = at::ones({65});
        r.blocks[0].scales.push_back(s);
        QVERIFY(throwsNaming<ShapeError>([&] { applyAwqResult(model, r); }, "input_layernorm"));
    }

    void resultNotHdf5()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("result.h5").toStdString();
        writeBytes(path, std::string(1000, 'x'));
        QVERIFY(formatErrorNaming([&] { loadAwqResult(path); }, path, "/"));
        writeBytes(path, "");
        QVERIFY(formatErrorNaming([&] { loadAwqResult(path); }, path, "/"));
    }

    // --- HDF5 files on which libhdf5 itself crashes, hangs or over-allocates ---------------------
    // Found by fuzz_result_store (tests/data/hostile-hdf5/README.md). Every store reader reads a file
    // in a forked child first (core/store/hdf5_vetting.h), so these end in a FormatError here.

    void hdf5CrashingLibhdf5()
    {
        // two bytes changed in a real result file: a global-heap object size past its collection,
        // which H5HG_read copies (a segmentation fault without the child)
        const std::string path = kTestData + "/hostile-hdf5/global-heap-overflow.h5";
        QVERIFY(formatErrorNaming([&] { loadAwqResult(path); }, path, "/"));
        QVERIFY(formatErrorNaming([&] { readSweepStore(path); }, path, "/"));
        QVERIFY(formatErrorNaming([&] { readStoredSweep(path); }, path, "/"));
        QVERIFY(formatErrorNaming([&] { storedPointKeys(path, {}); }, path, "/"));
        QVERIFY(throwsNaming<Error>([&] { readSweepPointAwq(path, "awq-w4-g32-zp"); }, path));
        QTemporaryDir dir;
        const std::string merged = dir.filePath("merged.h5").toStdString();
        QVERIFY(formatErrorNaming([&] { mergeSweepStores({path}, merged); }, path, "/"));
        QVERIFY(fs::is_empty(dir.path().toStdString()));
        // through the CLI: exit 1, one line naming the file
        QVERIFY(refused(runCli({"report", QString::fromStdString(path)}), 1, QString::fromStdString(path)));
    }

    void hdf5HangingLibhdf5()
    {
        // a mutated result file on which libhdf5's global-heap cache loops without end
        const std::string path = kTestData + "/hostile-hdf5/global-heap-loop.h5";
        QElapsedTimer timer;
        timer.start();
        QVERIFY(formatErrorNaming([&] { loadAwqResult(path); }, path, "/"));
        QVERIFY(timer.elapsed() < 60'000);
    }

    void hdf5OverAllocatingLibhdf5()
    {
        // a mutated result file on which libhdf5 asks for 2.6 GB to read an attribute: refused in the
        // child, whose memory allowance is 1 GiB plus 8 times the file
        const std::string path = kTestData + "/hostile-hdf5/huge-allocation.h5";
        QVERIFY(formatErrorNaming([&] { loadAwqResult(path); }, path, "/"));
    }

    // --- well-formed HDF5 of shapes the readers did not expect ------------------------------------
    // Found by fuzz_store_tree (tests/data/README.md): libhdf5 copies every element it reads into the
    // buffer it is given, in whatever type it is asked for, so these overran a buffer of ours or lost
    // what libhdf5 allocated, in the vetting child and then in this process.

    void hdf5ShapesTheReadersRefuse()
    {
        const std::string array = kTestData + "/hostile-hdf5/array-attribute.h5"; // w_bit: 3 doubles
        QVERIFY(throwsNaming<FormatError>([&] { loadAwqResult(array); }, "attribute w_bit holds 3 values, not one"));
        const std::string table = kTestData + "/hostile-hdf5/table-attribute.h5"; // tool_version: a table
        QVERIFY(throwsNaming<Error>([&] { readSweepStore(table); }, "attribute tool_version is not a string"));
        const std::string table2d = kTestData + "/hostile-hdf5/table-2d.h5"; // a point's timings: 3 x 2 rows
        QVERIFY(throwsNaming<Error>([&] { readStoredSweep(table2d); }, "/point/rtn-w3-g64-sym/timings"));
        QVERIFY(throwsNaming<Error>([&] { readStoredSweep(table2d); }, "a table must be 1-D, not of rank 2"));
        // F's λ case labels stored as floats with a NaN: cast to int, undefined (UBSan)
        const std::string nanLabel = kTestData + "/hostile-hdf5/nan-label.h5";
        QVERIFY(throwsNaming<Error>([&] { readStoredSweep(nanLabel); }, "label nan is not one of 0 to 3"));
    }

    // --- writes: atomic, and nothing left behind when they fail ----------------------------------

    void folderReplacementKeepsTheOldOneUntilCommit()
    {
        QTemporaryDir dir;
        const std::string target = dir.filePath("out").toStdString();
        fs::create_directory(target);
        writeBytes(target + "/old.txt", "old");
        {
            AtomicDirectory out(target);
            writeBytes(out.path() + "/new.txt", "new");
            QVERIFY(fs::exists(target + "/old.txt")); // still the complete old folder
            out.commit();
        }
        QVERIFY(fs::exists(target + "/new.txt"));
        QVERIFY(!fs::exists(target + "/old.txt"));
        QCOMPARE(listing(dir.path().toStdString()), std::set<std::string>{"out"}); // no .tmp-/.old- siblings
        {
            AtomicDirectory abandoned(target);
            writeBytes(abandoned.path() + "/half.txt", "half");
        }
        QVERIFY(fs::exists(target + "/new.txt"));
        QCOMPARE(listing(dir.path().toStdString()), std::set<std::string>{"out"});
    }

    void unwritableTargets()
    {
        QTemporaryDir dir;
        const std::string file = dir.filePath("a-file").toStdString();
        writeBytes(file, "x");
        // below a regular file: refused even for root, which ignores permission bits
        const std::string target = file + "/model.safetensors";
        QVERIFY(throwsNaming<IoError>([&] { writeSafetensors(target, {{"w", at::ones({4})}}); }, target));
        QVERIFY(throwsNaming<IoError>([&] { AtomicDirectory d(file + "/folder"); }, file + "/folder"));
        QCOMPARE(listing(dir.path().toStdString()), std::set<std::string>{"a-file"});

        const Run run = runCli({"convert", "--model", QString::fromStdString(kModel), "--out", QString::fromStdString(file + "/out")});
        QVERIFY(refused(run, 0, "--out"));
    }

    // A full disk: a 64 KiB tmpfs. The write fails with an IoError naming the file, and neither
    // the file nor its temporary is left.
    void fullDisk()
    {
        QTemporaryDir dir;
        const std::string mountPoint = dir.filePath("small").toStdString();
        fs::create_directory(mountPoint);
        if (!mountSmallTmpfs(mountPoint, 64))
            QSKIP("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
        struct Unmount {
            std::string path;
            ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
        } unmount{mountPoint};
        const std::string target = mountPoint + "/big.safetensors";
        QVERIFY(throwsNaming<IoError>([&] { writeSafetensors(target, {{"w", at::ones({1 << 16})}}); }, target));
        QVERIFY(listing(mountPoint).empty());

        const Run run = runCli({"convert", "--model", QString::fromStdString(kModel), "--out", QString::fromStdString(mountPoint + "/hf")});
        QVERIFY(refused(run, 1, QString::fromStdString(mountPoint + "/hf")));
        QVERIFY(listing(mountPoint).empty());
    }

    // --- calibration and evaluation text ---------------------------------------------------------

    void calibrationFiles_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("name");
        QTest::newRow("empty") << QByteArray() << "calib.txt"; // named by the file, not "too short"
        QTest::newRow("blank lines") << QByteArray("\n\n   \n") << "calib.txt";
        QTest::newRow("binary") << QByteArray("\x7f" "ELF\x02\x01\x01\x00\xff\xfe\x80\x81", 12) << "calib.txt";
        QTest::newRow("jsonl not objects") << QByteArray("[1,2]\n") << "calib.jsonl";
        QTest::newRow("jsonl text a number") << QByteArray("{\"text\": 5}\n") << "calib.jsonl";
    }
    void calibrationFiles()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, name);
        QTemporaryDir dir;
        const QString path = dir.filePath(name);
        writeBytes(path.toStdString(), bytes.toStdString());
        const Run run = runCli({"quantize", "--model", QString::fromStdString(kModel), "--w-bit", "4", "--group-size", "32",
                                "--calib", path, "--n-samples", "2", "--seqlen", "64", "--save-results", dir.filePath("r.h5")});
        QVERIFY(refused(run, 0, path));
        QVERIFY(!QFile::exists(dir.filePath("r.h5")));
    }

    // --- arguments: refused with exit 2 before any work -------------------------------------------

    void arguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("needle");
        const QStringList base = {"quantize", "--model", QString::fromStdString(kModel), "--calib", "tinystories"};
        QTest::newRow("w-bit 0") << (base + QStringList{"--w-bit", "0", "--group-size", "32"}) << "--w-bit";
        QTest::newRow("w-bit 99") << (base + QStringList{"--w-bit", "99", "--group-size", "32"}) << "--w-bit";
        QTest::newRow("group-size 7") << (base + QStringList{"--w-bit", "4", "--group-size", "7"}) << "--group-size";
        QTest::newRow("seqlen past the context") << (base + QStringList{"--w-bit", "4", "--group-size", "32", "--seqlen", "100000"})
                                                 << "--seqlen";
        QTest::newRow("seqlen 0") << (base + QStringList{"--w-bit", "4", "--group-size", "32", "--seqlen", "0"}) << "--seqlen";
        QTest::newRow("n-samples beyond memory") << (base + QStringList{"--w-bit", "4", "--group-size", "32", "--n-samples", "1000000000000"})
                                                 << "--n-samples";
        QTest::newRow("n-samples 0") << (base + QStringList{"--w-bit", "4", "--group-size", "32", "--n-samples", "0"}) << "--n-samples";
        QTest::newRow("eval seqlen past the context")
            << QStringList{"eval", "--model", QString::fromStdString(kModel), "--text",
                           QString::fromStdString(kResources + "/text/tinystories-valid-sample.txt"), "--seqlen", "100000"}
            << "seqlen";
    }
    void arguments()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, needle);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(refused(runCli(args), 2, needle));
        QVERIFY2(timer.elapsed() < 20000, "refused only after doing work");
    }

    void missingFiles()
    {
        QVERIFY(refused(runCli({"inspect", "--model", "/nonexistent/model.bin"}), 0, "/nonexistent/model.bin"));
        QTemporaryDir dir;
        QVERIFY(refused(runCli({"quantize", "--model", QString::fromStdString(kModel), "--w-bit", "4", "--group-size", "32",
                                "--calib", dir.filePath("absent.txt")}),
                        0, dir.filePath("absent.txt")));
    }
};

QTEST_GUILESS_MAIN(TestHostileInputs)
#include "tst_hostile_inputs.moc"
