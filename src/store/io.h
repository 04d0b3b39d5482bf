// File helpers for the store: whole writes and reads that retry on EINTR, fsync of
// files and directories, and errors that name the file and the OS reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::io {

// "<what> <path>: <strerror(errno)>", for the error paths below.
Status os_error(std::string_view what, const std::filesystem::path& path, int err);

Status write_all(int fd, std::string_view data, const std::filesystem::path& path);
Status read_all(const std::filesystem::path& path, std::string& out);
// fsync(2) of a directory, so that a created, renamed or deleted entry survives a crash.
Status sync_dir(const std::filesystem::path& dir);
// Creates or replaces `path` with `data` and fdatasyncs it (the directory entry is not synced).
Status write_file_synced(const std::filesystem::path& path, std::string_view data);
// Writes `data` to `path` durably and atomically: temp file, fsync, rename, dir fsync.
// A crash leaves either the old state (plus maybe a "*.tmp" file) or the new file.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data);

// Little-endian fixed-width integers of the on-disk formats.
inline void put_fixed32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void put_fixed64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline uint32_t get_fixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline uint64_t get_fixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// "%016llu" + suffix: sequence-numbered file names sort in numeric order.
std::string seq_name(uint64_t seq, std::string_view suffix);
// Parses a name made by seq_name(); false for anything else.
bool parse_seq_name(std::string_view name, std::string_view suffix, uint64_t& seq);

}  // namespace vigil::io
