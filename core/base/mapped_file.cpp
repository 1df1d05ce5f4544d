#include "core/base/mapped_file.h"

#include "core/base/error.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace awb {

namespace {
std::mutex g_mappingsMutex;
std::map<const uint8_t*, size_t>& liveMappings() // start -> size
{
    static std::map<const uint8_t*, size_t> mappings;
    return mappings;
}
} // namespace

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw IoError(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw IoError(path + ": not a regular file");
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    file->m_size = static_cast<size_t>(st.st_size);
    if (file->m_size > 0) {
        void* p = mmap(nullptr, file->m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            throw IoError(path + ": cannot map: " + std::strerror(err));
        }
        file->m_data = static_cast<uint8_t*>(p);
        std::lock_guard<std::mutex> lock(g_mappingsMutex);
        liveMappings()[file->m_data] = file->m_size;
    }
    ::close(fd);
    return file;
}

MappedFile::~MappedFile()
{
    if (m_data) {
        {
            std::lock_guard<std::mutex> lock(g_mappingsMutex);
            liveMappings().erase(m_data);
        }
        munmap(m_data, m_size);
    }
}

void MappedFile::releasePages(const void* data, size_t bytes)
{
    const auto* p = static_cast<const uint8_t*>(data);
    std::lock_guard<std::mutex> lock(g_mappingsMutex);
    auto it = liveMappings().upper_bound(p);
    if (it == liveMappings().begin())
        return;
    --it;
    if (p < it->first || p + bytes > it->first + it->second)
        return; // not (entirely) inside a mapping: heap memory must never be discarded
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    // only whole pages inside the range, so neighbouring tensors keep theirs
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / page * page;
    if (end > begin)
        madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

} // namespace awb
