#include "core/base/atomic_file.h"

#include "core/base/error.h"

#include <cerrno>
#include <cstdio> // renameat2, RENAME_EXCHANGE (glibc >= 2.28)
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace awb {

AtomicFile::AtomicFile(std::string target) : m_target(std::move(target)), m_tmp(m_target + ".tmp")
{
    m_file = std::fopen(m_tmp.c_str(), "wb");
    if (!m_file)
        throw IoError(m_tmp + ": cannot create: " + std::strerror(errno));
}

AtomicFile::~AtomicFile()
{
    if (m_file) {
        std::fclose(m_file);
        std::remove(m_tmp.c_str());
    }
}

void AtomicFile::write(const void* data, size_t bytes)
{
    if (bytes > 0 && std::fwrite(data, 1, bytes, m_file) != bytes)
        throw IoError(m_tmp + ": write failed: " + std::strerror(errno));
}

void AtomicFile::commit()
{
    if (std::fflush(m_file) != 0 || fsync(fileno(m_file)) != 0)
        throw IoError(m_tmp + ": flush failed: " + std::strerror(errno));
    const int closed = std::fclose(m_file);
    m_file = nullptr;
    if (closed != 0) {
        const int err = errno;
        std::remove(m_tmp.c_str());
        throw IoError(m_tmp + ": close failed: " + std::strerror(err));
    }
    if (std::rename(m_tmp.c_str(), m_target.c_str()) != 0) {
        int err = errno;
        std::remove(m_tmp.c_str());
        throw IoError(m_target + ": rename failed: " + std::strerror(err));
    }
}

void commitFile(const std::string& tmp, const std::string& target)
{
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    const bool synced = fd >= 0 && fsync(fd) == 0;
    const int err = errno;
    if (fd >= 0)
        ::close(fd);
    if (!synced || std::rename(tmp.c_str(), target.c_str()) != 0) {
        const int e = synced ? errno : err;
        std::remove(tmp.c_str());
        throw IoError(target + ": cannot commit " + tmp + ": " + std::strerror(e));
    }
}

void writeFileAtomic(const std::string& path, const std::string& content)
{
    AtomicFile file(path);
    file.write(content);
    file.commit();
}

AtomicDirectory::AtomicDirectory(std::string target)
    : m_target(std::move(target)), m_tmp(m_target + ".tmp-" + std::to_string(getpid()))
{
    std::error_code ec;
    fs::remove_all(m_tmp, ec);
    if (!fs::create_directories(m_tmp, ec) || ec)
        throw IoError(m_tmp + ": cannot create folder: " + ec.message());
}

AtomicDirectory::~AtomicDirectory()
{
    if (!m_committed) {
        std::error_code ec;
        fs::remove_all(m_tmp, ec);
    }
}

void AtomicDirectory::commit()
{
    std::error_code ec;
    if (!fs::exists(m_target, ec)) {
        fs::rename(m_tmp, m_target, ec);
        if (ec)
            throw IoError(m_target + ": rename failed: " + ec.message());
        m_committed = true;
        return;
    }
    // An existing folder is swapped with the finished one in one step, so a reader (or a crash)
    // sees either the old folder or the new one, never neither. m_tmp then holds the old folder.
    if (renameat2(AT_FDCWD, m_tmp.c_str(), AT_FDCWD, m_target.c_str(), RENAME_EXCHANGE) == 0) {
        fs::remove_all(m_tmp, ec);
        m_committed = true;
        return;
    }
    const int err = errno; // before any allocation below can change it
    if (err != EINVAL && err != ENOSYS && err != ENOTSUP)
        throw IoError(m_target + ": cannot replace existing folder: " + std::strerror(err));
    // A file system without RENAME_EXCHANGE: the old folder is moved aside only now that the new
    // one is complete, and moved back if the second rename fails; the window is two syscalls wide.
    const std::string old = m_target + ".old-" + std::to_string(getpid());
    fs::rename(m_target, old, ec);
    if (ec)
        throw IoError(m_target + ": cannot replace existing folder: " + ec.message());
    fs::rename(m_tmp, m_target, ec);
    if (ec) {
        std::error_code ignored;
        fs::rename(old, m_target, ignored);
        throw IoError(m_target + ": rename failed: " + ec.message());
    }
    m_committed = true;
    fs::remove_all(old, ec);
}

} // namespace awb
