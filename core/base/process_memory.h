#pragma once
// The process's resident memory as the kernel counts it (/proc/self/status), in MiB: for a sweep's
// per-point record, the GUI's status bar and the benchmarks. Any thread; 0 where /proc is missing.
namespace awb {

double residentMiB();     // VmRSS: now
double peakResidentMiB(); // VmHWM: the high-water mark since the process started
// The machine's physical memory in bytes (sysconf), for refusing a request that cannot fit before
// any work; 0 when unknown.
double physicalMemoryBytes();

} // namespace awb
