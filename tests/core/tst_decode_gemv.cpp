// The decode GEMV on bf16/fp16 weights (core/model/decode_gemv.h) against libtorch's fp32 product of
// the upcast weight (the independent reference: both formats widen to fp32 exactly, so the two
// differ only in summation order), and a decode step of a bf16 model through it against the same
// step with every weight upcast first (what generation did before).
#include "core/io/model_loader.h"
#include "core/model/decode_gemv.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <utility>

using namespace awb;

namespace {
Model toDtype(const Model& m, at::ScalarType type)
{
    Model out = m;
    for (BlockWeights& b : out.blocks)
        b.forEachTensor([&](const std::string&, at::Tensor& t) {
            if (t.defined())
                t = t.to(type);
        });
    out.lmHead = m.lmHead.to(type);
    out.tokEmbedding = m.tokEmbedding.to(type);
    out.finalNorm = m.finalNorm.to(type);
    return out;
}
} // namespace

class TestDecodeGemv : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        if (!decodeGemvAvailable())
            QSKIP("this CPU lacks avx2/fma/f16c: linears upcast instead, as tested everywhere else");
        at::manual_seed(7);
    }

    void matchesFp32Linear_data()
    {
        QTest::addColumn<int>("dtype"); // at::ScalarType of the weights
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("K");
        QTest::addColumn<qint64>("N");
        for (auto [type, t] : {std::pair{at::kBFloat16, "bf16"}, std::pair{at::kHalf, "fp16"}, std::pair{at::kFloat, "fp32"}}) {
            const int d = static_cast<int>(type);
            QTest::addRow("%s 1x576->1536", t) << d << qint64(1) << qint64(576) << qint64(1536);
            QTest::addRow("%s 3x27->13 (tails)", t) << d << qint64(3) << qint64(27) << qint64(13);
            QTest::addRow("%s 8x64->130", t) << d << qint64(8) << qint64(64) << qint64(130);
        }
    }

    void matchesFp32Linear()
    {
        QFETCH(int, dtype);
        QFETCH(qint64, rows);
        QFETCH(qint64, K);
        QFETCH(qint64, N);
        const at::Tensor w = (at::randn({N, K}) * 0.05).to(static_cast<at::ScalarType>(dtype));
        const at::Tensor x = at::randn({rows, 1, K});
        QVERIFY(decodeGemvApplies(x, w));
        const at::Tensor got = decodeGemv(x, w);
        const at::Tensor want = at::linear(x, w.to(at::kFloat));
        QCOMPARE(got.sizes().vec(), want.sizes().vec());
        const double err = (got - want).abs().max().item<double>();
        QVERIFY2(err <= 1e-5 * std::max(1.0, want.abs().max().item<double>()), qPrintable(QString::number(err)));
        // applyLinear takes this path for a few rows and adds the bias after it
        const at::Tensor bias = at::randn({N});
        QVERIFY(at::allclose(applyLinear(x, w, bias), want + bias, 1e-5, 1e-5));
    }

    void moreRowsOrOtherTypesUseTheGemm()
    {
        const at::Tensor w = at::randn({16, 32}).to(at::kBFloat16);
        QVERIFY(!decodeGemvApplies(at::randn({kDecodeGemvMaxRows + 1, 32}), w));
        QVERIFY(!decodeGemvApplies(at::randn({1, 32}), w.to(at::kDouble)));
        QVERIFY(!decodeGemvApplies(at::randn({1, 32}).to(at::kDouble), w));
        QVERIFY(!decodeGemvApplies(at::randn({1, 32}), w.t())); // not contiguous [N, K]
        QVERIFY_THROWS_EXCEPTION(std::exception, decodeGemv(at::randn({9, 32}), w));
    }

    // A bf16 model decoded with its weights read directly gives the logits of the upcast model.
    void bf16DecodeMatchesUpcastDecode()
    {
        const Model bf16 = toDtype(loadModel(defaultModelPath()), at::kBFloat16);
        const Model upcast = withFloatWeights(bf16);
        const RopeTable rope(bf16.config, 8);
        KvCache a(bf16.config, 1, 8), b(bf16.config, 1, 8);
        const at::Tensor prompt = at::tensor({int64_t(1), int64_t(400), int64_t(57)}, at::kLong).unsqueeze(0);
        forward(bf16, rope, prompt, &a); // a prefill of 3 rows: also the direct path
        forward(upcast, rope, prompt, &b);
        for (int64_t token : {int64_t(80), int64_t(311), int64_t(2)}) {
            const at::Tensor next = at::tensor({token}, at::kLong).unsqueeze(0);
            const at::Tensor got = forward(bf16, rope, next, &a), want = forward(upcast, rope, next, &b);
            QVERIFY2(at::allclose(got, want, 1e-4, 1e-4), qPrintable(QString::number((got - want).abs().max().item<double>())));
        }
    }
};

QTEST_GUILESS_MAIN(TestDecodeGemv)
#include "tst_decode_gemv.moc"
