#include "kernels/w4a16_gemv.h"

#include "core/base/error.h"
#include "kernels/awq_order.cuh"
#include "kernels/cuda_check.h"

namespace awb {

// Defined in w4a16_gemm.cu.
int w4a16GroupSize(int M, int K, int N, int G);
void launchW4A16Plain(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales, __half* y,
                      int M, int K, int N, int group, cudaStream_t stream);

namespace {

// One block owns 32 output columns (4 packed words) and all of K; its 8 warps split K. A warp step
// covers 32 rows: lane r loads row r's 4 words with one 128-bit load (the 4 blocks next to it read
// the rest of each 64-byte line at the same time, so DRAM still sees every byte once). A 4x4
// transpose inside each quad of lanes then gives every lane one word (8 columns) of 4 consecutive
// rows, so per-lane accumulators are 8 x M floats rather than 32 x M.
// Measured on an H200 (bench/RESULTS.md) against two alternatives, both slower: splitting K across
// blocks with fp32 atomics into a workspace (split_k.h; 1.5-3x slower here, the atomics and the
// last-block pass cost more than the extra parallelism gains), and lanes reading 8 contiguous
// bytes of one row each (coalesced, but needing split-K for enough blocks: 2-3x slower).
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kColumns = 32;
constexpr unsigned kFull = 0xffffffffu;

// Lane q of a quad holds words 0..3 of row q; afterwards it holds word q of rows 0..3.
__device__ __forceinline__ void transposeQuad(uint32_t (&v)[4], int q)
{
    const bool high = q & 2;
    uint32_t s0 = high ? v[0] : v[2], s1 = high ? v[1] : v[3];
    s0 = __shfl_xor_sync(kFull, s0, 2);
    s1 = __shfl_xor_sync(kFull, s1, 2);
    if (high) {
        v[0] = s0;
        v[1] = s1;
    } else {
        v[2] = s0;
        v[3] = s1;
    }
    const bool odd = q & 1;
    uint32_t t0 = odd ? v[0] : v[1], t1 = odd ? v[2] : v[3];
    t0 = __shfl_xor_sync(kFull, t0, 1);
    t1 = __shfl_xor_sync(kFull, t1, 1);
    if (odd) {
        v[0] = t0;
        v[2] = t1;
    } else {
        v[1] = t0;
        v[3] = t1;
    }
}

template <int M>
__global__ void __launch_bounds__(kThreads)
    w4a16GemvKernel(const __half* __restrict__ x, const int32_t* __restrict__ qweight,
                    const int32_t* __restrict__ qzeros, const __half* __restrict__ scales, __half* __restrict__ y,
                    int K, int N, int group)
{
    // Row steps in flight per thread: enough bytes outstanding to cover HBM latency with one block
    // per SM, fewer for larger M where the accumulators and prefetched x need the registers.
    constexpr int U = M <= 2 ? 8 : M <= 4 ? 4 : 2;
    constexpr int kStep = kThreads; // rows per block step (32 per warp)
    __shared__ float partial[kWarps][M][kColumns];

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int quad = lane >> 2, q = lane & 3;
    const int words = N / 8;
    const int tile = blockIdx.x;
    const int word = tile * 4 + q; // the word this lane accumulates after the transpose
    const uint4* rows = reinterpret_cast<const uint4*>(qweight) + tile; // + row * words / 4

    float acc[M][8];
#pragma unroll
    for (int m = 0; m < M; ++m)
#pragma unroll
        for (int i = 0; i < 8; ++i)
            acc[m][i] = 0.0f;

    for (int base = warp * 32; base < K; base += kStep * U) {
        // Every load of the iteration is issued before any is used: the weights, and also the
        // zeros, scales and x of the rows this lane holds after the transpose, so one memory round
        // trip covers the iteration (the scales of a new group come from HBM).
        uint4 raw[U], sRaw[U];
        uint32_t zeroWord[U];
        uint2 xRaw[U][M];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int row = base + u * kStep + lane;
            raw[u] = row < K ? __ldg(rows + size_t(row) * (words / 4)) : make_uint4(0, 0, 0, 0);
            const int row0 = base + u * kStep + 4 * quad; // K % 4 == 0: rows row0..row0+3 all valid or none
            if (row0 < K) {
                const int g = row0 / group;
                zeroWord[u] = uint32_t(__ldg(qzeros + size_t(g) * words + word));
                sRaw[u] = __ldg(reinterpret_cast<const uint4*>(scales + size_t(g) * N + 8 * word));
#pragma unroll
                for (int m = 0; m < M; ++m)
                    xRaw[u][m] = __ldg(reinterpret_cast<const uint2*>(x + size_t(m) * K + row0));
            }
        }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            uint32_t v[4] = {raw[u].x, raw[u].y, raw[u].z, raw[u].w};
            transposeQuad(v, q); // all lanes take part, also past K
            if (base + u * kStep + 4 * quad >= K)
                continue;
            const __half* s = reinterpret_cast<const __half*>(&sRaw[u]);
            // 0x4B000000 | c is the float 2^23 + c: building the code's float with one LOP3 and then
            // subtracting (2^23 + zero) gives code - zero exactly, avoiding the quarter-rate I2F.
            float bias[8];
#pragma unroll
            for (int i = 0; i < 8; ++i)
                bias[i] = 8388608.0f + float((zeroWord[u] >> (4 * i)) & 0xfu);
            float xv[M][4];
#pragma unroll
            for (int m = 0; m < M; ++m) {
                const __half2 lo = *reinterpret_cast<const __half2*>(&xRaw[u][m].x);
                const __half2 hi = *reinterpret_cast<const __half2*>(&xRaw[u][m].y);
                xv[m][0] = __low2float(lo);
                xv[m][1] = __high2float(lo);
                xv[m][2] = __low2float(hi);
                xv[m][3] = __high2float(hi);
            }
            float part[M][8];
#pragma unroll
            for (int m = 0; m < M; ++m)
#pragma unroll
                for (int i = 0; i < 8; ++i)
                    part[m][i] = 0.0f;
#pragma unroll
            for (int r = 0; r < 4; ++r)
#pragma unroll
                for (int i = 0; i < 8; ++i) {
                    const float w = __uint_as_float(0x4B000000u | ((v[r] >> (4 * i)) & 0xfu)) - bias[i];
#pragma unroll
                    for (int m = 0; m < M; ++m)
                        part[m][i] = fmaf(xv[m][r], w, part[m][i]);
                }
            // The 4 rows share one group, so the scale is applied once per 4 rows.
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const float scale = __half2float(s[awqOrder(i)]);
#pragma unroll
                for (int m = 0; m < M; ++m)
                    acc[m][i] = fmaf(scale, part[m][i], acc[m][i]);
            }
        }
    }

    // Lanes with the same q hold the same columns for different rows: reduce across the 8 quads.
#pragma unroll
    for (int m = 0; m < M; ++m)
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            float value = acc[m][i];
            value += __shfl_xor_sync(kFull, value, 4);
            value += __shfl_xor_sync(kFull, value, 8);
            value += __shfl_xor_sync(kFull, value, 16);
            if (quad == 0)
                partial[warp][m][8 * q + awqOrder(i)] = value;
        }
    __syncthreads();
    for (int idx = threadIdx.x; idx < M * kColumns; idx += kThreads) {
        const int m = idx / kColumns, c = idx % kColumns;
        float sum = 0.0f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w)
            sum += partial[w][m][c];
        y[size_t(m) * N + tile * kColumns + c] = __float2half_rn(sum);
    }
}

template <int M>
void launchGemv(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales, __half* y, int K,
                int N, int group, cudaStream_t stream)
{
    w4a16GemvKernel<M><<<N / kColumns, kThreads, 0, stream>>>(x, qweight, qzeros, scales, y, K, N, group);
    AWB_CUDA_CHECK_LAUNCH();
}

} // namespace

W4A16Kernel launchW4A16Gemv(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales,
                            __half* y, int M, int K, int N, int G, cudaStream_t stream)
{
    const int group = w4a16GroupSize(M, K, N, G);
    if (M == 0)
        return W4A16Kernel::Gemv;
    if (M > kW4A16GemvMaxRows || N % kColumns != 0 || group % 4 != 0) {
        launchW4A16Plain(x, qweight, qzeros, scales, y, M, K, N, group, stream);
        return W4A16Kernel::Plain;
    }
    switch (M) {
    case 1: launchGemv<1>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    case 2: launchGemv<2>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    case 3: launchGemv<3>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    case 4: launchGemv<4>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    case 5: launchGemv<5>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    case 6: launchGemv<6>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    case 7: launchGemv<7>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    default: launchGemv<8>(x, qweight, qzeros, scales, y, K, N, group, stream); break;
    }
    return W4A16Kernel::Gemv;
}

} // namespace awb
