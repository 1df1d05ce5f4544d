#include "core/base/runtime.h"

#include <ATen/Parallel.h>
#include <cstdlib>
#include <dlfcn.h>
#include <malloc.h>
#include <thread>

namespace awb {

void configureRuntime()
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20); // blocks up to 32 MiB come from the heap (see runtime.h)
    mallopt(M_TRIM_THRESHOLD, 64 << 20); // and freed memory stays for reuse, up to 64 MiB at the top
    mallopt(M_TOP_PAD, 64 << 20);

    int blasThreads = 1;
    if (const char* env = std::getenv("AWB_BLAS_THREADS"))
        blasThreads = std::max(1, std::atoi(env));
    // OpenBLAS is whichever libblas Debian's alternatives chose; look the setter up at run time.
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        set(blasThreads);
    if (!std::getenv("OMP_NUM_THREADS"))
        at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
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
