#pragma once
#include <cstdint>

// Process-wide settings for tensor workloads. Any thread.
namespace awb {

// 1. glibc hands allocations above 128 KiB to mmap and returns them on free, so every activation
//    tensor of a forward pass was page-faulted in anew (2/3 of eval time was kernel time); blocks
//    up to 32 MiB (every tensor of the embedded model's eval) now stay in the heap for reuse.
//    Larger ones (a large model's activations and upcast weights) still come from mmap and go back
//    on free: kept in the heap they fragmented it, and the AWQ search of a TinyLlama-shaped model
//    peaked at 1,043 MiB in block 1 and 1,411 MiB in block 2 (bench/RESULTS.md). Their page faults
//    did not show in its seconds per block.
// 2. libtorch parallelises with OpenMP. OpenBLAS built on pthreads runs a pool of its own, and
//    both pools on the same cores spin against each other (measured on 2 cores: AWQ search 29 s,
//    23 s of it kernel time), so that build (the default, packaging/setup-debian.sh) is held to one
//    thread. OpenBLAS built on OpenMP (libopenblas0-openmp, selected by hand) shares libtorch's team
//    and gets every intra-op thread: `awb eval` at the 135M shape ran 1.37x faster alone, but two
//    processes on 2 cores (ctest -j2) made every product wait for a descheduled team member and a
//    golden test ran 8x slower (bench/RESULTS.md). AWB_BLAS_THREADS overrides the BLAS thread count.
//    A job on a large model swaps the two for its duration: see ScopedJobThreads.
// Call once at start-up from main(), before the first tensor is made.
void configureRuntime();

// Hands the heap memory freed so far back to the OS (glibc's malloc_trim). For a job that repeats
// the same large steps (the AWQ search, block by block): each starts at its live size instead of on
// top of the free fragments the previous one left in the heap. Costs a walk of the heap and, later,
// the page faults of reusing that memory.
void releaseFreeMemory();

// Sets libtorch's intra-op threads for a scope and restores them after. The setting is
// process-wide, so use it only in a job that owns the process's tensor work (the CLI; one job at a
// time in the GUI). Why: a tiny model's ops are too small to split, and with other work on the
// cores the OpenMP team mostly waits for its members — measured on 2 loaded cores, stories260K's
// free-running curve took 25.6 s with 2 threads and 1.6 s with 1 (bench/RESULTS.md).
class ScopedIntraOpThreads {
public:
    explicit ScopedIntraOpThreads(int threads);
    ~ScopedIntraOpThreads();
    ScopedIntraOpThreads(const ScopedIntraOpThreads&) = delete;
    ScopedIntraOpThreads& operator=(const ScopedIntraOpThreads&) = delete;

private:
    int m_previous;
};

// The thread count of pthread OpenBLAS's own pool for a scope, restored after; threads <= 0, or an
// OpenBLAS without such a pool (the OpenMP build runs on libtorch's team), leaves it as it is. For
// example one thread for a scope whose own threads each call BLAS (workers of one intra-op thread
// each), since one pool of several threads would be shared by all of them.
class ScopedBlasThreads {
public:
    explicit ScopedBlasThreads(int threads);
    ~ScopedBlasThreads();
    ScopedBlasThreads(const ScopedBlasThreads&) = delete;
    ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

private:
    int m_previous;
};

// The threads of one job's tensor work, chosen by the model's width, for a scope (restored after).
// - Tiny models (width < 512, e.g. stories260K): one thread. Their ops are too small to split, and
//   with other work on the cores the OpenMP team mostly waits (see ScopedIntraOpThreads).
// - Larger ones: every core for BLAS, where their time goes. With pthread OpenBLAS (the default
//   build) libtorch's own ops then run on one thread, since two pools on the same cores spin against
//   each other; `awb eval` at the 135M shape took 13.6 s this way against 21.3 s with BLAS on one
//   thread and libtorch on two (bench/RESULTS.md). With OpenMP OpenBLAS both share libtorch's team.
// Like ScopedIntraOpThreads, for a job that owns the process's tensor work.
class ScopedJobThreads {
public:
    explicit ScopedJobThreads(int64_t modelWidth);

private:
    ScopedIntraOpThreads m_intraOp;
    ScopedBlasThreads m_blas;
};

// The cores this scope's tensor work may use: libtorch's intra-op threads or the pthread OpenBLAS
// pool's, whichever is larger (ScopedJobThreads gives a large model's BLAS all of them and libtorch one).
int tensorCores();

} // namespace awb
