// Test helper: a batch holding one normalized event, and typed look-ups of its
// fields by name (nullopt when the field is missing or of another type).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/event_batch.h"

namespace vigil::testing {

struct FirstEvent {
  EventBatch batch;

  const Event& e() const { return batch[0]; }
  const Value* get(std::string_view name) const {
    FieldId id = field_dictionary().find(name);
    return id == kNoField ? nullptr : batch.find(batch[0], id);
  }
  std::optional<int64_t> i(std::string_view name) const {
    const Value* v = get(name);
    if (!v || v->type != FieldType::Int64) return std::nullopt;
    return v->i64;
  }
  std::optional<std::string> s(std::string_view name) const {
    const Value* v = get(name);
    if (!v || v->type != FieldType::String) return std::nullopt;
    return std::string(v->as_string());
  }
  std::optional<std::string> ip(std::string_view name) const {
    const Value* v = get(name);
    if (!v || v->type != FieldType::Ip) return std::nullopt;
    return v->as_ip().to_string();
  }
  std::optional<bool> b(std::string_view name) const {
    const Value* v = get(name);
    if (!v || v->type != FieldType::Bool) return std::nullopt;
    return v->b;
  }
};

}  // namespace vigil::testing
