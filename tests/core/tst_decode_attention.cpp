// A decode step's attention read in place from the KV cache (core/model/decode_attention.h) against
// the full attention of attentionContext without a cache on each row's whole sequence (at a head
// width of 16 the prefill kernel, itself checked against fp64 ATen in tst_prefill_attention; at 12
// libtorch's softmax and matmul); with left padding and a prompt prefix shared by several rows; at a
// head width of 16 (the AVX2 loops where the CPU has them) and 12 (the scalar loops).
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

using namespace awb;

namespace {

ModelConfig smallConfig(int64_t headDim)
{
    ModelConfig c;
    c.nHeads = 6;
    c.nKvHeads = 2;
    c.headDim = headDim;
    c.dim = c.nHeads * headDim;
    c.nLayers = 1;
    c.maxSeqLen = 64;
    return c;
}

// The last position's context of one unpadded sequence: q, k, v [1, T, width].
at::Tensor fullAttentionLast(const ModelConfig& c, const RopeTable& rope, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v)
{
    return attentionContext(c, rope, q, k, v)[0][-1];
}

} // namespace

class TestDecodeAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sharedPaddedPrefixMatchesFullAttention_data()
    {
        QTest::addColumn<int>("headDim");
        QTest::newRow("head width 16") << 16;
        QTest::newRow("head width 12 (scalar)") << 12;
    }

    // Three prompts of 9, 5 and 7 positions (left-padded to 9), each shared by two rows, then three
    // decode steps in which each of the six rows adds its own position.
    void sharedPaddedPrefixMatchesFullAttention()
    {
        QFETCH(int, headDim);
        at::manual_seed(11);
        const ModelConfig c = smallConfig(headDim);
        const int64_t P = 3, S = 2, L = 9, steps = 3;
        const std::vector<int64_t> lengths{9, 5, 7};
        const RopeTable rope(c, L + steps);
        KvCache cache(c, P, L);
        std::vector<int64_t> pads;
        for (int64_t len : lengths)
            pads.push_back(L - len);
        cache.setLeftPadding(pads);
        // Each row's own sequence of q, k, v, unpadded: the prompt's, then its decode steps'.
        std::vector<at::Tensor> qs, ks, vs;
        at::Tensor q = at::randn({P, L, c.qDim()}), k = at::randn({P, L, c.kvDim()}), v = at::randn({P, L, c.kvDim()});
        attentionContext(c, rope, q, k, v, &cache);
        cache.length += L;
        cache.sharePrefix(S, steps);
        for (int64_t b = 0; b < P * S; ++b) {
            const int64_t p = b / S, pad = pads[static_cast<size_t>(p)];
            qs.push_back(q[p].slice(0, pad).unsqueeze(0));
            ks.push_back(k[p].slice(0, pad).unsqueeze(0));
            vs.push_back(v[p].slice(0, pad).unsqueeze(0));
        }
        for (int64_t step = 0; step < steps; ++step) {
            at::Tensor qn = at::randn({P * S, 1, c.qDim()}), kn = at::randn({P * S, 1, c.kvDim()}), vn = at::randn({P * S, 1, c.kvDim()});
            const at::Tensor got = attentionContext(c, rope, qn, kn, vn, &cache);
            cache.length += 1;
            for (int64_t b = 0; b < P * S; ++b) {
                qs[b] = at::cat({qs[b], qn[b].unsqueeze(0)}, 1);
                ks[b] = at::cat({ks[b], kn[b].unsqueeze(0)}, 1);
                vs[b] = at::cat({vs[b], vn[b].unsqueeze(0)}, 1);
                // The row alone, unpadded, at the same positions (RoPE counts a padded row's from its
                // first real column): equal up to the summation order of the two attentions.
                const at::Tensor want = fullAttentionLast(c, rope, qs[b], ks[b], vs[b]);
                const double diff = (got[b][0] - want).abs().max().item<double>();
                QVERIFY2(diff < 2e-6, qPrintable(QString("step %1 row %2: max |diff| %3").arg(step).arg(b).arg(diff)));
            }
        }
    }

    // Without padding or a prefix, a cached decode step is the full attention's last position.
    void plainCacheMatchesFullAttention()
    {
        at::manual_seed(12);
        const ModelConfig c = smallConfig(16);
        const int64_t T = 40;
        const RopeTable rope(c, T);
        const at::Tensor q = at::randn({1, T, c.qDim()}), k = at::randn({1, T, c.kvDim()}), v = at::randn({1, T, c.kvDim()});
        KvCache cache(c, 1, T);
        attentionContext(c, rope, q.slice(1, 0, T - 1), k.slice(1, 0, T - 1), v.slice(1, 0, T - 1), &cache);
        cache.length = T - 1;
        const at::Tensor got = attentionContext(c, rope, q.slice(1, T - 1), k.slice(1, T - 1), v.slice(1, T - 1), &cache)[0][0];
        const double diff = (got - fullAttentionLast(c, rope, q, k, v)).abs().max().item<double>();
        QVERIFY2(diff < 1e-5, qPrintable(QString::number(diff)));
    }

    // A decode step rotates q and k with RopeTable::rotate: bit for bit what apply() gives, in both
    // pairings of the dimensions.
    void ropeRotateIsApplyBitForBit_data()
    {
        QTest::addColumn<int>("style");
        QTest::newRow("adjacent pairs (llama2.c)") << int(RopeStyle::AdjacentPairs);
        QTest::newRow("rotate half (Hugging Face)") << int(RopeStyle::RotateHalf);
    }

    void ropeRotateIsApplyBitForBit()
    {
        QFETCH(int, style);
        at::manual_seed(13);
        ModelConfig c = smallConfig(16);
        c.rope = RopeStyle(style);
        const int64_t T = 30;
        const RopeTable rope(c, T);
        const at::Tensor x = at::randn({1, c.nHeads, T, c.headDim}) * 10;
        const at::Tensor want = rope.apply(x, 0).contiguous();
        at::Tensor got = at::empty_like(want);
        for (int64_t h = 0; h < c.nHeads; ++h)
            for (int64_t t = 0; t < T; ++t)
                rope.rotate(x[0][h][t].contiguous().data_ptr<float>(), c.headDim, t, got[0][h][t].data_ptr<float>());
        QVERIFY(at::equal(got, want));
    }

    void prefixCacheRefusesPrefill()
    {
        const ModelConfig c = smallConfig(16);
        const RopeTable rope(c, 8);
        KvCache cache(c, 1, 4);
        attentionContext(c, rope, at::randn({1, 2, c.qDim()}), at::randn({1, 2, c.kvDim()}), at::randn({1, 2, c.kvDim()}), &cache);
        cache.length = 2;
        cache.sharePrefix(2, 4);
        QVERIFY_THROWS_EXCEPTION(std::exception, attentionContext(c, rope, at::randn({2, 2, c.qDim()}), at::randn({2, 2, c.kvDim()}),
                                                                  at::randn({2, 2, c.kvDim()}), &cache));
    }
};

QTEST_GUILESS_MAIN(TestDecodeAttention)
#include "tst_decode_attention.moc"
