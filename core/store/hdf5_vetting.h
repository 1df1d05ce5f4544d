#pragma once
// Reading HDF5 files that may be hostile. Debian's libhdf5 (1.10) is not safe on malformed files:
// fuzzing our readers found, within minutes, heap overflows in H5HG_read (a global-heap object whose
// size runs past its collection), in object-header message decoding, endless loops in the global
// heap cache and multi-gigabyte allocations, all inside libhdf5 where no check of ours can come
// first. So every store is first read once in a forked child by the very reader that will read it
// here, under a time limit and a memory allowance. What the child's read throws is thrown here (same
// type, file and field); a child that crashes, hangs or runs out of memory makes the file a
// FormatError; only after a clean read in the child is the file read in this process, where the same
// deterministic code takes the same path through the same bytes.
#include <functional>
#include <string>

namespace awb::h5 {

// Vets `path` for the lifetime of this object: runs `read` in a child first (see above) and throws
// what it threw or why it died. Nothing is forked inside a child, or while this thread is already
// inside a vetted read of the same path (a reader built on another one is vetted once, as a whole).
class VettedRead {
public:
    VettedRead(const std::string& path, const std::function<void()>& read);
    ~VettedRead();
    VettedRead(const VettedRead&) = delete;
    VettedRead& operator=(const VettedRead&) = delete;

private:
    std::string m_previous;
};

// Reads of `path` on this thread skip the child while this lives: for a file this process has just
// written with libhdf5 itself, well-formed by construction, whose reads are fuzzed in-process
// (tests/fuzz/fuzz_store_tree.cpp). Never for a file from elsewhere.
class WrittenHere {
public:
    explicit WrittenHere(const std::string& path);
    ~WrittenHere();
    WrittenHere(const WrittenHere&) = delete;
    WrittenHere& operator=(const WrittenHere&) = delete;

private:
    std::string m_previous;
};

// `read()` once it has read cleanly in a child.
template <typename Fn>
auto readVetted(const std::string& path, Fn read)
{
    const VettedRead vetted(path, [&] { (void)read(); });
    return read();
}

} // namespace awb::h5
