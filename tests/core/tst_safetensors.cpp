// Safetensors reader/writer: round trip and every header violation the reader must name.
#include "core/base/error.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <fstream>

using namespace awb;

namespace {
void writeRaw(const std::string& path, const std::string& header, size_t dataBytes)
{
    std::ofstream out(path, std::ios::binary);
    uint64_t n = header.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << header;
    out << std::string(dataBytes, '\0');
}
} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripKeepsDtypesShapesAndValues()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t.safetensors").toStdString();
        at::Tensor a = at::randn({3, 5});
        at::Tensor b = at::randn({7}).to(at::kBFloat16);
        at::Tensor c = at::arange(12, at::kInt).view({3, 4});
        writeSafetensors(path, {{"a", a}, {"b", b}, {"c", c}}, {{"format", "pt"}});
        SafetensorsFile f(path);
        QCOMPARE(f.names().size(), size_t(3));
        QVERIFY(at::equal(f.tensor("a"), a));
        QVERIFY(at::equal(f.tensor("b"), b));
        QVERIFY(at::equal(f.tensor("c"), c));
        QCOMPARE(f.info("b").dtype, std::string("BF16"));
        QCOMPARE(f.metadata().at("format"), std::string("pt"));
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
    }

    void malformedFilesNameFileAndTensor_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << "{\"a\": [" << 0 << "invalid JSON";
        QTest::newRow("not object") << "[1,2]" << 0 << "not a JSON object";
        QTest::newRow("bad dtype") << R"({"w":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}})" << 8 << "w: unknown dtype";
        QTest::newRow("size mismatch") << R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})" << 8 << "w: byte range of 8 bytes but shape x dtype needs 12";
        QTest::newRow("outside file") << R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})" << 8 << "w: data_offsets [0, 16] outside";
        QTest::newRow("overlap") << R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})" << 12 << "overlaps tensor a";
        QTest::newRow("negative shape") << R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})" << 0 << "not a non-negative integer";
        QTest::newRow("missing fields") << R"({"w":{"dtype":"F32"}})" << 0 << "w: entry needs dtype, shape and data_offsets";
    }
    void malformedFilesNameFileAndTensor()
    {
        QFETCH(QString, header);
        QFETCH(int, dataBytes);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.safetensors").toStdString();
        writeRaw(path, header.toStdString(), dataBytes);
        try {
            SafetensorsFile f(path);
            QFAIL("no error for a malformed file");
        } catch (const FormatError& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains(QString::fromStdString(path)), qPrintable(msg));
            QVERIFY2(msg.contains(expected), qPrintable(msg));
        }
    }

    void truncatedHeaderLength()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("short.safetensors").toStdString();
        std::ofstream(path, std::ios::binary) << "abc";
        QVERIFY_THROWS_EXCEPTION(FormatError, SafetensorsFile{path});
        writeRaw(path, std::string(100, ' '), 0);
        // claim a longer header than the file holds
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        uint64_t n = 1000;
        f.write(reinterpret_cast<const char*>(&n), 8);
        f.close();
        try {
            SafetensorsFile s(path);
            QFAIL("no error");
        } catch (const FormatError& e) {
            QVERIFY(QString(e.what()).contains("header length"));
        }
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
