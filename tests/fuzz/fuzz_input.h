#pragma once
// Helpers shared by the fuzz targets. Parsers that take a path get the input through an anonymous
// in-memory file (memfd), named by /proc/self/fd/N: no disk traffic, nothing to clean up, and it is
// a regular file, as MappedFile requires. libhdf5 resolves the name it opens to a real path, which a
// memfd does not have: the HDF5 stores get a file in /dev/shm (RAM too) instead.
#include <cstddef>
#include <cstdint>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace awb::fuzz {

// A failed write is the harness's, not the parser's: it throws, which the fuzzer reports.
inline void writeAll(int fd, const uint8_t* data, size_t size, const std::string& name)
{
    for (size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n <= 0)
            throw std::runtime_error("write to " + name + " failed");
        done += static_cast<size_t>(n);
    }
}

class MemoryFile {
public:
    MemoryFile(const uint8_t* data, size_t size) : m_fd(memfd_create("awb-fuzz", MFD_CLOEXEC))
    {
        if (m_fd < 0)
            throw std::runtime_error("memfd_create failed"); // the harness, not the parser: a finding
        writeAll(m_fd, data, size, "memfd");
        m_path = "/proc/self/fd/" + std::to_string(m_fd);
    }
    ~MemoryFile() { ::close(m_fd); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    const std::string& path() const { return m_path; }

private:
    int m_fd;
    std::string m_path;
};

class ShmFile {
public:
    ShmFile(const uint8_t* data, size_t size) : m_path("/dev/shm/awb-fuzz-" + std::to_string(::getpid()))
    {
        const int fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            throw std::runtime_error("cannot create " + m_path);
        writeAll(fd, data, size, m_path);
        ::close(fd);
    }
    ~ShmFile() { ::unlink(m_path.c_str()); }
    ShmFile(const ShmFile&) = delete;
    ShmFile& operator=(const ShmFile&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace awb::fuzz
