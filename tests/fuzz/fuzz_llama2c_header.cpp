// libFuzzer target: the llama2.c v0 header. The input is the 28-byte header followed by the file
// size it claims (8 bytes, little-endian), so the fuzzer can reach "large enough" without writing
// gigabytes; the seeds are real checkpoints' headers with their real sizes.
#include "core/base/error.h"
#include "core/io/llama2c_header.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    uint64_t fileSize = size;
    if (size >= awb::kLlama2cHeaderBytes + 8)
        std::memcpy(&fileSize, data + awb::kLlama2cHeaderBytes, 8);
    try {
        const awb::Llama2cHeader h = awb::parseLlama2cHeader(data, size, fileSize, "fuzz.bin");
        // what the loader relies on: the weights it views lie inside the file
        if (h.floatCount <= 0 || static_cast<uint64_t>(h.floatCount) > (fileSize - awb::kLlama2cHeaderBytes) / 4)
            __builtin_trap();
    } catch (const awb::Error&) {
    }
    return 0;
}
