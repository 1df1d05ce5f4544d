#pragma once
// Process-wide settings for tensor workloads; call once at start-up from main() (before the first
// tensor is made). Any thread.
namespace awb {

// 1. glibc hands allocations above 128 KiB to mmap and returns them on free, so every activation
//    tensor of a forward pass was page-faulted in anew (2/3 of eval time was kernel time); large
//    blocks now stay in the heap for reuse.
// 2. libtorch parallelises with OpenMP while OpenBLAS runs its own pthread pool: both pools on the
//    same cores spin against each other (measured on 2 cores: AWQ search 29 s, 23 s of it kernel
//    time). OpenBLAS is set to one thread and libtorch to all cores (AWB_BLAS_THREADS overrides).
void configureRuntime();

} // namespace awb
