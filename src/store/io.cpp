// File helpers for the store (see io.h). Plain POSIX calls: the store needs exact
// control over what is synced when, which iostreams do not give.
#include "store/io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::io {

Status os_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Status::error(fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("cannot write", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return {};
}

Status read_all(const std::filesystem::path& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path, errno);
  out.clear();
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return os_error("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return {};
}

Status sync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_error("cannot fsync directory", dir, err);
  return {};
}

Status write_file_synced(const std::filesystem::path& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("cannot create", path, errno);
  Status s = write_all(fd, data, path);
  if (s.ok() && ::fdatasync(fd) != 0) s = os_error("cannot fsync", path, errno);
  ::close(fd);
  return s;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  Status s = write_file_synced(tmp, data);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = os_error("cannot rename to " + path.string(), tmp, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return sync_dir(path.parent_path());
}

std::string seq_name(uint64_t seq, std::string_view suffix) { return fmt::format("{:016}{}", seq, suffix); }

bool parse_seq_name(std::string_view name, std::string_view suffix, uint64_t& seq) {
  if (name.size() != 16 + suffix.size() || name.substr(16) != suffix) return false;
  seq = 0;
  for (char c : name.substr(0, 16)) {
    if (c < '0' || c > '9') return false;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace vigil::io
