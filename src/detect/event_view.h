// EventView: one event of a batch with its fields indexed by id, so that a rule's
// field lookups cost an array read instead of a scan. Reused from event to event
// (stamps instead of clearing), so indexing allocates nothing after warm-up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"

namespace vigil::detect {

class EventView {
 public:
  void set(const EventBatch& batch, uint32_t index);

  const EventBatch& batch() const { return *batch_; }
  const Event& event() const { return (*batch_)[index_]; }
  uint32_t index() const { return index_; }
  std::span<const Field> fields() const { return fields_; }

  bool has(FieldId id) const { return id < stamp_.size() && stamp_[id] == generation_; }
  // Calls f(value) for each value of `id` in order until f returns true; returns
  // whether one did.
  template <typename F>
  bool any_value(FieldId id, F&& f) const {
    if (!has(id)) return false;
    for (size_t i = first_[id]; i < fields_.size(); ++i)
      if (fields_[i].id == id && f(fields_[i].value)) return true;
    return false;
  }

 private:
  const EventBatch* batch_ = nullptr;
  uint32_t index_ = 0;
  std::span<const Field> fields_;
  uint32_t generation_ = 0;
  std::vector<uint32_t> stamp_;  // by FieldId: generation_ when the event has it
  std::vector<uint32_t> first_;  // by FieldId: index of its first value in fields_
};

// The text a rule compares a value as: strings as they are, numbers in decimal,
// booleans "true"/"false", times RFC 3339, addresses in their usual form. `scratch`
// holds the bytes when the value has no text of its own.
std::string_view value_text(const Value& v, std::string& scratch);

// A value as a number, as gt/gte/lt/lte and value_sum/avg read it: integers and floats,
// and text holding a decimal or 0x-hex number; nullopt otherwise.
std::optional<double> value_number(const Value& v);

}  // namespace vigil::detect
