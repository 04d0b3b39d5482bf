// PackSet: the loaded parser packs, and the one place a line meets them — the first
// pack (by priority, then name) whose matcher, extraction and conditions all hold adds
// its OCSF fields to the event. Immutable once built, so a reload swaps in a new set
// while batches in flight finish with the old one.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event_batch.h"
#include "normalize/pack.h"

namespace vigil {

struct SyslogMessage;

// What packs see of a line.
struct LineInput {
  std::string_view message;              // syslog MSG, or the whole line when it has no header
  std::string_view line;                 // the whole line (packs with read: line); empty: message
  std::string_view program;              // syslog app name; empty when none
  const SyslogMessage* syslog = nullptr; // the parsed header (builtins read it); may be null
  TimeNs receive_time = 0;
};

// What the pack that matched did to the event.
// The targets a mapped pack set are stamped in a per-thread table rather than listed,
// so a line allocates nothing: wrote() is valid until the next apply() on this thread.
struct PackOutcome {
  const Pack* pack = nullptr;  // null: no pack matched, nothing was added
  int class_uid = 0;
  std::vector<FieldId> written;  // targets a builtin mapper set (the caller does not add its own then)
  const std::vector<uint32_t>* stamps = nullptr;  // per field id: the generation that wrote it
  uint32_t generation = 0;
  bool wrote(FieldId id) const {
    if (stamps && id < stamps->size() && (*stamps)[id] == generation) return true;
    for (FieldId w : written)
      if (w == id) return true;
    return false;
  }
};

// One pack's verdict on a line, for `vigil parse --explain`.
struct PackVerdict {
  std::string pack;
  std::string file;
  bool matched = false;
  std::string reason;  // "program 'sshd' is not one of [filterlog]", "case 'traffic' (line 40)"
};

class PackSet {
 public:
  explicit PackSet(std::vector<std::shared_ptr<const Pack>> packs);

  // Runs the packs on `in`; the first that matches adds its fields to the open event of
  // `out`. With `only`, just that pack is tried.
  PackOutcome apply(const LineInput& in, EventBatch& out, std::string_view only = {}) const;
  // Every candidate pack's verdict, in the order apply() tries them (nothing is added
  // to `scratch` that matters: it only holds extracted bytes).
  std::vector<PackVerdict> explain(const LineInput& in, EventBatch& scratch) const;

  const std::vector<std::shared_ptr<const Pack>>& packs() const { return packs_; }
  const Pack* find(std::string_view name) const;

 private:
  const std::vector<const Pack*>& candidates(std::string_view program) const;

  std::vector<std::shared_ptr<const Pack>> packs_;  // by priority, then name
  std::vector<const Pack*> any_program_;            // packs without a program matcher
  std::unordered_map<std::string, std::vector<const Pack*>> by_program_;  // lower-case program
};

}  // namespace vigil
