// AutoAWQ GEMM int4 layout: pack/unpack round trips, the interleaved nibble order bit by bit,
// dequantization, the int4 linear (GEMV and matmul paths) and the shapes the format rejects.
#include "core/awqformat/awq_packing.h"
#include "core/base/error.h"
#include "core/base/half.h"
#include "core/awqformat/int4_gemv_cpu.h"
#include "core/awqformat/int4_reference.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtTest/QtTest>

using namespace awb;

namespace {
at::Tensor randomCodes(int64_t rows, int64_t cols) { return at::randint(0, 16, {rows, cols}, at::kInt); }

// A random quantized linear: codes [N, K], zeros [N, K/G], scales [K/G, N] fp16.
struct Quantized {
    at::Tensor codes, zeros, scales, qweight, qzeros;
    int64_t group;
};

Quantized makeQuantized(int64_t N, int64_t K, int64_t G)
{
    Quantized q;
    q.group = G == -1 ? K : G;
    q.codes = randomCodes(N, K);
    q.zeros = randomCodes(N, K / q.group);
    q.scales = (at::rand({K / q.group, N}) * 0.02 + 0.001).to(at::kHalf);
    q.qweight = packAwqQweight(q.codes);
    q.qzeros = packAwqQzeros(q.zeros);
    return q;
}

// The formula itself, elementwise from unpacked codes: w[n][k] = (code - zero) * scale.
at::Tensor directDequantize(const Quantized& q)
{
    const at::Tensor zeros = q.zeros.repeat_interleave(q.group, 1).to(at::kFloat);        // [N, K]
    const at::Tensor scales = q.scales.to(at::kFloat).t().repeat_interleave(q.group, 1); // [N, K]
    return (q.codes.to(at::kFloat) - zeros) * scales;
}

double normalisedError(const at::Tensor& y, const at::Tensor& ref)
{
    return (y - ref).pow(2).sum().item<double>() / ref.pow(2).sum().item<double>();
}
} // namespace

class TestAwqPacking : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(1234); }

    void roundTrip_data()
    {
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("G");
        for (int G : {32, 64, 128, -1}) {
            if (G != 128) // K = 64 cannot hold a group of 128
                QTest::addRow("64x64 g%d", G) << 64 << 64 << G;
            QTest::addRow("192x128 g%d", G) << 192 << 128 << G;
            QTest::addRow("8x256 g%d", G) << 8 << 256 << G;
            QTest::addRow("200x384 g%d", G) << 200 << 384 << G;
        }
    }
    void roundTrip()
    {
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(int, G);
        const Quantized q = makeQuantized(N, K, G);
        QCOMPARE(q.qweight.sizes().vec(), (std::vector<int64_t>{K, N / 8}));
        QCOMPARE(q.qzeros.sizes().vec(), (std::vector<int64_t>{K / q.group, N / 8}));
        QCOMPARE(q.qweight.scalar_type(), at::kInt);
        QVERIFY(at::equal(unpackAwqCodes(q.qweight, N), q.codes));
        QVERIFY(at::equal(unpackAwqZeros(q.qzeros, N), q.zeros));
    }

    // AutoAWQ's WQLinear_GEMM.from_linear: qweight[:, col] |= intweight[:, col*8 + order_map[i]] << (i*4)
    // with order_map = [0, 2, 4, 6, 1, 3, 5, 7]; intweight is the [K, N] transpose of the codes.
    void interleavedOrderHandBuilt()
    {
        // Output column n of input row 0 gets code n + 1 (1..8); input row 1 gets 15 - n.
        at::Tensor codes = at::zeros({8, 2}, at::kInt);
        for (int n = 0; n < 8; ++n) {
            codes[n][0] = n + 1;
            codes[n][1] = 15 - n;
        }
        const at::Tensor q = packAwqQweight(codes);
        QCOMPARE(q.sizes().vec(), (std::vector<int64_t>{2, 1}));
        const uint32_t row0 = uint32_t(q[0][0].item<int32_t>());
        // Nibbles 0..7 hold columns 0, 2, 4, 6, 1, 3, 5, 7 -> codes 1, 3, 5, 7, 2, 4, 6, 8.
        QCOMPARE(row0, 0x86427531u);
        QCOMPARE((row0 >> 0) & 0xf, 1u);  // bits 0..3: column 0
        QCOMPARE((row0 >> 4) & 0xf, 3u);  // bits 4..7: column 2
        QCOMPARE((row0 >> 16) & 0xf, 2u); // bits 16..19: column 1
        QCOMPARE((row0 >> 28) & 0xf, 8u); // bits 28..31: column 7 (sign bit of the int32)
        const uint32_t row1 = uint32_t(q[1][0].item<int32_t>());
        // Columns 0, 2, 4, 6, 1, 3, 5, 7 -> codes 15, 13, 11, 9, 14, 12, 10, 8.
        QCOMPARE(row1, 0x8ace9bdfu);
        for (int n = 0; n < 8; ++n)
            QCOMPARE(kAwqOrder[kAwqReverseOrder[n]], n);

        // Zeros use the same packing along N.
        at::Tensor zeros = at::arange(8, at::kInt).view({8, 1});
        QCOMPARE(uint32_t(packAwqQzeros(zeros)[0][0].item<int32_t>()), 0x75316420u);
    }

    void dequantizeMatchesFormula_data() { roundTrip_data(); }
    void dequantizeMatchesFormula()
    {
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(int, G);
        const Quantized q = makeQuantized(N, K, G);
        const at::Tensor w = dequantizeAwq(q.qweight, q.qzeros, q.scales, G);
        QCOMPARE(w.sizes().vec(), (std::vector<int64_t>{N, K}));
        // (code - zero) is a small integer and the scale an fp16 value: the product is exact in
        // fp32, so the two must agree bit for bit.
        QVERIFY(at::equal(w, directDequantize(q)));

        // The pure C++ reference gives the same bits.
        std::vector<float> ref(size_t(N) * K);
        dequantizeAwqGemm(q.qweight.data_ptr<int32_t>(), q.qzeros.data_ptr<int32_t>(),
                          reinterpret_cast<const uint16_t*>(q.scales.data_ptr<at::Half>()), K, N, G, ref.data());
        QVERIFY(at::equal(w, at::from_blob(ref.data(), {N, K}, at::kFloat)));
    }

    void int4LinearMatchesDequantizedLinear_data()
    {
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("G");
        QTest::addColumn<int>("rows");
        for (int G : {32, 128, -1})
            for (int rows : {1, 2, 3, 4, 5, 6, 7, 8, 9, 33}) {
                if (G != 128)
                    QTest::addRow("64x64 g%d M%d", G, rows) << 64 << 64 << G << rows;
                QTest::addRow("200x256 g%d M%d", G, rows) << 200 << 256 << G << rows; // tail block
                QTest::addRow("512x384 g%d M%d", G, rows) << 512 << 384 << G << rows;
            }
    }
    void int4LinearMatchesDequantizedLinear()
    {
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(int, G);
        QFETCH(int, rows);
        const Quantized q = makeQuantized(N, K, G);
        const at::Tensor x = at::randn({rows, K});
        const at::Tensor ref = at::linear(x.to(at::kDouble), directDequantize(q).to(at::kDouble)).to(at::kFloat);
        const at::Tensor y = int4Linear(x, q.qweight, q.qzeros, q.scales, G);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{rows, N}));
        // fp32 accumulation over K <= 384 terms against a double reference: relative rounding error
        // per output ~ sqrt(K) * 2^-24 ~ 1e-6, so the normalised squared error sits near 1e-12.
        // 1e-9 leaves three orders of margin yet catches a single wrong nibble or group (>= 1e-4).
        QVERIFY2(normalisedError(y, ref) < 1e-9, qPrintable(QString::number(normalisedError(y, ref))));

        // Leading dimensions are kept, and the scalar GEMV agrees with the AVX2 one.
        if (rows <= kInt4GemvMaxRows) {
            const at::Tensor y3 = int4Linear(x.view({1, rows, K}), q.qweight, q.qzeros, q.scales, G);
            QCOMPARE(y3.sizes().vec(), (std::vector<int64_t>{1, rows, N}));
            at::Tensor scalar = at::empty({rows, N});
            int4GemvCpu(x.data_ptr<float>(), q.qweight.data_ptr<int32_t>(), q.qzeros.data_ptr<int32_t>(),
                        reinterpret_cast<const uint16_t*>(q.scales.data_ptr<at::Half>()), rows, K, N, G,
                        scalar.data_ptr<float>(), Int4GemvPath::Scalar);
            QVERIFY(normalisedError(scalar, ref) < 1e-9);
        }
    }

    void int4LinearsEqualEachInt4Linear()
    {
        // One x against several packed weights in one pass (a block's q/k/v): whatever the thread
        // count, the columns split between the threads cut through weights and 64-column blocks
        // (17 + 5 + 8 words), and each result must still be bit for bit its own int4Linear.
        // The packed linears hold tiles (17 words: 3 tiles, the last one partial) and are compared with
        // int4Linear of the checkpoint layout.
        const Quantized a = makeQuantized(136, 128, 64), b = makeQuantized(40, 128, 32), c = makeQuantized(64, 128, 128);
        const PackedInt4Linear pa = packedInt4Linear(a.qweight, a.qzeros, a.scales, 64),
                               pb = packedInt4Linear(b.qweight, b.qzeros, b.scales, 32),
                               pc = packedInt4Linear(c.qweight, c.qzeros, c.scales, 128);
        const int threads = at::get_num_threads();
        for (int t : {1, 2, 3})
            for (int64_t rows : {1, 3, 9}) { // 9: past the GEMV, the dequantized GEMM
                at::set_num_threads(t);
                const at::Tensor x = at::randn({rows, 128});
                const std::vector<at::Tensor> ys = int4Linears(x, {&pa, &pb, &pc});
                QCOMPARE(ys.size(), size_t(3));
                QVERIFY(at::equal(ys[0], int4Linear(x, a.qweight, a.qzeros, a.scales, 64)));
                QVERIFY(at::equal(ys[1], int4Linear(x, b.qweight, b.qzeros, b.scales, 32)));
                QVERIFY(at::equal(ys[2], int4Linear(x, c.qweight, c.qzeros, c.scales, 128)));
                const at::Tensor ref = at::linear(x.to(at::kDouble), directDequantize(b).to(at::kDouble)).to(at::kFloat);
                QVERIFY(normalisedError(ys[1], ref) < 1e-9); // as in int4LinearMatchesDequantizedLinear
            }
        at::set_num_threads(threads);
    }

    void tilesHoldTheCheckpointWords()
    {
        // 17 words a row: tiles 0 and 1 full, tile 2 holds word 16 and seven zero words.
        const Quantized q = makeQuantized(136, 128, 64);
        const at::Tensor tiles = tileAwqQweight(q.qweight);
        QCOMPARE(tiles.sizes().vec(), (std::vector<int64_t>{3, 128, 8}));
        for (int64_t k : {0, 77, 127}) {
            QCOMPARE(tiles[1][k][3].item<int32_t>(), q.qweight[k][11].item<int32_t>());
            QCOMPARE(tiles[2][k][0].item<int32_t>(), q.qweight[k][16].item<int32_t>());
            QVERIFY(at::equal(tiles[2][k].narrow(0, 1, 7), at::zeros({7}, at::kInt)));
        }
        QVERIFY(at::equal(untileAwqQweight(tiles, 136), q.qweight));
        const PackedInt4Linear p = packedInt4Linear(q.qweight, q.qzeros, q.scales, 64);
        QVERIFY(at::equal(dequantizeAwqTransposed(p), dequantizeAwqTransposed(q.qweight, q.qzeros, q.scales, 64)));

        // The portable path reads tiles too: the same sums as from the checkpoint layout.
        const at::Tensor x = at::randn({3, 128});
        at::Tensor fromTiles = at::empty({3, 136}), fromWords = at::empty({3, 136});
        const auto* scales = reinterpret_cast<const uint16_t*>(p.scales.data_ptr<at::Half>());
        int4GemvCpuMany(x.data_ptr<float>(), 3, 128,
                        {{p.qweightTiles.data_ptr<int32_t>(), p.qzeros.data_ptr<int32_t>(), scales, 136, 64,
                          fromTiles.data_ptr<float>(), Int4Words::Tiles}},
                        Int4GemvPath::Scalar);
        int4GemvCpu(x.data_ptr<float>(), q.qweight.data_ptr<int32_t>(), q.qzeros.data_ptr<int32_t>(), scales, 3, 128, 136, 64,
                    fromWords.data_ptr<float>(), Int4GemvPath::Scalar);
        QVERIFY(at::equal(fromTiles, fromWords));

        QVERIFY_THROWS_EXCEPTION(ShapeError, untileAwqQweight(tiles, 200)); // 25 words need 4 tiles
        const PackedInt4Linear wrongK{tiles.narrow(1, 0, 64).contiguous(), p.qzeros, p.scales, 64};
        QVERIFY_THROWS_EXCEPTION(ShapeError, int4Linears(x.narrow(1, 0, 64), {&wrongK})); // K/G rows of zeros and scales
    }

    void int4LinearKeepsDtype()
    {
        const Quantized q = makeQuantized(64, 128, 64);
        const at::Tensor x = at::randn({2, 128}).to(at::kDouble);
        QCOMPARE(int4Linear(x, q.qweight, q.qzeros, q.scales, 64).scalar_type(), at::kDouble);
    }

    void referenceGemmMatchesDequantizedMatmul()
    {
        const Quantized q = makeQuantized(96, 256, 64);
        const at::Tensor x = at::randn({5, 256});
        at::Tensor y = at::empty({5, 96});
        int4GemmReference(x.data_ptr<float>(), q.qweight.data_ptr<int32_t>(), q.qzeros.data_ptr<int32_t>(),
                          reinterpret_cast<const uint16_t*>(q.scales.data_ptr<at::Half>()), 5, 256, 96, 64,
                          y.data_ptr<float>());
        const at::Tensor ref = at::linear(x.to(at::kDouble), directDequantize(q).to(at::kDouble)).to(at::kFloat);
        QVERIFY(normalisedError(y, ref) < 1e-9); // same reasoning as int4LinearMatchesDequantizedLinear
    }

    void halfConversionMatchesTorch()
    {
        // Every finite fp16 value converts exactly like ATen, and fp32 -> fp16 rounds like ATen
        // (round to nearest even) for random values over the whole range, subnormals included.
        at::Tensor bits = at::arange(0, 65536, at::kInt).to(at::kShort).view(at::kHalf);
        const at::Tensor asFloat = bits.to(at::kFloat);
        const uint16_t* b = reinterpret_cast<const uint16_t*>(bits.data_ptr<at::Half>());
        for (int i = 0; i < 65536; ++i) {
            const float f = asFloat[i].item<float>();
            if (std::isnan(f))
                QVERIFY(std::isnan(halfToFloat(b[i])));
            else
                QCOMPARE(halfToFloat(b[i]), f);
        }
        const at::Tensor v = at::randn({20000}) * at::exp2(at::randint(-26, 17, {20000}).to(at::kFloat));
        const at::Tensor h = v.to(at::kHalf);
        const uint16_t* hb = reinterpret_cast<const uint16_t*>(h.data_ptr<at::Half>());
        for (int i = 0; i < 20000; ++i)
            QCOMPARE(floatToHalf(v[i].item<float>()), hb[i]);
        QCOMPARE(floatToHalf(65520.0f), uint16_t(0x7c00)); // tie above the largest half -> inf
        QCOMPARE(floatToHalf(65519.0f), uint16_t(0x7bff));
        QCOMPARE(floatToHalf(std::ldexp(1.0f, -25)), uint16_t(0)); // tie -> even (zero)
        QCOMPARE(floatToHalf(std::ldexp(1.5f, -25)), uint16_t(1));
    }

    void rejectsShapesTheFormatCannotHold()
    {
        QVERIFY_THROWS_EXCEPTION(ShapeError, packAwqQweight(randomCodes(12, 64)));        // N % 8
        QVERIFY_THROWS_EXCEPTION(ShapeError, packAwqQzeros(randomCodes(20, 2)));          // N % 8
        QVERIFY_THROWS_EXCEPTION(ShapeError, unpackAwqCodes(at::zeros({64, 2}, at::kInt), 12));
        QVERIFY_THROWS_EXCEPTION(Error, packAwqQweight(at::full({8, 4}, 16, at::kInt)));  // not 4-bit
        const Quantized q = makeQuantized(64, 128, 64);
        QVERIFY_THROWS_EXCEPTION(ShapeError, dequantizeAwq(q.qweight, q.qzeros, q.scales, 48)); // K % G
        QVERIFY_THROWS_EXCEPTION(ShapeError, dequantizeAwq(q.qweight, q.qzeros, q.scales, 32)); // K/G rows
        QVERIFY_THROWS_EXCEPTION(ShapeError, int4Linear(at::randn({1, 64}), q.qweight, q.qzeros, q.scales, 64));
        QVERIFY_THROWS_EXCEPTION(ShapeError, awqGroupSize(100, 64, 32));
        QVERIFY_THROWS_EXCEPTION(ShapeError, awqGroupSize(128, 60, 32));
        std::vector<float> x(128), y(64);
        QVERIFY_THROWS_EXCEPTION(ShapeError,
                                 int4GemvCpu(x.data(), q.qweight.data_ptr<int32_t>(), q.qzeros.data_ptr<int32_t>(),
                                             reinterpret_cast<const uint16_t*>(q.scales.data_ptr<at::Half>()), 9,
                                             128, 64, 64, y.data()));
    }
};

QTEST_GUILESS_MAIN(TestAwqPacking)
#include "tst_awq_packing.moc"
