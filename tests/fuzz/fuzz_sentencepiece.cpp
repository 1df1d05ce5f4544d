// libFuzzer target: SentencePiece .model files (protobuf wire format, decoded natively), loaded and,
// when they load, run on a short text.
#include "core/base/error.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    awb::fuzz::MemoryFile file(data, size);
    try {
        awb::SentencePieceTokenizer t(file.path());
        const auto ids = t.encode("Once upon a time, caf\xC3\xA9 \xF0\x9F\x98\x80  x\n", true);
        (void)t.decode(ids);
    } catch (const awb::Error&) {
    }
    return 0;
}
