// Top-p sampling (core/model/sampling.h) against the definition written out the slow way: every
// token sorted by descending probability (ties by ascending id), the shortest prefix whose running
// sum reaches top-p, and u times its mass located in that same running sum. Plus a hand-worked case.
#include "core/model/sampling.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace awb;

namespace {

int64_t sampleByFullSort(const at::Tensor& logits, double temperature, double topP, double u)
{
    const at::Tensor probs = at::softmax(logits / temperature, -1).contiguous();
    const float* p = probs.data_ptr<float>();
    std::vector<int64_t> order(static_cast<size_t>(probs.numel()));
    std::iota(order.begin(), order.end(), int64_t(0));
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] != p[b] ? p[a] > p[b] : a < b; });
    size_t keep = order.size();
    double mass = 0;
    for (size_t i = 0; i < order.size(); ++i) {
        mass += p[order[i]];
        if (static_cast<float>(mass) >= static_cast<float>(topP)) {
            keep = i + 1;
            break;
        }
    }
    double run = 0;
    for (size_t i = 0; i < keep; ++i) {
        run += p[order[i]];
        if (u * mass < run)
            return order[i];
    }
    return order[keep - 1];
}

} // namespace

class TestSampling : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // p = (0.1, 0.5, 0.2, 0.2), top-p 0.75: the nucleus is ids 1, 2, 3 (the tie in id order), mass
    // 0.9; u = 0.5, 0.6, 0.99 put u x 0.9 at 0.45, 0.54, 0.891: ids 1, 2, 3. Id 0 is never drawn.
    void handWorkedNucleus()
    {
        const at::Tensor logits = at::log(at::tensor({0.1f, 0.5f, 0.2f, 0.2f}));
        QCOMPARE(sampleToken(logits, 1.0, 0.75, 0.5), int64_t(1));
        QCOMPARE(sampleToken(logits, 1.0, 0.75, 0.6), int64_t(2));
        QCOMPARE(sampleToken(logits, 1.0, 0.75, 0.99), int64_t(3));
        QCOMPARE(sampleToken(logits, 1.0, 1.0, 0.999), int64_t(0)); // the whole vocabulary: id 0 last
        QCOMPARE(sampleToken(logits, 0.0, 0.75, 0.99), int64_t(1)); // temperature 0: argmax
    }

    // A 49,152-token vocabulary, flat (an untrained model: the nucleus is most of it) and peaked (a
    // trained one: a few dozen tokens), with ties, at several top-p and draws.
    void matchesTheFullSort()
    {
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        for (double spread : {0.05, 1.0, 6.0}) {
            at::manual_seed(static_cast<uint64_t>(spread * 100));
            at::Tensor logits = at::randn({49152}) * spread;
            logits.slice(0, 0, 4000, 2).fill_(0.25); // 2,000 equal logits
            for (double topP : {0.1, 0.5, 0.9, 1.0})
                for (int draw = 0; draw < 20; ++draw) {
                    const double u = uniform(rng);
                    QCOMPARE(sampleToken(logits, 0.7, topP, u), sampleByFullSort(logits, 0.7, topP, u));
                }
        }
    }
};

QTEST_APPLESS_MAIN(TestSampling)
#include "tst_sampling.moc"
