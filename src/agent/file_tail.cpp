// Tail mechanics: pread from our own offset (never the fd's position), so a restart or a
// copytruncate only ever moves one number; rotation is noticed at the end of the data.
#include "agent/file_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vigil {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
}

FileTail::FileTail(std::string path, FileTailOptions options) : path_(std::move(path)), options_(std::move(options)) {
  if (options_.max_line_bytes == 0) options_.max_line_bytes = 1;
}

FileTail::~FileTail() { close_file(); }

void FileTail::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  begin_ = 0;
  skipping_ = false;
}

bool FileTail::open_file() {
  // O_NONBLOCK: a FIFO or device matched by a glob must not hang the agent's loop.
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error_ = errno == ENOENT ? "" : path_ + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error_ = path_ + ": not a regular file";
    ::close(fd);
    return false;
  }
  fd_ = fd;
  id_ = FileIdentity{st.st_dev, st.st_ino};
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t start = options_.start_offset ? options_.start_offset(id_, size, fd_) : 0;
  if (start > size) {  // shrunk while nobody watched: a copytruncate
    ++truncations_;
    start = 0;
  }
  read_pos_ = consumed_ = start;
  buf_.clear();
  begin_ = 0;
  skipping_ = false;
  error_.clear();
  return true;
}

bool FileTail::fill() {
  if (begin_ > 0) {
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  const size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  ssize_t n;
  do {
    n = ::pread(fd_, buf_.data() + old, kReadChunk, static_cast<off_t>(read_pos_));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    buf_.resize(old);
    if (n < 0) error_ = path_ + ": " + std::strerror(errno);
    return false;
  }
  buf_.resize(old + static_cast<size_t>(n));
  read_pos_ += static_cast<uint64_t>(n);
  return true;
}

TailStep FileTail::emit(TailLine& line, size_t n, bool truncated, uint64_t end) {
  line.text = std::string_view(buf_.data() + begin_, n);
  line.truncated = truncated;
  line.start_offset = consumed_;
  line.end_offset = end;
  begin_ += static_cast<size_t>(end - (read_pos_ - (buf_.size() - begin_)));
  consumed_ = end;
  return TailStep::kLine;
}

TailStep FileTail::next(TailLine& line) {
  if (rotated_pending_) {
    rotated_pending_ = false;
    close_file();
    return TailStep::kRotated;
  }
  if (fd_ < 0 && !open_file()) return TailStep::kIdle;
  const size_t max = options_.max_line_bytes;
  for (;;) {
    std::string_view pending(buf_.data() + begin_, buf_.size() - begin_);
    const uint64_t pending_offset = read_pos_ - pending.size();
    const size_t nl = pending.find('\n');
    if (nl != std::string_view::npos) {
      const uint64_t end = pending_offset + nl + 1;
      if (skipping_) {  // the end of a line already returned cut
        skipping_ = false;
        begin_ += nl + 1;
        consumed_ = end;
        continue;
      }
      return emit(line, std::min(nl, max), nl > max, end);
    }
    if (skipping_) {
      begin_ = buf_.size();
      consumed_ = read_pos_;
    } else if (pending.size() > max) {
      // Too long to hold: return its first max bytes now, skip the rest up to its newline.
      skipping_ = true;
      return emit(line, max, true, read_pos_);
    }
    if (fill()) continue;

    // The end of the data for now: the file was truncated, or the path names another file?
    struct stat st;
    if (::fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) < read_pos_) {
      ++truncations_;
      buf_.clear();
      begin_ = 0;
      read_pos_ = consumed_ = 0;
      skipping_ = false;
      continue;
    }
    struct stat now;
    if (::stat(path_.c_str(), &now) != 0 || (now.st_dev == id_.dev && now.st_ino == id_.ino))
      return TailStep::kIdle;  // gone without a successor yet, or the same file: wait
    // Renamed away and replaced: finish this file (its last line has no newline and never
    // will), then tell the caller before the new file starts.
    if (!skipping_ && begin_ < buf_.size()) {
      rotated_pending_ = true;
      return emit(line, buf_.size() - begin_, false, read_pos_);
    }
    close_file();
    return TailStep::kRotated;
  }
}

}  // namespace vigil
