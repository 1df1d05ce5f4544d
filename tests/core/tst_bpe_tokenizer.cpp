// Checks the tokenizer.json BPE implementation against ids produced by the Hugging Face
// `tokenizers` library (tests/data/tokenizers/expected_ids.json, written by
// bench/tools/make_tokenizer_fixtures.py): two trained files, Llama-3-style byte-level and
// Llama-2-style SentencePiece BPE, plus patched variants of them (other split regexes, Metaspace
// pre-tokenizers, no byte fallback, added-token flags).
#include "core/tokenizer/bpe_tokenizer.h"
#include "core/base/error.h"
#include "core/tokenizer/tokenizer.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

using Json = nlohmann::json;

namespace {

const std::string kDataDir = std::string(AWB_TEST_DATA_DIR) + "/tokenizers";

Json readJson(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return Json::parse(text.str());
}

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

QString idsText(const std::vector<int64_t>& ids)
{
    QStringList parts;
    for (const int64_t id : ids)
        parts << QString::number(id);
    return parts.join(' ');
}

std::vector<int64_t> idsOf(const Json& j)
{
    std::vector<int64_t> ids;
    for (const auto& id : j)
        ids.push_back(id.get<int64_t>());
    return ids;
}

// Applies a patch of the form {"model.byte_fallback": false, "pre_tokenizer": {...}}.
Json applyPatch(Json data, const Json& patch)
{
    for (const auto& [key, value] : patch.items()) {
        Json* node = &data;
        std::string rest = key;
        for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1))
            node = &(*node)[rest.substr(0, dot)];
        (*node)[rest] = value;
    }
    return data;
}

} // namespace

class TstBpeTokenizer : public QObject {
    Q_OBJECT

private:
    Json m_expected;
    QTemporaryDir m_tmp;
    std::map<std::string, std::shared_ptr<awb::Tokenizer>> m_tokenizers; // by file/variant name
    int m_checked = 0;

    std::shared_ptr<awb::Tokenizer> tokenizer(const std::string& name)
    {
        const auto it = m_tokenizers.find(name);
        return it == m_tokenizers.end() ? nullptr : it->second;
    }

    void addCaseRows(const std::string& name, const Json& cases)
    {
        for (size_t i = 0; i < cases.size(); ++i) {
            const Json& c = cases[i];
            const std::string row = name + "/" + std::to_string(i);
            QTest::newRow(row.c_str())
                << QString::fromStdString(name) << QByteArray::fromStdString(c["text"].get<std::string>())
                << idsText(idsOf(c["ids"])) << QByteArray::fromStdString(c["decoded"].get<std::string>());
        }
    }

    void checkCase()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, text);
        QFETCH(QString, ids);
        QFETCH(QByteArray, decoded);
        const auto tok = tokenizer(name.toStdString());
        QVERIFY2(tok, "tokenizer failed to load (see initTestCase)");
        const std::vector<int64_t> got = tok->encode(text.toStdString(), false);
        QCOMPARE(idsText(got), ids);
        // decode() is the library's decode(ids, skip_special_tokens=True).
        QCOMPARE(QByteArray::fromStdString(tok->decode(got)), decoded);
        if (decoded == text) // the library round-trips this string, so must we
            QCOMPARE(QByteArray::fromStdString(tok->decode(tok->encode(text.toStdString(), false))), text);
        ++m_checked;
    }

    void caseColumns()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("ids");
        QTest::addColumn<QByteArray>("decoded");
    }

    std::string fileOf(const std::string& name) const { return kDataDir + "/" + name + "/tokenizer.json"; }

    // Writes text as <tmp>/<name>/tokenizer.json and checks that loading it throws a FormatError
    // naming that file (and the field, when one is given).
    void expectFormatError(const std::string& name, const std::string& text, const std::string& field)
    {
        const std::string dir = m_tmp.path().toStdString() + "/" + name;
        QVERIFY(QDir().mkpath(QString::fromStdString(dir)));
        const std::string path = dir + "/tokenizer.json";
        writeText(path, text);
        try {
            awb::loadTokenizer(path);
            QFAIL(("no FormatError for " + name).c_str());
        } catch (const awb::FormatError& e) {
            QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(path));
            QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
            if (!field.empty())
                QCOMPARE(QString::fromStdString(e.field()), QString::fromStdString(field));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_expected = readJson(kDataDir + "/expected_ids.json");
        for (const auto& [name, file] : m_expected["files"].items())
            m_tokenizers[name] = awb::loadTokenizer(kDataDir + "/" + file["path"].get<std::string>());
        for (const auto& [name, variant] : m_expected["variants"].items()) {
            const std::string base = variant["base"].get<std::string>();
            const Json patched = applyPatch(readJson(fileOf(base)), variant["patch"]);
            const std::string dir = m_tmp.path().toStdString() + "/" + name;
            QVERIFY(QDir().mkpath(QString::fromStdString(dir)));
            writeText(dir + "/tokenizer.json", patched.dump());
            m_tokenizers[name] = awb::loadTokenizer(dir + "/tokenizer.json");
        }
    }

    void cleanupTestCase() { qInfo("%d strings checked against the reference ids", m_checked); }

    void expectedIds_data()
    {
        caseColumns();
        for (const auto& [name, file] : m_expected["files"].items())
            addCaseRows(name, file["cases"]);
    }
    void expectedIds() { checkCase(); }

    void variants_data()
    {
        caseColumns();
        for (const auto& [name, variant] : m_expected["variants"].items())
            addCaseRows(name, variant["cases"]);
    }
    void variants() { checkCase(); }

    void decodeOnly_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("ids");
        QTest::addColumn<QByteArray>("decoded");
        for (const auto& [name, file] : m_expected["files"].items()) {
            const Json& cases = file["decode_cases"];
            for (size_t i = 0; i < cases.size(); ++i) {
                const std::string row = name + "/decode/" + std::to_string(i);
                QTest::newRow(row.c_str()) << QString::fromStdString(name) << idsText(idsOf(cases[i]["ids"]))
                                           << QByteArray::fromStdString(cases[i]["decoded"].get<std::string>());
            }
        }
    }
    void decodeOnly()
    {
        // Sequences encode() never returns (cut characters, reversed, special and unknown ids): the
        // decoder must still give the library's text, U+FFFD and all.
        QFETCH(QString, name);
        QFETCH(QString, ids);
        QFETCH(QByteArray, decoded);
        std::vector<int64_t> sequence;
        for (const QString& id : ids.split(' ', Qt::SkipEmptyParts))
            sequence.push_back(id.toLongLong());
        QCOMPARE(QByteArray::fromStdString(tokenizer(name.toStdString())->decode(sequence)), decoded);
    }

    void mergesVersionHeader()
    {
        // merges.txt-style "#version" lines are not merges and take no rank.
        Json data = readJson(fileOf("sentencepiece"));
        data["model"]["merges"].insert(data["model"]["merges"].begin(), "#version: 0.2");
        const std::string dir = m_tmp.path().toStdString() + "/version-header";
        QVERIFY(QDir().mkpath(QString::fromStdString(dir)));
        writeText(dir + "/tokenizer.json", data.dump());
        const auto tok = awb::loadTokenizer(dir + "/tokenizer.json");
        for (const auto& c : m_expected["files"]["sentencepiece"]["cases"])
            QCOMPARE(idsText(tok->encode(c["text"].get<std::string>(), false)), idsText(idsOf(c["ids"])));
    }

    void kindsAndSizes()
    {
        const auto byteLevel = tokenizer("bytelevel");
        const auto sentencePiece = tokenizer("sentencepiece");
        QCOMPARE(QString::fromStdString(byteLevel->kind()), QStringLiteral("bpe-bytelevel"));
        QCOMPARE(QString::fromStdString(sentencePiece->kind()), QStringLiteral("bpe-sentencepiece"));
        QCOMPARE(QString::fromStdString(byteLevel->path()), QString::fromStdString(fileOf("bytelevel")));
        // Max id + 1 over the model vocabulary and the added tokens.
        for (const char* name : {"bytelevel", "sentencepiece"}) {
            const Json file = readJson(fileOf(name));
            int64_t maxId = -1;
            for (const auto& [token, id] : file["model"]["vocab"].items())
                maxId = std::max(maxId, id.get<int64_t>());
            for (const auto& t : file["added_tokens"])
                maxId = std::max(maxId, t["id"].get<int64_t>());
            QCOMPARE(tokenizer(name)->vocabSize(), maxId + 1);
        }
    }

    void bosAndEos()
    {
        for (const char* name : {"bytelevel", "sentencepiece"}) {
            const auto tok = tokenizer(name);
            // The library's encode("", add_special_tokens=True) is exactly the template's BOS.
            const std::vector<int64_t> bos = idsOf(m_expected["files"][name]["bos"]);
            QCOMPARE(bos.size(), size_t(1));
            QCOMPARE(tok->bosId(), bos[0]);
            QCOMPARE(idsText(tok->encode("", true)), idsText(bos));
            const auto plain = tok->encode("Hello world", false);
            auto withBos = plain;
            withBos.insert(withBos.begin(), bos[0]);
            QCOMPARE(idsText(tok->encode("Hello world", true)), idsText(withBos));
            // BOS is special: decode leaves it out.
            QCOMPARE(tok->decode(withBos), tok->decode(plain));
        }
        const Json bl = readJson(fileOf("bytelevel"));
        const Json sp = readJson(fileOf("sentencepiece"));
        for (const auto& t : bl["added_tokens"]) {
            if (t["content"] == "<|begin_of_text|>")
                QCOMPARE(tokenizer("bytelevel")->bosId(), t["id"].get<int64_t>());
            if (t["content"] == "<|end_of_text|>")
                QCOMPARE(tokenizer("bytelevel")->eosId(), t["id"].get<int64_t>());
        }
        QCOMPARE(tokenizer("sentencepiece")->bosId(), sp["model"]["vocab"]["<s>"].get<int64_t>());
        QCOMPARE(tokenizer("sentencepiece")->eosId(), sp["model"]["vocab"]["</s>"].get<int64_t>());
    }

    void invalidUtf8Input()
    {
        for (const char* name : {"bytelevel", "sentencepiece"}) {
            try {
                tokenizer(name)->encode(std::string("abc\xff" "def"), false);
                QFAIL("no ArgumentError for invalid UTF-8");
            } catch (const awb::ArgumentError& e) {
                QVERIFY2(std::string(e.what()).find("byte 3") != std::string::npos, e.what());
            }
            // A truncated multi-byte character and a UTF-16 surrogate are refused too.
            QVERIFY_THROWS_EXCEPTION(awb::ArgumentError, tokenizer(name)->encode("ab\xc3", false));
            QVERIFY_THROWS_EXCEPTION(awb::ArgumentError, tokenizer(name)->encode("\xed\xa0\x80", false));
        }
    }

    void decodePartialBytes()
    {
        // Half of a two-byte character decodes to U+FFFD (the library's from_utf8_lossy), and the
        // byte tokens of a whole character decode to it.
        const auto bl = tokenizer("bytelevel");
        const auto ids = bl->encode("é", false);
        QCOMPARE(ids.size(), size_t(2)); // Ã and © in the byte-level alphabet
        QCOMPARE(QString::fromStdString(bl->decode({ids[0]})), QString(QChar(0xFFFD)));
        QCOMPARE(QString::fromStdString(bl->decode(ids)), QStringLiteral("é"));
        const auto sp = tokenizer("sentencepiece");
        const auto emoji = sp->encode("😀", false); // ▁ and four <0xNN> byte tokens
        QCOMPARE(QString::fromStdString(sp->decode(emoji)), QStringLiteral("😀"));
        // Ids that name no token are skipped, as the library does.
        QCOMPARE(QString::fromStdString(sp->decode({-5, 1000000})), QString());
    }

    void longInput()
    {
        // SentencePiece-style files have no pre-tokenizer, so a whole text is one BPE word: the
        // merge loop must stay fast on it (heap-based, not quadratic).
        std::string text;
        for (int i = 0; i < 400; ++i)
            text += "Once upon a time, there was a little girl named Lily. She liked to play. ";
        QElapsedTimer timer;
        timer.start();
        const auto ids = tokenizer("sentencepiece")->encode(text, false);
        QVERIFY(ids.size() > 1000);
        QVERIFY2(timer.elapsed() < 5000, "encoding 29 KB took more than 5 s");
        QCOMPARE(tokenizer("sentencepiece")->decode(ids), text);
        const auto blIds = tokenizer("bytelevel")->encode(text, false);
        QCOMPARE(tokenizer("bytelevel")->decode(blIds), text);
    }

    void malformedFiles()
    {
        const Json good = readJson(fileOf("bytelevel"));
        const std::string goodText = good.dump();

        expectFormatError("truncated", goodText.substr(0, goodText.size() / 2), "");
        expectFormatError("not-an-object", "[1, 2, 3]", "");

        Json noVocab = good;
        noVocab["model"].erase("vocab");
        expectFormatError("no-vocab", noVocab.dump(), "model.vocab");

        Json noModel = good;
        noModel.erase("model");
        expectFormatError("no-model", noModel.dump(), "model");

        Json unigram = good;
        unigram["model"]["type"] = "Unigram";
        expectFormatError("unigram", unigram.dump(), "model.type");

        Json unknownMerge = good;
        const size_t index = unknownMerge["model"]["merges"].size();
        unknownMerge["model"]["merges"].push_back(Json::array({"Ġzzqx", "t"}));
        expectFormatError("unknown-merge", unknownMerge.dump(), "model.merges[" + std::to_string(index) + "]");

        Json badLegacyMerge = readJson(fileOf("sentencepiece"));
        badLegacyMerge["model"]["merges"][17] = "a b c";
        expectFormatError("bad-legacy-merge", badLegacyMerge.dump(), "model.merges[17]");

        Json mergeResultMissing = good;
        mergeResultMissing["model"]["merges"].push_back(Json::array({"x", "q"}));
        if (!good["model"]["vocab"].contains("xq"))
            expectFormatError("merge-result-missing", mergeResultMissing.dump(),
                              "model.merges[" + std::to_string(index) + "]");

        Json badVocabId = good;
        badVocabId["model"]["vocab"]["Ġthe"] = "seven";
        expectFormatError("bad-vocab-id", badVocabId.dump(), "model.vocab[\"Ġthe\"]");

        Json unknownRegex = good;
        unknownRegex["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+|\\s+";
        expectFormatError("unknown-regex", unknownRegex.dump(), "pre_tokenizer.pretokenizers[0].pattern");

        Json unknownPreTokenizer = good;
        unknownPreTokenizer["pre_tokenizer"] = {{"type", "Whitespace"}};
        expectFormatError("unknown-pre-tokenizer", unknownPreTokenizer.dump(), "pre_tokenizer.type");

        Json unknownNormalizer = good;
        unknownNormalizer["normalizer"] = {{"type", "Sequence"},
                                           {"normalizers", Json::array({{{"type", "Lowercase"}}})}};
        expectFormatError("unknown-normalizer", unknownNormalizer.dump(),
                          "normalizer.normalizers[0].type");
    }

    void missingFile()
    {
        QVERIFY_THROWS_EXCEPTION(awb::IoError,
                                 awb::loadTokenizer(m_tmp.path().toStdString() + "/absent/tokenizer.json"));
    }
};

QTEST_GUILESS_MAIN(TstBpeTokenizer)
#include "tst_bpe_tokenizer.moc"
