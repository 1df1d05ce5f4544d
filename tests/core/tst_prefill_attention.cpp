// The prefill attention kernel (core/model/prefill_attention.h) against causal attention written
// out in fp64 ATen ops (q k^T / sqrt(d), each query's visible keys, softmax, times v): grouped query
// heads, tiles that do not divide the positions, a cache that already holds earlier positions, and
// left padding with padded queries (they see only padding, real ones skip it).
#include "core/base/error.h"
#include "core/model/model_config.h"
#include "core/model/prefill_attention.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <cmath>

using namespace awb;

namespace {

ModelConfig config(int64_t headDim)
{
    ModelConfig c;
    c.nHeads = 6;
    c.nKvHeads = 2;
    c.headDim = headDim;
    c.dim = c.nHeads * headDim;
    return c;
}

// q [B, H, T, d] at positions start .. start + T - 1; k, v [B, kv, S, d]. Returns [B, T, H * d] in fp64.
at::Tensor reference(const ModelConfig& c, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                     const std::vector<int64_t>& rowStart)
{
    const int64_t B = q.size(0), H = c.nHeads, T = q.size(2), d = c.headDim, group = H / c.nKvHeads;
    at::Tensor out = at::zeros({B, T, H, d}, at::kDouble);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t t = 0; t < T; ++t) {
                const int64_t p = start + t, pad = rowStart.empty() ? 0 : rowStart[static_cast<size_t>(b)];
                const int64_t first = p >= pad ? pad : 0;
                const at::Tensor keys = k[b][h / group].slice(0, first, p + 1).to(at::kDouble);
                const at::Tensor vals = v[b][h / group].slice(0, first, p + 1).to(at::kDouble);
                const at::Tensor scores = at::matmul(keys, q[b][h][t].to(at::kDouble)) / std::sqrt(static_cast<double>(d));
                out[b][t][h] = at::matmul(at::softmax(scores, 0), vals);
            }
    return out.reshape({B, T, H * d});
}

} // namespace

class TestPrefillAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesCausalAttention_data()
    {
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("start");
        QTest::addColumn<bool>("padded");
        QTest::newRow("d16, from 0") << 16 << 0 << false;
        QTest::newRow("d64, from 0") << 64 << 0 << false;
        QTest::newRow("d32, from 0, padded") << 32 << 0 << true;
        QTest::newRow("d64, after 21 cached positions, padded") << 64 << 21 << true;
    }

    void matchesCausalAttention()
    {
        QFETCH(int, headDim);
        QFETCH(int, start);
        QFETCH(bool, padded);
        if (!prefillAttentionAvailable(headDim))
            QSKIP("no AVX2+FMA on this CPU");
        at::manual_seed(5);
        const ModelConfig c = config(headDim);
        const int64_t B = 3, T = 17, S = start + T;
        const std::vector<int64_t> rowStart = padded ? std::vector<int64_t>{0, 5, 12} : std::vector<int64_t>{};
        const at::Tensor q = at::randn({B, c.nHeads, T, headDim}) * 2;
        // Keys inside a larger cache, as attentionContext passes them (positions contiguous, rows not).
        const at::Tensor k = at::randn({B, c.nKvHeads, S + 7, headDim}).slice(2, 0, S) * 2;
        const at::Tensor v = at::randn({B, c.nKvHeads, S + 7, headDim}).slice(2, 0, S);
        const at::Tensor got = prefillAttention(c, q, k, v, start, rowStart);
        const at::Tensor want = reference(c, q, k, v, start, rowStart);
        QCOMPARE(got.sizes().vec(), want.sizes().vec());
        const double err = (got.to(at::kDouble) - want).abs().max().item<double>();
        QVERIFY2(err < 2e-5, qPrintable(QString("max abs error %1").arg(err)));
    }

    void refusesWhatItCannotRun()
    {
        QVERIFY(!prefillAttentionAvailable(12));
        const ModelConfig c = config(16);
        if (!prefillAttentionAvailable(16))
            QSKIP("no AVX2+FMA on this CPU");
        const at::Tensor q = at::randn({1, c.nHeads, 4, 16});
        const at::Tensor strided = at::randn({1, c.nKvHeads, 16, 4}).transpose(2, 3); // positions not contiguous
        QVERIFY_THROWS_EXCEPTION(ShapeError, prefillAttention(c, q, strided, strided, 0, {}));
        const at::Tensor shortKeys = at::randn({1, c.nKvHeads, 3, 16});
        QVERIFY_THROWS_EXCEPTION(ShapeError, prefillAttention(c, q, shortKeys, shortKeys, 0, {}));
    }
};

QTEST_APPLESS_MAIN(TestPrefillAttention)
#include "tst_prefill_attention.moc"
