#include "agent/position_file.h"

#include <cstdio>

#include "store/io.h"

namespace vigil {

namespace fs = std::filesystem;

Result<std::string> PositionFile::load(uint64_t spool_next_seq) {
  std::string pending;
  if (fs::exists(pending_path())) {
    if (Status s = io::read_all(pending_path(), pending); !s.ok()) return s;
    unsigned long long seq = 0;
    int used = 0;
    const bool named = std::sscanf(pending.c_str(), "seq %llu\n%n", &seq, &used) == 1 && used > 0;
    std::error_code ec;
    if (named && seq < spool_next_seq) {
      // Its batch is in the spool: these positions are the committed ones.
      if (Status s = io::write_file_atomic(path_, std::string_view(pending).substr(static_cast<size_t>(used))); !s.ok())
        return s;
    }
    fs::remove(pending_path(), ec);
  }
  std::string text;
  if (fs::exists(path_))
    if (Status s = io::read_all(path_, text); !s.ok()) return s;
  return text;
}

Status PositionFile::prepare(uint64_t seq, std::string_view text) {
  two_phase_ = true;
  std::string content = "seq " + std::to_string(seq) + "\n";
  content.append(text);
  Status s = io::write_file_atomic(pending_path(), content);
  prepared_ = s.ok();
  pending_text_.assign(text);
  return s;
}

Status PositionFile::commit() {
  if (!prepared_) return {};
  prepared_ = false;
  // A crash after this write and before the removal leaves a pending file that load()
  // adopts: the same positions.
  if (Status s = io::write_file_atomic(path_, pending_text_); !s.ok()) return s;
  std::error_code ec;
  fs::remove(pending_path(), ec);
  return {};
}

Status PositionFile::save(std::string_view text) { return io::write_file_atomic(path_, text); }

}  // namespace vigil
