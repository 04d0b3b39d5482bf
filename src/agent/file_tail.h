// FileTail: follows one log file path line by line across appends and rotations, and
// says where each line ends so a caller can persist how far it got. No OCSF here.
//
// Rotation by rename (logrotate's default, "create"): when the path names another file,
// the old one is read to its end first (a last line without its newline included),
// then next() returns kRotated and the new file is read from 0. Rotation by
// copytruncate: the file got shorter than what was read, so it is read again from 0
// (counted in truncations()). A line longer than max_line_bytes is returned cut, with
// `truncated` set; the rest of it up to its newline is skipped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil {

// A file, whatever its name is now: offsets are kept per identity, so a rotated file
// keeps its own.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

struct TailLine {
  std::string_view text;    // without its newline; valid until the next call
  bool truncated = false;   // cut at max_line_bytes
  uint64_t start_offset = 0;  // file offset of its first byte
  uint64_t end_offset = 0;  // file offset just after the line (and its newline)
};

enum class TailStep { kLine, kRotated, kIdle };

struct FileTailOptions {
  size_t max_line_bytes = 64 * 1024;
  // Where to start reading a file just opened, given its identity and size: a saved
  // offset, its size (only new lines), or 0. An offset beyond the size means the file
  // was truncated while nobody watched: it is read from 0.
  std::function<uint64_t(const FileIdentity&, uint64_t size, int fd)> start_offset;
};

class FileTail {
 public:
  FileTail(std::string path, FileTailOptions options);
  ~FileTail();
  FileTail(const FileTail&) = delete;
  FileTail& operator=(const FileTail&) = delete;

  // The next complete line; kRotated when the file followed so far is finished and the
  // path now names another one (the caller ends what it holds of the old file); kIdle
  // when there is nothing more for now (or the path does not exist yet).
  TailStep next(TailLine& line);

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const FileIdentity& identity() const { return id_; }
  // Offset just after the last line returned (what a restart may resume from).
  uint64_t offset() const { return consumed_; }
  uint64_t truncations() const { return truncations_; }
  // The last error opening or reading the file ("" when none); cleared by success.
  const std::string& error() const { return error_; }

 private:
  bool open_file();
  void close_file();
  // Reads more bytes; false at the end of the file for now.
  bool fill();
  // Emits bytes of the buffer [begin_, begin_+n) as a line ending at `end`.
  TailStep emit(TailLine& line, size_t n, bool truncated, uint64_t end);

  std::string path_;
  FileTailOptions options_;
  int fd_ = -1;
  FileIdentity id_;
  std::string buf_;          // bytes read but not yet returned as lines
  size_t begin_ = 0;         // start of the first pending byte in buf_
  uint64_t read_pos_ = 0;    // file offset of the byte after buf_
  uint64_t consumed_ = 0;    // file offset after the last line returned
  bool skipping_ = false;    // inside the rest of a line that was cut
  bool rotated_pending_ = false;
  uint64_t truncations_ = 0;
  std::string error_;
};


}  // namespace vigil
