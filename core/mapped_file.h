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

private:
    MappedFile() = default;
    std::string m_path;
    uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace awb
