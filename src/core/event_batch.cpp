#include "core/event_batch.h"

#include <algorithm>

namespace vigil {

Event& EventBatch::begin_event(const Provenance& p) {
  Event& e = events_.emplace_back();
  e.first_field = static_cast<uint32_t>(fields_.size());
  e.time = p.receive_time;
  e.receive_time = p.receive_time;
  e.raw = arena_.copy(p.raw);
  e.source = arena_.copy(p.source);
  e.input = arena_.copy(p.input);
  e.tenant = arena_.copy(p.tenant);
  return e;
}

void EventBatch::end_event() {
  Event& e = events_.back();
  e.field_count = static_cast<uint32_t>(fields_.size()) - e.first_field;
}

const Value* EventBatch::find(const Event& e, FieldId id) const {
  const Field* f = fields_.data() + e.first_field;
  const Field* end = f + e.field_count;
  for (; f != end; ++f)
    if (f->id == id) return &f->value;
  return nullptr;
}

TimeNs EventBatch::min_time() const {
  if (events_.empty()) return 0;
  TimeNs t = events_[0].time;
  for (const Event& e : events_) t = std::min(t, e.time);
  return t;
}

TimeNs EventBatch::max_time() const {
  if (events_.empty()) return 0;
  TimeNs t = events_[0].time;
  for (const Event& e : events_) t = std::max(t, e.time);
  return t;
}

void copy_event(const EventBatch& from, const Event& e, EventBatch& to) {
  to.begin_event({.receive_time = e.receive_time, .raw = e.raw, .source = e.source, .input = e.input, .tenant = e.tenant});
  to.set_time(e.time);
  if (e.flags & kFlagParseError) to.set_parse_error(e.parse_error);
  to.set_flag(e.flags);
  for (const Field& f : from.fields(e)) {
    if (f.value.type == FieldType::String) {
      to.add_string(f.id, f.value.as_string());
    } else {
      to.add(f.id, f.value);
    }
  }
  to.end_event();
}

}  // namespace vigil
