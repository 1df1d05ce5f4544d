#pragma once
// MappedFile: a whole file mapped read-only into memory (copy-on-write, so a stray in-place write
// never reaches the disk). Shared by the tensors that view it; the mapping lives as long as any
// holder of the shared_ptr. Throws IoError naming the file when it cannot be opened or mapped.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace awb {

class MappedFile {
public:
    static std::shared_ptr<MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return m_data; }
    uint8_t* mutableData() const { return m_data; } // private copy-on-write pages
    size_t size() const { return m_size; }
    const std::string& path() const { return m_path; }

    // Drops the resident pages of [data, data + bytes) when that range lies inside a live mapping
    // (they are re-read from the file on the next access); does nothing for other memory. Lets a
    // job that streams a model block by block keep its resident size to about one block.
    static void releasePages(const void* data, size_t bytes);

private:
    MappedFile() = default;
    std::string m_path;
    uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace awb
