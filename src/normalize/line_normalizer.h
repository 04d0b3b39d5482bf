// LineNormalizer: the one door through which text lines of any source become OCSF
// events — syslog and bare vendor lines through the parser packs, JSON objects through
// JSON packs (else kept with their own names), and the stream formats whose meaning
// spans lines. One per stream (a file, a TCP connection): it holds that stream's state.
#pragma once

#include <memory>
#include <string_view>

#include "core/event_batch.h"
#include "normalize/pack_set.h"
#include "normalize/syslog_event.h"

namespace vigil {

struct NormalizerOptions {
  std::shared_ptr<const PackSet> packs;  // may be null: built-in mappings only
  std::string_view only_pack;            // try just this pack (vigil parse --pack)
  size_t max_line_bytes = 64 * 1024;
  int32_t default_utc_offset_s = 0;
};

class LineNormalizer {
 public:
  explicit LineNormalizer(NormalizerOptions options);
  ~LineNormalizer();
  LineNormalizer(LineNormalizer&&) noexcept;
  LineNormalizer& operator=(LineNormalizer&&) noexcept;

  // One line (without its newline). Most lines append one event; a stream's header
  // lines (Zeek's #fields) append none; records that belong together (auditd) are
  // held until their event is complete. Blank lines are skipped.
  void add_line(std::string_view line, const Provenance& p, EventBatch& out);
  // Appends what is held (end of a file, of a network batch).
  void flush(EventBatch& out);

  // Packs for the lines that follow (a reload); held lines keep their own.
  void set_packs(std::shared_ptr<const PackSet> packs) { options_.packs = std::move(packs); }

  // The pack that mapped the last line added (null: none, or a built-in reader).
  const Pack* last_pack() const { return last_pack_; }
  const NormalizerOptions& options() const { return options_; }

 private:
  struct State;
  NormalizerOptions options_;
  std::unique_ptr<State> state_;
  const Pack* last_pack_ = nullptr;
};

}  // namespace vigil
