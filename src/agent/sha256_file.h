// SHA-256 of a file's content, streamed (OpenSSL EVP) with a size cap: for the
// executables the exec collector sees and the files FIM watches. A file over the cap
// is not read at all; the caller says so in its event instead of leaving the hash out
// without a word.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace vigil {

struct FileDigest {
  std::string sha256;      // 64 lower-case hex digits; "" when too_large
  bool too_large = false;  // size > max_bytes: not hashed
  uint64_t size = 0;       // bytes hashed (or the size that was too large)
};

// Hashes what `fd` refers to, from offset 0 (pread: the fd's own offset is left
// alone). The fd must be a regular file.
Result<FileDigest> sha256_fd(int fd, uint64_t max_bytes);

// Opens `path` without blocking (a FIFO put in a watched folder must not hang the
// agent) and hashes it when it is a regular file; an error otherwise.
Result<FileDigest> sha256_file(const std::string& path, uint64_t max_bytes);

// SHA-256 of bytes in memory, as hex (tests, small blobs).
std::string sha256_hex(const void* data, size_t size);

}  // namespace vigil
