#pragma once
// UTF-8 helpers shared by the tokenizers and the text readers: one strict definition of valid
// UTF-8 (Rust's str: no overlong forms, no surrogates, nothing above U+10FFFF), so that a text file
// accepted by the reader is also what the tokenizers accept. Pure functions, any thread.
#include <cstddef>
#include <string>

namespace awb {

// Decodes the code point at s[pos] (pos < s.size()). Returns the sequence length, or 0 when the
// bytes at pos are not valid UTF-8.
size_t decodeUtf8(const std::string& s, size_t pos, char32_t& cp);
// Byte offset of the first byte that is not valid UTF-8, or std::string::npos.
size_t firstInvalidUtf8(const std::string& s);
void appendUtf8(std::string& out, char32_t cp);
// Rust's String::from_utf8_lossy (what the byte-level BPE decoder ends with): each maximal invalid
// subpart becomes one U+FFFD, so a token sequence that stops inside a character still decodes.
std::string lossyUtf8(const std::string& bytes);
// The length a lead byte announces, as SentencePiece steps through text: 1 for ASCII and for bytes
// that cannot lead a sequence (callers clamp at the end of the string).
size_t utf8SequenceLength(unsigned char lead);
// text cut to at most maxBytes without splitting a UTF-8 sequence, "…" appended when cut (labels,
// previews).
std::string truncatedUtf8(const std::string& text, size_t maxBytes);

} // namespace awb
