#include "kernels/split_k.h"

#include "kernels/cuda_check.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

namespace awb {

namespace {

struct Workspace {
    float* accumulator = nullptr;
    size_t floats = 0;
    unsigned* counters = nullptr;
    size_t tiles = 0;
};

// One workspace per (device, stream): launches on one stream are ordered, so they can share it;
// launches on different streams may overlap and must not.
std::mutex g_mutex;
std::map<std::pair<int, cudaStream_t>, Workspace> g_workspaces;
std::map<int, int> g_smCount;

template <typename T>
void grow(T*& buffer, size_t& have, size_t need)
{
    if (need <= have)
        return;
    // A launch queued on this stream may still use the old buffer.
    AWB_CUDA_CHECK(cudaDeviceSynchronize());
    AWB_CUDA_CHECK(cudaFree(buffer));
    buffer = nullptr;
    have = 0;
    AWB_CUDA_CHECK(cudaMalloc(&buffer, need * sizeof(T)));
    AWB_CUDA_CHECK(cudaMemset(buffer, 0, need * sizeof(T)));
    have = need;
}

} // namespace

SplitK planSplitK(int M, int K, int N, int tiles, int rowStep, int minSliceRows, int blocksPerSm, cudaStream_t stream)
{
    int device = 0;
    AWB_CUDA_CHECK(cudaGetDevice(&device));
    std::lock_guard<std::mutex> lock(g_mutex);
    int& sms = g_smCount[device];
    if (sms == 0)
        AWB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));

    SplitK s;
    const int wanted = std::max(1, (sms * blocksPerSm + tiles - 1) / tiles);
    const int maxSplits = std::max(1, K / std::max(minSliceRows, rowStep));
    s.splits = std::min(wanted, maxSplits);
    // Slices in whole K steps; rounding up can leave fewer slices than asked.
    const int steps = (K + rowStep - 1) / rowStep;
    s.sliceRows = (steps + s.splits - 1) / s.splits * rowStep;
    s.splits = (K + s.sliceRows - 1) / s.sliceRows;
    if (s.splits == 1)
        return s;
    Workspace& w = g_workspaces[{device, stream}];
    grow(w.accumulator, w.floats, size_t(M) * size_t(N));
    grow(w.counters, w.tiles, size_t(tiles));
    s.accumulator = w.accumulator;
    s.counters = w.counters;
    return s;
}

} // namespace awb
