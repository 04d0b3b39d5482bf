// The LOCK file of a data directory: one writer per directory, enforced with
// flock(2) so the lock dies with the process (no stale locks after a crash).
// The holder's pid is written into the file so that the refusal can name it.
#pragma once

#include <filesystem>
#include <memory>

#include "core/status.h"

namespace vigil {

class LockFile {
 public:
  // Takes <dir>/LOCK or fails with "data directory X is in use by another Vigil
  // process (pid N)".
  static Result<std::unique_ptr<LockFile>> acquire(const std::filesystem::path& dir);
  ~LockFile();  // releases the lock (closing the descriptor does it)

  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace vigil
