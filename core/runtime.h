#pragma once
// Process-wide settings for tensor workloads; call once at start-up from main() (any thread,
// before the first tensor is made).
namespace awb {

// glibc hands allocations above 128 KiB to mmap and returns them on free, so every activation
// tensor of a forward pass is page-faulted in anew (measured: 2/3 of eval time was kernel time).
// Keeping large blocks in the heap lets them be reused.
void tuneAllocatorForTensors();

} // namespace awb
