// LOCK file (see lock_file.h). flock locks belong to the open file description, so a
// second open() in the same process conflicts too: tests can check refusal in-process.
#include "store/lock_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "store/io.h"

namespace vigil {

Result<std::unique_ptr<LockFile>> LockFile::acquire(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / "LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io::os_error("cannot open", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return io::os_error("cannot lock", path, err);
    }
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Status::error(fmt::format("data directory {} is in use by another Vigil process (pid {})", dir.string(),
                                     pid.empty() ? "unknown" : pid));
  }
  // Informational only: the lock is the flock, not the content.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return io::os_error("cannot write", path, err);
  }
  return std::unique_ptr<LockFile>(new LockFile(fd));
}

LockFile::~LockFile() { ::close(fd_); }

}  // namespace vigil
