// The FIM baseline: what every monitored path looked like at the last scan (type and
// permissions, owner, size, inode, times, SHA-256), kept in the collector's state
// folder so that changes made while the agent was stopped are found by its first scan.
//
// File format (text, one entry a line, rewritten whole and atomically):
//   vigil-fim-baseline 1
//   <mode octal> <uid> <gid> <size> <inode> <mtime ns> <ctime ns> <sha256 | - | too-large> <path>
//   ...
//   end <entries> <FNV-1a 64 of every byte before this line, 16 hex digits>
// Paths are %XX-escaped (%, space, control bytes, DEL), so a line splits at spaces.
// The trailer catches a cut or altered file: such a baseline is refused with the line
// that is wrong, never half-used.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil {

struct FileState {
  uint32_t mode = 0;  // st_mode: type and permission bits
  uint32_t uid = 0, gid = 0;
  uint64_t size = 0, inode = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  std::string sha256;      // hex; "" for what is not hashed (folders, links, too large)
  bool too_large = false;  // a regular file over max_hash_bytes
  bool operator==(const FileState&) const = default;
};

// Sorted by path, so a folder's entries are one range (lower_bound(dir + "/")).
using Baseline = std::map<std::string, FileState>;

std::string serialize_baseline(const Baseline& baseline);
// Replaces `out` with the entries of `text`; an error names the line and what is wrong.
Status parse_baseline(std::string_view text, Baseline& out);

// Writes a temporary file beside `file`, fsyncs it, renames it over `file` and fsyncs
// the folder: a crash leaves the old baseline or the new one, never a mix.
Status save_baseline(const Baseline& baseline, const std::filesystem::path& file);
// False in `found` (and an empty baseline) when there is no file yet.
Status load_baseline(const std::filesystem::path& file, Baseline& out, bool& found);

}  // namespace vigil
