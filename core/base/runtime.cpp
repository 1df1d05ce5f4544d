#include "core/base/runtime.h"

#include <ATen/Parallel.h>
#include <cstdlib>
#include <dlfcn.h>
#include <malloc.h>
#include <thread>

namespace awb {

namespace {
constexpr int kOpenBlasOpenMp = 2; // openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP
}

void configureRuntime()
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20); // blocks up to 32 MiB come from the heap (see runtime.h)
    mallopt(M_TRIM_THRESHOLD, 64 << 20); // and freed memory stays for reuse, up to 64 MiB at the top
    mallopt(M_TOP_PAD, 64 << 20);

    const int threads = std::getenv("OMP_NUM_THREADS") ? at::get_num_threads()
                                                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(threads);
    // OpenBLAS is whichever libblas Debian's alternatives chose; look it up at run time.
    using GetParallel = int (*)();
    using SetThreads = void (*)(int);
    auto parallel = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
    auto setBlasThreads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!setBlasThreads)
        return;
    // OpenMP OpenBLAS (parallel == 2) runs on libtorch's own OpenMP team: one pool, all cores, and a
    // product called from inside a parallel region stays on its thread. The pthread build has a pool
    // of its own that spins against libtorch's, so it gets one thread.
    int blasThreads = parallel && parallel() == kOpenBlasOpenMp ? threads : 1;
    if (const char* env = std::getenv("AWB_BLAS_THREADS"))
        blasThreads = std::max(1, std::atoi(env));
    setBlasThreads(blasThreads);
}

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
