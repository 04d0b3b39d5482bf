// copy_event; see event_copy.h.
#include "cli/event_copy.h"

namespace vigil {

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
