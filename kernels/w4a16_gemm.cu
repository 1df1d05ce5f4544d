#include "kernels/w4a16_gemm.h"

#include "core/base/error.h"
#include "kernels/awq_order.cuh"
#include "kernels/cuda_check.h"
#include "kernels/split_k.h"

#include <string>

namespace awb {

namespace {

// ---------------------------------------------------------------------------------------------
// Plain kernel: thread (n, m) walks K. Groups are applied per group to keep the inner loop short.
__global__ void w4a16PlainKernel(const __half* __restrict__ x, const int32_t* __restrict__ qweight,
                                 const int32_t* __restrict__ qzeros, const __half* __restrict__ scales,
                                 __half* __restrict__ y, int M, int K, int N, int group)
{
    const int n = blockIdx.x * blockDim.x + threadIdx.x;
    const int m = blockIdx.y;
    if (n >= N || m >= M)
        return;
    const int words = N / 8;
    const int word = n / 8;
    const int shift = 4 * awqReverse(n % 8);
    float acc = 0.0f;
    for (int g = 0; g < K / group; ++g) {
        const float scale = __half2float(scales[size_t(g) * N + n]);
        const float zero = float((uint32_t(qzeros[size_t(g) * words + word]) >> shift) & 0xfu);
        float part = 0.0f;
        for (int k = g * group; k < (g + 1) * group; ++k) {
            const float code = float((uint32_t(__ldg(qweight + size_t(k) * words + word)) >> shift) & 0xfu);
            part = fmaf(__half2float(x[size_t(m) * K + k]), code - zero, part);
        }
        acc = fmaf(scale, part, acc);
    }
    y[size_t(m) * N + n] = __float2half_rn(acc);
}

// ---------------------------------------------------------------------------------------------
// Tensor-core kernel. Block = 4 warps, output tile BM x 64; each warp owns 16 columns (two n8
// tiles) for all BM rows (BM/16 m16 tiles). Per K step of 32: x tile -> As (fp16, [m][k]); the
// qweight tile is dequantized by the threads into Bs (fp16, [n][k], i.e. W^T column-major, the
// .col operand of mma). The next step's global loads are issued before the current step's mma so
// their latency overlaps the math. blockIdx.z picks a slice of K (split_k.h): at M <= 64 there are
// only N / 64 tiles, far too few blocks to keep HBM busy without it.
constexpr int kBN = 64;
constexpr int kBK = 32;
constexpr int kThreads = 128;
// Row pitch of both tiles in halves: 80-byte rows put the 8 rows x 4 words of one fragment load in
// 32 distinct banks, and keep rows 16-byte aligned for the uint4 stores of As.
constexpr int kPitch = kBK + 8;

__device__ __forceinline__ uint32_t loadPair(const __half* p) { return *reinterpret_cast<const uint32_t*>(p); }

__device__ __forceinline__ void mma16816(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                                         uint32_t b0, uint32_t b1)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
}

template <int BM>
__global__ void __launch_bounds__(kThreads)
    w4a16MmaKernel(const __half* __restrict__ x, const int32_t* __restrict__ qweight,
                   const int32_t* __restrict__ qzeros, const __half* __restrict__ scales, __half* __restrict__ y,
                   int M, int K, int N, int group, SplitK split)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    constexpr int MT = BM / 16;
    constexpr int kALoads = (BM * kBK / 8 + kThreads - 1) / kThreads; // uint4 (8 halves) per thread
    __shared__ __align__(16) __half As[BM][kPitch];
    __shared__ __align__(16) __half Bs[kBN][kPitch];

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int gid = lane >> 2, tig = lane & 3; // mma fragment coordinates
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * kBN;
    const int words = N / 8;

    // qweight tile mapping: 4 neighbouring threads read one row's 8 words (32 contiguous bytes,
    // one sector) as pairs, so a warp's load touches 8 cache lines rather than 32 (lane = row).
    const int bRow = tid / 4;                 // k within the step
    const int bWord = n0 / 8 + 2 * (tid % 4); // first of two words
    const int bColumn = 16 * (tid % 4);       // its first column within the tile
    const bool word0 = bWord < words, word1 = bWord + 1 < words;
    // One 8-byte load when both words are in range and 8-byte aligned (bWord is even; rows start
    // at even words only when N / 8 is even).
    const bool pairLoads = word1 && words % 2 == 0;

    // The next step's x tile, codes, zeros and scales, loaded before the current step's math: the
    // scales of a new group come from HBM and must not wait behind the codes.
    uint4 aReg[kALoads], sReg[2];
    uint32_t qReg[2], zReg[2];
    auto loadStep = [&](int k0) {
#pragma unroll
        for (int i = 0; i < kALoads; ++i) {
            const int idx = tid + i * kThreads;
            const int r = idx / (kBK / 8), c = (idx % (kBK / 8)) * 8;
            aReg[i] = make_uint4(0, 0, 0, 0);
            if (idx < BM * kBK / 8 && m0 + r < M)
                aReg[i] = __ldg(reinterpret_cast<const uint4*>(x + size_t(m0 + r) * K + k0 + c));
        }
        const int32_t* q = qweight + size_t(k0 + bRow) * words + bWord;
        if (pairLoads) {
            const uint2 pair = __ldg(reinterpret_cast<const uint2*>(q));
            qReg[0] = pair.x;
            qReg[1] = pair.y;
        } else {
            qReg[0] = word0 ? uint32_t(__ldg(q)) : 0u;
            qReg[1] = word1 ? uint32_t(__ldg(q + 1)) : 0u;
        }
        // The whole step lies in group k0 / group because group % 32 == 0.
        const int g = k0 / group;
#pragma unroll
        for (int j = 0; j < 2; ++j)
            if (j == 0 ? word0 : word1) {
                zReg[j] = uint32_t(__ldg(qzeros + size_t(g) * words + bWord + j));
                sReg[j] = __ldg(reinterpret_cast<const uint4*>(scales + size_t(g) * N + 8 * (bWord + j)));
            }
    };

    float acc[MT][2][4] = {};
    const int kBegin = blockIdx.z * split.sliceRows, kEnd = min(K, kBegin + split.sliceRows);
    if (kBegin < kEnd)
        loadStep(kBegin);
    for (int k0 = kBegin; k0 < kEnd; k0 += kBK) {
        __syncthreads(); // the previous step's fragments have been read
#pragma unroll
        for (int i = 0; i < kALoads; ++i) {
            const int idx = tid + i * kThreads;
            if (idx < BM * kBK / 8)
                *reinterpret_cast<uint4*>(&As[idx / (kBK / 8)][(idx % (kBK / 8)) * 8]) = aReg[i];
        }
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            if (!(j == 0 ? word0 : word1)) {
#pragma unroll
                for (int i = 0; i < 8; ++i)
                    Bs[bColumn + j * 8 + i][bRow] = __float2half_rn(0.0f);
                continue;
            }
            const uint32_t zeroWord = zReg[j];
            const __half* s = reinterpret_cast<const __half*>(&sReg[j]);
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const int code = int((qReg[j] >> (4 * i)) & 0xfu) - int((zeroWord >> (4 * i)) & 0xfu);
                const int col = bColumn + j * 8 + awqOrder(i);
                // (code - zero) has <= 5 bits and the scale 11, so the fp32 product is exact and the
                // conversion is the one fp16 rounding AutoAWQ's own dequantization performs.
                Bs[col][bRow] = __float2half_rn(float(code) * __half2float(s[awqOrder(i)]));
            }
        }
        __syncthreads();
        if (k0 + kBK < kEnd)
            loadStep(k0 + kBK);

#pragma unroll
        for (int kk = 0; kk < kBK; kk += 16) {
            uint32_t b[2][2];
#pragma unroll
            for (int nt = 0; nt < 2; ++nt) {
                const __half* bp = &Bs[warp * 16 + nt * 8 + gid][kk + 2 * tig];
                b[nt][0] = loadPair(bp);
                b[nt][1] = loadPair(bp + 8);
            }
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
                const __half* ap = &As[mt * 16 + gid][kk + 2 * tig];
                const uint32_t a0 = loadPair(ap), a1 = loadPair(ap + 8 * kPitch);
                const uint32_t a2 = loadPair(ap + 8), a3 = loadPair(ap + 8 * kPitch + 8);
#pragma unroll
                for (int nt = 0; nt < 2; ++nt)
                    mma16816(acc[mt][nt], a0, a1, a2, a3, b[nt][0], b[nt][1]);
            }
        }
    }

#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int nt = 0; nt < 2; ++nt) {
            const int n = n0 + warp * 16 + nt * 8 + 2 * tig; // even, and N % 8 == 0: n < N covers n + 1
            if (n >= N)
                continue;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int m = m0 + mt * 16 + gid + 8 * h;
                if (m >= M)
                    continue;
                const size_t out = size_t(m) * N + n;
                if (split.splits == 1) {
                    *reinterpret_cast<__half2*>(y + out) = __floats2half2_rn(acc[mt][nt][2 * h], acc[mt][nt][2 * h + 1]);
                } else {
                    atomicAdd(split.accumulator + out, acc[mt][nt][2 * h]);
                    atomicAdd(split.accumulator + out + 1, acc[mt][nt][2 * h + 1]);
                }
            }
        }
    if (split.splits > 1 && splitKLastBlock(split, blockIdx.y * gridDim.x + blockIdx.x))
        for (int idx = tid; idx < BM * kBN; idx += kThreads) {
            const int m = m0 + idx / kBN, n = n0 + idx % kBN;
            if (m < M && n < N)
                y[size_t(m) * N + n] = __float2half_rn(splitKTake(split, size_t(m) * N + n));
        }
#elif defined(__CUDA_ARCH__)
    __trap(); // the launcher never selects this kernel below sm_80
#endif
}

template <int BM>
void launchMma(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales, __half* y, int M,
               int K, int N, int group, cudaStream_t stream)
{
    const int columnTiles = (N + kBN - 1) / kBN, rowTiles = (M + BM - 1) / BM;
    // Small blocks (4 warps, <= 15 KB shared): about 8 per SM fit and keep loads in flight.
    const SplitK split = planSplitK(M, K, N, columnTiles * rowTiles, kBK, 4 * kBK, 8, stream);
    const dim3 grid(columnTiles, rowTiles, split.splits);
    w4a16MmaKernel<BM><<<grid, kThreads, 0, stream>>>(x, qweight, qzeros, scales, y, M, K, N, group, split);
    AWB_CUDA_CHECK_LAUNCH();
}

} // namespace

const char* w4a16KernelName(W4A16Kernel kernel)
{
    switch (kernel) {
    case W4A16Kernel::Auto: return "auto";
    case W4A16Kernel::Gemv: return "gemv";
    case W4A16Kernel::TensorCore: return "tensor-core gemm";
    case W4A16Kernel::Plain: return "plain";
    }
    return "?";
}

// Shared with w4a16_gemv.cu: validates the layout and resolves G = -1.
int w4a16GroupSize(int M, int K, int N, int G)
{
    if (M < 0 || K <= 0 || N <= 0)
        throw ShapeError("W4A16: M=" + std::to_string(M) + ", K=" + std::to_string(K) + ", N=" + std::to_string(N) +
                         " must be positive");
    if (N % 8 != 0)
        throw ShapeError("W4A16: N=" + std::to_string(N) + " is not a multiple of 8 (eight codes per int32)");
    const int group = G == -1 ? K : G;
    if (group <= 0 || K % group != 0)
        throw ShapeError("W4A16: K=" + std::to_string(K) + " is not a multiple of the group size " + std::to_string(G));
    return group;
}

void launchW4A16Plain(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales, __half* y,
                      int M, int K, int N, int group, cudaStream_t stream)
{
    const dim3 grid((N + 127) / 128, M);
    w4a16PlainKernel<<<grid, 128, 0, stream>>>(x, qweight, qzeros, scales, y, M, K, N, group);
    AWB_CUDA_CHECK_LAUNCH();
}

W4A16Kernel launchW4A16Gemm(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales,
                            __half* y, int M, int K, int N, int G, cudaStream_t stream, W4A16Kernel kernel)
{
    const int group = w4a16GroupSize(M, K, N, G);
    int device = 0, major = 0;
    AWB_CUDA_CHECK(cudaGetDevice(&device));
    AWB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    const bool mmaOk = major >= 8 && K % kBK == 0 && group % kBK == 0;
    if (kernel == W4A16Kernel::Auto)
        kernel = mmaOk ? W4A16Kernel::TensorCore : W4A16Kernel::Plain;
    if (kernel == W4A16Kernel::TensorCore && !mmaOk)
        throw ShapeError("W4A16 tensor-core GEMM needs sm_80+ (device is sm_" + std::to_string(major) +
                         "x), K % 32 == 0 and group % 32 == 0 (K=" + std::to_string(K) +
                         ", group=" + std::to_string(group) + ")");
    if (kernel == W4A16Kernel::Gemv)
        throw ShapeError("W4A16: use launchW4A16Gemv for the GEMV kernel");
    if (M == 0)
        return kernel;
    if (kernel == W4A16Kernel::Plain)
        launchW4A16Plain(x, qweight, qzeros, scales, y, M, K, N, group, stream);
    else if (M <= 16)
        launchMma<16>(x, qweight, qzeros, scales, y, M, K, N, group, stream);
    else if (M <= 32)
        launchMma<32>(x, qweight, qzeros, scales, y, M, K, N, group, stream);
    else
        launchMma<64>(x, qweight, qzeros, scales, y, M, K, N, group, stream);
    return kernel;
}

} // namespace awb
