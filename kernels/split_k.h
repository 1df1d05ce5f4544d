#pragma once
// Split-K for the W4A16 tensor-core GEMM. At small-prefill shapes one block per 16..64 x 64
// output tile leaves most SMs idle (4096 columns / 64 = 64 blocks at M <= 16 on a 132-SM H100/H200)
// with too few bytes in flight to approach HBM bandwidth, so K is cut into `splits` slices run by
// separate blocks. Each block adds its fp32 partial sums into a per-stream accumulator with
// atomicAdd (L2-resident: M x N floats); the last block of a tile to arrive (per-tile counter)
// converts the tile to fp16, writes y and zeroes the accumulator and counter again, so the next
// launch on the stream finds them clean. One kernel launch. The summation order of the slices
// varies from run to run: results agree to fp32 rounding, not bit for bit.
// Measured on an H200: 3.5x faster GEMM at M = 16, 4096 x 4096. The GEMV does not use it: there
// the atomics and the last-block pass cost more than the parallelism gained (bench/RESULTS.md).
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace awb {

struct SplitK {
    int splits = 1;            // slices of K; 1 = no accumulator, blocks write y directly
    int sliceRows = 0;         // rows of K per slice (a multiple of the kernel's K step)
    float* accumulator = nullptr; // [M, N] fp32, all zero between launches
    unsigned* counters = nullptr; // one per output tile, all zero between launches
};

// Chooses the split for a grid of `tiles` output tiles so that about `blocksPerSm` blocks per SM
// run, with slices of at least `minSliceRows` rows in multiples of `rowStep`, and fetches the
// stream's accumulator (grown as needed; growing synchronises the device once).
SplitK planSplitK(int M, int K, int N, int tiles, int rowStep, int minSliceRows, int blocksPerSm, cudaStream_t stream);

#ifdef __CUDACC__
// Called by every thread of a block once its partial sums are in the accumulator (atomicAdd) or,
// with one slice, not at all. Returns true in the block that must write the tile's output.
__device__ __forceinline__ bool splitKLastBlock(const SplitK& s, int tile)
{
    __shared__ bool last;
    __threadfence(); // this block's atomics are visible device-wide before the counter moves
    __syncthreads();
    if (threadIdx.x == 0) {
        last = atomicAdd(&s.counters[tile], 1u) == unsigned(s.splits - 1);
        if (last)
            s.counters[tile] = 0; // every other block of this tile has already counted
    }
    __syncthreads();
    if (last)
        __threadfence(); // acquire: read the other blocks' sums after seeing the count
    return last;
}

// Reads and clears one accumulator element in the last block (L2 copy: atomics bypass L1).
__device__ __forceinline__ float splitKTake(const SplitK& s, size_t index)
{
    const float value = __ldcg(s.accumulator + index);
    s.accumulator[index] = 0.0f;
    return value;
}
#endif

} // namespace awb
