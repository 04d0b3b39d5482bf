// Test helper: typed look-ups of the fields of event i of a batch, by name, with a
// sentinel ("<missing>", -12345) when the field is absent or of another type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"

namespace vigil::testing {

struct BatchFields {
  EventBatch batch;

  std::vector<Value> all(size_t i, std::string_view name) const {
    std::vector<Value> out;
    FieldId id = field_dictionary().find(name);
    for (const Field& f : batch.fields(batch[i]))
      if (f.id == id) out.push_back(f.value);
    return out;
  }
  const Value* get(size_t i, std::string_view name) const {
    FieldId id = field_dictionary().find(name);
    return id == kNoField ? nullptr : batch.find(batch[i], id);
  }
  std::string s(size_t i, std::string_view name) const {
    const Value* v = get(i, name);
    return v && v->type == FieldType::String ? std::string(v->as_string()) : "<missing>";
  }
  int64_t n(size_t i, std::string_view name) const {
    const Value* v = get(i, name);
    return v && v->type == FieldType::Int64 ? v->i64 : -12345;
  }
  std::string ip(size_t i, std::string_view name) const {
    const Value* v = get(i, name);
    return v && v->type == FieldType::Ip ? v->as_ip().to_string() : "<missing>";
  }
};

}  // namespace vigil::testing
