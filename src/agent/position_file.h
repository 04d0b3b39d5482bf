// PositionFile: a collector's read positions (file offsets, a journal cursor) as a
// small text file, committed in two steps with the agent's spool (collector.h):
// prepare(seq, text) writes <path>.pending naming spool batch `seq`; commit() renames
// it over <path>. At start, load() adopts a pending file whose batch reached the spool
// (seq < the spool's next seq) and discards one whose batch did not, so after a crash
// the positions match exactly what the spool holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil {

class PositionFile {
 public:
  explicit PositionFile(std::filesystem::path path) : path_(std::move(path)) {}
  // The committed positions ("" when none were ever saved).
  Result<std::string> load(uint64_t spool_next_seq);
  Status prepare(uint64_t seq, std::string_view text);
  Status commit();
  // Without the spool (a collector used on its own, or a clean stop with nothing pending).
  Status save(std::string_view text);
  bool two_phase() const { return two_phase_; }

 private:
  std::filesystem::path pending_path() const { return path_.string() + ".pending"; }
  std::filesystem::path path_;
  bool prepared_ = false;
  std::string pending_text_;
  bool two_phase_ = false;  // prepare() was used: positions follow the spool only
};

}  // namespace vigil
