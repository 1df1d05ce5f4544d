// The decode GEMV on bf16/fp16 weights (core/model/decode_gemv.h) against libtorch's fp32 product of
// the upcast weight (the independent reference: both formats widen to fp32 exactly, so the two
// differ only in summation order), and a decode step of a bf16 model through it against the same
// step with every weight upcast first (what generation did before). A pseudo-quantized weight's int8
// codes (decodeGemvCodes) must give decodeGemv's result on that fp32 weight bit for bit, alone and in
// a whole decode step.
#include "core/io/model_loader.h"
#include "core/model/decode_gemv.h"
#include "core/model/transformer.h"
#include "core/quant/awq_result.h"
#include "core/quant/quantizer.h"

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

    void codesGiveTheFp32ProductBitForBit_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<qint64>("group");
        QTest::addColumn<bool>("zeroPoint");
        QTest::addColumn<qint64>("K");
        QTest::addRow("w4 g64 zp, K 576") << 4 << qint64(64) << true << qint64(576);
        QTest::addRow("w3 g8 zp, K 168 (an 8-wide tail)") << 3 << qint64(8) << true << qint64(168);
        QTest::addRow("w4 per channel, K 172 (a scalar tail)") << 4 << qint64(-1) << true << qint64(172);
        QTest::addRow("w4 g128 sym, K 1536") << 4 << qint64(128) << false << qint64(1536);
        QTest::addRow("w8 g64 sym") << 8 << qint64(64) << false << qint64(192);
        QTest::addRow("w7 g8 zp") << 7 << qint64(8) << true << qint64(64);
        QTest::addRow("w4 per channel, K 576") << 4 << qint64(-1) << true << qint64(576);
    }

    void codesGiveTheFp32ProductBitForBit()
    {
        QFETCH(int, bits);
        QFETCH(qint64, group);
        QFETCH(bool, zeroPoint);
        QFETCH(qint64, K);
        const QuantConfig quant{bits, group, zeroPoint};
        const at::Tensor w = at::randn({67, K}) * 0.05;
        const at::Tensor q = pseudoQuantize(w, quant);
        const std::optional<QuantCodes> c = decodeCodes(w, q, quant);
        QVERIFY(c.has_value());
        QVERIFY(c->weight.is_same(q));
        for (int64_t rows : {int64_t(1), int64_t(3), kDecodeGemvMaxRows}) {
            const at::Tensor x = at::randn({rows, 1, K});
            QVERIFY(decodeGemvCodesApply(x, c->codes, c->scales, c->groupSize));
            QVERIFY(at::equal(decodeGemvCodes(x, c->codes, c->scales, c->groupSize), decodeGemv(x, q)));
        }
    }

    void codesOnlyWhereTheyFit()
    {
        const at::Tensor w = at::randn({16, 96}) * 0.05;
        const QuantConfig w8zp{8, 32, true}; // code - zero spans -255 .. 255
        QVERIFY(!decodeCodes(w, pseudoQuantize(w, w8zp), w8zp).has_value());
        const QuantConfig g48{4, 48, true}; // groups of 48: no power of two, so the fp32 path
        QVERIFY(!decodeCodes(w, pseudoQuantize(w, g48), g48).has_value());
        const QuantConfig g32{4, 32, true};
        const std::optional<QuantCodes> c = decodeCodes(w, pseudoQuantize(w, g32), g32);
        QVERIFY(c.has_value());
        QVERIFY(!decodeGemvCodesApply(at::randn({1, 96}), c->codes, c->scales, 48)); // and the kernel would refuse them
        const QuantConfig w4{4, 32, true}; // codes of another weight than the one given: refused
        QVERIFY(!decodeCodes(w, pseudoQuantize(w * 2, w4), w4).has_value());
        const QuantConfig g64{4, 64, true}; // 96 inputs padded to 128: a slice, which BLAS multiplies
        QVERIFY(!decodeCodes(w, pseudoQuantize(w, g64), g64).has_value());
    }

    // A decode step of an RTN model through its codes gives the logits of its fp32 weights, bit for
    // bit, and a slot whose weight was replaced no longer uses the codes of the old one.
    void quantizedDecodeThroughCodes()
    {
        const Model fp = loadModel(defaultModelPath());
        AwqResult rtn;
        rtn.method = "rtn";
        rtn.quant = QuantConfig{4, 32, true};
        const Model plain = applyAwqResult(fp, rtn), coded = applyAwqResult(fp, rtn, true);
        // every linear but down_proj when its inputs are padded to the group
        QCOMPARE(coded.blocks[0].codes.size(), size_t(fp.config.hiddenDim % 32 == 0 ? 7 : 6));
        QVERIFY(coded.blocks[0].codes.count("q_proj"));
        QVERIFY(plain.blocks[0].codes.empty());
        const RopeTable rope(fp.config, 8);
        KvCache a(fp.config, 1, 8), b(fp.config, 1, 8);
        const at::Tensor prompt = at::tensor({int64_t(1), int64_t(400), int64_t(57)}, at::kLong).unsqueeze(0);
        QVERIFY(at::equal(forward(coded, rope, prompt, &a), forward(plain, rope, prompt, &b)));
        for (int64_t token : {int64_t(80), int64_t(311), int64_t(2)}) {
            const at::Tensor next = at::tensor({token}, at::kLong).unsqueeze(0);
            QVERIFY(at::equal(forward(coded, rope, next, &a), forward(plain, rope, next, &b)));
        }
        BlockWeights replaced = coded.blocks[0];
        replaced.wq = replaced.wq * 2;
        const at::Tensor x = at::randn({1, fp.config.dim});
        QVERIFY(at::equal(blockLinear(replaced, "q_proj", x), applyLinear(x, replaced.wq)));
    }

    // A bf16 model decoded with its weights read directly gives the logits of the upcast model.
    void decodeRmsNormMatchesAten()
    {
        // A decode step's rows take rmsNorm's loop (sum of squares in double), more rows ATen's five
        // ops: the two may round the mean differently, by about an ulp, and agree otherwise. Weights as
        // stored: fp32, bf16, fp16.
        const auto aten = [](const at::Tensor& x, const at::Tensor& w) {
            return x * at::rsqrt(x.pow(2).mean(-1, true) + 1e-5) * w.to(at::kFloat);
        };
        for (const auto dtype : {at::kFloat, at::kBFloat16, at::kHalf})
            for (const auto& shape : {std::vector<int64_t>{1, 576}, std::vector<int64_t>{3, 1, 64}, std::vector<int64_t>{9, 64}}) {
                const at::Tensor x = at::randn(shape) * 3;
                const at::Tensor w = (at::rand({shape.back()}) + 0.5).to(dtype);
                const at::Tensor got = rmsNorm(x, w, 1e-5), want = aten(x, w);
                QCOMPARE(got.sizes(), want.sizes());
                QCOMPARE(got.scalar_type(), at::kFloat);
                QVERIFY2(at::allclose(got, want, 1e-6, 1e-7), qPrintable(QString::number((got - want).abs().max().item<double>())));
                if (shape.front() == 9) // past the decode rows: ATen's expression itself
                    QVERIFY(at::equal(got, want));
            }
    }

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
