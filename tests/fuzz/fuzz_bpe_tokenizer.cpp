// libFuzzer target: tokenizer.json (BPE, byte-level or SentencePiece-style), loaded and, when it
// loads, run on a short text with special tokens, bytes and non-ASCII letters.
#include "core/base/error.h"
#include "core/tokenizer/bpe_tokenizer.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    awb::fuzz::MemoryFile file(data, size);
    try {
        awb::BpeTokenizer t(file.path());
        const auto ids = t.encode("Once upon a time, <s> caf\xC3\xA9 \xF0\x9F\x98\x80  x\n", true);
        (void)t.decode(ids);
    } catch (const awb::Error&) {
    }
    return 0;
}
