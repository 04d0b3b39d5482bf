// EventView and value_text; see event_view.h.
#include "detect/event_view.h"

#include <charconv>

namespace vigil::detect {

void EventView::set(const EventBatch& batch, uint32_t index) {
  batch_ = &batch;
  index_ = index;
  fields_ = batch.fields(batch[index]);
  if (++generation_ == 0) {  // wrapped: old stamps could read as current
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  for (uint32_t i = 0; i < fields_.size(); ++i) {
    const FieldId id = fields_[i].id;
    if (id >= stamp_.size()) {
      stamp_.resize(id + 64, 0);
      first_.resize(id + 64, 0);
    }
    if (stamp_[id] != generation_) {
      stamp_[id] = generation_;
      first_[id] = i;
    }
  }
}

std::string_view value_text(const Value& v, std::string& scratch) {
  switch (v.type) {
    case FieldType::String:
      return v.as_string();
    case FieldType::Int64: {
      scratch.resize(24);
      auto r = std::to_chars(scratch.data(), scratch.data() + scratch.size(), v.i64);
      return {scratch.data(), static_cast<size_t>(r.ptr - scratch.data())};
    }
    case FieldType::Float64: {
      scratch.resize(32);
      auto r = std::to_chars(scratch.data(), scratch.data() + scratch.size(), v.f64);
      return {scratch.data(), static_cast<size_t>(r.ptr - scratch.data())};
    }
    case FieldType::Bool:
      return v.b ? "true" : "false";
    case FieldType::Timestamp:
      scratch.resize(kRfc3339MaxSize);
      scratch.resize(format_rfc3339(v.ts, scratch.data()));
      return scratch;
    case FieldType::Ip:
      scratch = v.as_ip().to_string();
      return scratch;
  }
  return {};
}

std::optional<double> value_number(const Value& v) {
  switch (v.type) {
    case FieldType::Int64:
      return static_cast<double>(v.i64);
    case FieldType::Float64:
      return v.f64;
    case FieldType::String: {
      std::string_view s = v.as_string();
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      double d = 0;
      if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t u = 0;
        auto r = std::from_chars(s.data() + 2, s.data() + s.size(), u, 16);
        if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return static_cast<double>(u);
        return std::nullopt;
      }
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return d;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace vigil::detect
