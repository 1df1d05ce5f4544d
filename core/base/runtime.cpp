#include "core/base/runtime.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <cstdlib>
#include <dlfcn.h>
#include <malloc.h>
#include <thread>

namespace awb {

namespace {
constexpr int kOpenBlasOpenMp = 2; // openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP

// OpenBLAS is whichever libblas Debian's alternatives chose; look it up at run time.
struct OpenBlas {
    int (*parallel)() = nullptr;
    int (*getThreads)() = nullptr;
    void (*setThreads)(int) = nullptr;
    OpenBlas()
    {
        parallel = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
        getThreads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
        setThreads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    }
    bool onOpenMp() const { return parallel && parallel() == kOpenBlasOpenMp; }
    // The pthread build keeps a pool of its own; the OpenMP build runs on libtorch's team.
    bool hasPool() const { return getThreads && setThreads && !onOpenMp(); }
    // The pool's thread count; 0 when there is no pool.
    int threads() const { return hasPool() ? getThreads() : 0; }
    void setPoolThreads(int n) const
    {
        if (n > 0 && hasPool())
            setThreads(n);
    }
};

const OpenBlas& openBlas()
{
    static const OpenBlas blas;
    return blas;
}

int hardwareCores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int g_jobThreads = hardwareCores(); // configureRuntime's choice: OMP_NUM_THREADS or every core

constexpr int64_t kTinyWidth = 512; // stories260K is 64 wide, the 135M shape 576

// ScopedJobThreads' choice (runtime.h): libtorch's threads, and the BLAS pool's (0: leave it).
int jobIntraOpThreads(int64_t width) { return width < kTinyWidth || openBlas().hasPool() ? 1 : g_jobThreads; }
int jobBlasThreads(int64_t width) { return width < kTinyWidth ? 0 : g_jobThreads; }
} // namespace

void configureRuntime()
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20); // blocks up to 32 MiB come from the heap (see runtime.h)
    mallopt(M_TRIM_THRESHOLD, 64 << 20); // and freed memory stays for reuse, up to 64 MiB at the top
    mallopt(M_TOP_PAD, 64 << 20);

    const int threads = std::getenv("OMP_NUM_THREADS") ? at::get_num_threads() : hardwareCores();
    at::set_num_threads(threads);
    g_jobThreads = threads;
    const OpenBlas& blas = openBlas();
    if (!blas.setThreads)
        return;
    // OpenMP OpenBLAS (parallel == 2) runs on libtorch's own OpenMP team: one pool, all cores, and a
    // product called from inside a parallel region stays on its thread. The pthread build has a pool
    // of its own that spins against libtorch's, so it gets one thread.
    int blasThreads = blas.onOpenMp() ? threads : 1;
    if (const char* env = std::getenv("AWB_BLAS_THREADS"))
        blasThreads = std::max(1, std::atoi(env));
    blas.setThreads(blasThreads);
}

ScopedJobThreads::ScopedJobThreads(int64_t modelWidth)
    : m_intraOp(jobIntraOpThreads(modelWidth)), m_blas(jobBlasThreads(modelWidth))
{
}

int tensorCores() { return std::max({1, at::get_num_threads(), openBlas().threads()}); }

ScopedBlasThreads::ScopedBlasThreads(int threads) : m_previous(openBlas().threads()) { openBlas().setPoolThreads(threads); }

ScopedBlasThreads::~ScopedBlasThreads() { openBlas().setPoolThreads(m_previous); }

ScopedIntraOpThreads::ScopedIntraOpThreads(int threads) : m_previous(at::get_num_threads())
{
    at::set_num_threads(std::max(1, threads));
}

ScopedIntraOpThreads::~ScopedIntraOpThreads() { at::set_num_threads(m_previous); }

void releaseFreeMemory()
{
    malloc_trim(0);
}

} // namespace awb
