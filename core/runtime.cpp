#include "core/runtime.h"

#include <malloc.h>

namespace awb {

void tuneAllocatorForTensors()
{
    mallopt(M_MMAP_THRESHOLD, 1 << 30);  // blocks up to 1 GiB come from the heap
    mallopt(M_TRIM_THRESHOLD, 1 << 30);  // and freed memory stays for reuse
    mallopt(M_TOP_PAD, 64 << 20);
}

} // namespace awb
