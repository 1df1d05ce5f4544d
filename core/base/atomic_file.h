#pragma once
// Atomic writes: content goes to "<target>.tmp" (or a temporary sibling folder), is fsync'ed, and is
// renamed over the target only by commit(). Destroying an uncommitted writer removes the temporary,
// so a failed or cancelled job never leaves a file that looks complete. Single-threaded use.
#include <cstdint>
#include <cstdio>
#include <string>

namespace awb {

class AtomicFile {
public:
    explicit AtomicFile(std::string target);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, size_t bytes);
    void write(const std::string& text) { write(text.data(), text.size()); }
    void commit(); // fsync + rename; throws IoError naming the file

private:
    std::string m_target;
    std::string m_tmp;
    std::FILE* m_file = nullptr;
};

// For files a library writes (HDF5) under a temporary name: fsyncs tmp and renames it over target;
// on failure removes tmp and throws IoError naming target.
void commitFile(const std::string& tmp, const std::string& target);

// Writes a whole text file atomically.
void writeFileAtomic(const std::string& path, const std::string& content);

// A folder built under "<target>.tmp-<pid>" and renamed to target by commit(); an existing target
// is replaced only at commit, by an atomic exchange (renameat2 RENAME_EXCHANGE), so the old folder
// stays readable until the new one is complete. Uncommitted folders are removed on destruction.
class AtomicDirectory {
public:
    explicit AtomicDirectory(std::string target);
    ~AtomicDirectory();
    AtomicDirectory(const AtomicDirectory&) = delete;
    AtomicDirectory& operator=(const AtomicDirectory&) = delete;

    const std::string& path() const { return m_tmp; } // where to write meanwhile
    void commit();

private:
    std::string m_target;
    std::string m_tmp;
    bool m_committed = false;
};

} // namespace awb
