#include "core/store/hdf5_vetting.h"

#include "core/base/error.h"

#include <ATen/Parallel.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define AWB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AWB_ASAN 1
#endif
#endif
#ifdef AWB_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace awb::h5 {

namespace {

bool g_inChild = false;              // set in the forked child only (which has one thread)
thread_local std::string t_vetted;   // the path this thread reads after vetting it

// A clean read allocates what the file's extents declare, and the readers check those against the
// bytes stored, so a few times the file plus room for libtorch's first allocations is plenty.
uint64_t memoryAllowance(uint64_t fileBytes) { return (uint64_t(1) << 30) + 8 * fileBytes; }
// Generous: a clean read of a small store takes milliseconds, and reads run at hundreds of MB/s.
unsigned timeLimitSeconds(uint64_t fileBytes) { return 3 + static_cast<unsigned>(fileBytes / (20u << 20)); }

void limitMemory(uint64_t fileBytes)
{
#ifndef AWB_ASAN // ASan's shadow memory alone is beyond any address-space limit
    std::ifstream statm("/proc/self/statm");
    uint64_t pages = 0;
    statm >> pages; // the address space in use now (libraries, the parent's heap): not the read's
    const rlim_t limit = pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) + memoryAllowance(fileBytes);
    const rlimit r{limit, limit};
    setrlimit(RLIMIT_AS, &r);
#else
    (void)fileBytes;
#endif
}

// What the child reports: a kind letter, then '\0'-separated fields.
std::string report(char kind, const std::string& a, const std::string& b = {}, const std::string& c = {})
{
    return std::string(1, kind) + a + '\0' + b + '\0' + c;
}

[[noreturn]] void runChild(int fd, uint64_t fileBytes, const std::function<void()>& read)
{
    g_inChild = true;
    // Die by the default action, quietly: the parent says what happened. (Under a sanitizer, its
    // report on libhdf5 ends the child the same way, not a fuzzer's or test's run.)
    for (const int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM})
        std::signal(sig, SIG_DFL);
#ifdef AWB_ASAN
    __sanitizer_set_death_callback(nullptr);
#endif
    alarm(timeLimitSeconds(fileBytes));
    limitMemory(fileBytes);
    at::set_num_threads(1); // the parent's OpenMP threads did not come along through fork
    std::string msg;
    try {
        read();
        msg = report('O', "");
    } catch (const FormatError& e) {
        const std::string prefix = e.file() + ": " + (e.field().empty() ? "" : e.field() + ": ");
        const std::string what = e.what();
        msg = report('F', e.file(), e.field(), what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what);
    } catch (const ArgumentError& e) {
        msg = report('A', e.what());
    } catch (const ShapeError& e) {
        msg = report('S', e.what());
    } catch (const IoError& e) {
        msg = report('I', e.what());
    } catch (const Error& e) {
        msg = report('E', e.what());
    } catch (const std::exception& e) {
        msg = report('X', e.what());
    } catch (...) {
        msg = report('X', "unknown exception");
    }
    for (size_t done = 0; done < msg.size();) {
        const ssize_t n = ::write(fd, msg.data() + done, msg.size() - done);
        if (n <= 0)
            _exit(3);
        done += static_cast<size_t>(n);
    }
    _exit(0); // no atexit handlers, no destructors of the parent's objects, no stdio flush
}

// The child's error, thrown here; anything but an awb error means the read met the allowance or a
// library failure (std::bad_alloc, a c10 error).
[[noreturn]] void rethrow(const std::string& path, uint64_t fileBytes, const std::string& msg)
{
    std::string field[3];
    for (size_t i = 1, f = 0; i < msg.size() && f < 3; ++i)
        msg[i] == '\0' ? void(++f) : field[f].push_back(msg[i]);
    switch (msg[0]) {
    case 'F': throw FormatError(field[0], field[1], field[2]);
    case 'A': throw ArgumentError(field[0]);
    case 'S': throw ShapeError(field[0]);
    case 'I': throw IoError(field[0]);
    case 'E': throw Error(field[0]);
    default:
        throw FormatError(path, "/", "unreadable within " + std::to_string(memoryAllowance(fileBytes) >> 20) + " MiB (" + field[0] + ")");
    }
}

void vetInChild(const std::string& path, const std::function<void()>& read)
{
    std::error_code ec;
    uint64_t bytes = std::filesystem::file_size(path, ec);
    if (ec)
        bytes = 0; // missing or not a file: the reader's own check says so
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw IoError(path + ": cannot start the sandboxed read: " + std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw IoError(path + ": cannot start the sandboxed read: " + std::strerror(err));
    }
    if (pid == 0) {
        ::close(fds[0]);
        runChild(fds[1], bytes, read);
    }
    ::close(fds[1]);
    std::string msg;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0)
            msg.append(buf, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    ::close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const std::string malformed = "; the file is malformed (libhdf5 read it in a separate process first, which is how this process survived)";
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        throw FormatError(path, "/", "libhdf5 did not finish reading it within " + std::to_string(timeLimitSeconds(bytes)) + " s" + malformed);
    if (WIFSIGNALED(status))
        throw FormatError(path, "/", std::string("libhdf5 crashed reading it (") + strsignal(WTERMSIG(status)) + ")" + malformed);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || msg.empty())
        throw FormatError(path, "/", "libhdf5 failed reading it (exit status " + std::to_string(WEXITSTATUS(status)) + ")" + malformed);
    if (msg[0] != 'O')
        rethrow(path, bytes, msg);
}

} // namespace

VettedRead::VettedRead(const std::string& path, const std::function<void()>& read) : m_previous(t_vetted)
{
    if (g_inChild || t_vetted == path)
        return;
    vetInChild(path, read);
    t_vetted = path;
}

VettedRead::~VettedRead() { t_vetted = m_previous; }

WrittenHere::WrittenHere(const std::string& path) : m_previous(t_vetted) { t_vetted = path; }

WrittenHere::~WrittenHere() { t_vetted = m_previous; }

} // namespace awb::h5
