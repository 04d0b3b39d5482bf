// FieldDictionary: maps field names ("actor.user.name") to small integer ids once,
// so events carry 4-byte ids instead of strings and lookups compare integers.
// One process-wide dictionary; ids are only meaningful inside this process
// (anything written to disk or the wire carries names, see batch_codec.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vigil {

using FieldId = uint32_t;
constexpr FieldId kNoField = UINT32_MAX;

class FieldDictionary {
 public:
  // Field names come from untrusted senders (JSON keys, syslog SD names), and the
  // dictionary lives as long as the process: both its size and a name's length are
  // capped. A refused name yields kNoField (EventBatch drops such fields; the event's
  // raw bytes still hold them) and is counted in refused().
  static constexpr size_t kMaxFields = 1u << 18;
  static constexpr size_t kMaxNameBytes = 256;

  // The id of `name`, adding it when new; kNoField when refused. Thread-safe.
  FieldId intern(std::string_view name);
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  // The id of `name`, or kNoField when no event has used it.
  FieldId find(std::string_view name) const;
  // The name of an id returned by intern(); stable for the life of the process.
  std::string_view name(FieldId id) const;
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::atomic<uint64_t> refused_{0};
  std::deque<std::string> names_;  // deque: references stay valid as it grows
  std::unordered_map<std::string_view, FieldId> ids_;
};

// The process-wide dictionary.
FieldDictionary& field_dictionary();
inline FieldId field_id(std::string_view name) { return field_dictionary().intern(name); }
inline std::string_view field_name(FieldId id) { return field_dictionary().name(id); }

}  // namespace vigil
