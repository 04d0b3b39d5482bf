// Event -> ResultEvent; see result_event.h.
#include "query/result_event.h"

#include "query/value_text.h"

namespace vigil::query {

void assign_result_value(const Value& v, ResultValue& out) {
  out.type = v.type;
  out.is_null = false;
  out.i64 = 0;
  out.f64 = 0;
  out.text.clear();
  TextBuffer buf;
  switch (v.type) {
    case FieldType::String: out.text.assign(v.as_string()); break;
    case FieldType::Int64: out.i64 = v.i64; break;
    case FieldType::Float64: out.f64 = v.f64; break;
    case FieldType::Bool: out.i64 = v.b ? 1 : 0; break;
    case FieldType::Timestamp:
      out.i64 = v.ts;
      out.text.assign(format_time(v.ts, buf));
      break;
    case FieldType::Ip: out.text.assign(value_text(v, buf)); break;
  }
}

void assign_result_event(const EventBatch& batch, const Event& e, ResultEvent& out) {
  out.time = e.time;
  out.receive_time = e.receive_time;
  out.flags = e.flags;
  out.raw.assign(e.raw);
  out.source.assign(e.source);
  out.input.assign(e.input);
  out.tenant.assign(e.tenant);
  out.parse_error.assign(e.parse_error);
  // Values of a repeated field are made adjacent (at the field's first position):
  // the JSON form lists them as one array, and the round trip must be exact.
  auto fields = batch.fields(e);
  out.fields.resize(fields.size());
  size_t n = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    bool earlier = false;
    for (size_t j = 0; j < i && !earlier; ++j) earlier = fields[j].id == fields[i].id;
    if (earlier) continue;
    std::string_view name = field_name(fields[i].id);
    for (size_t j = i; j < fields.size(); ++j) {
      if (fields[j].id != fields[i].id) continue;
      out.fields[n].first.assign(name);
      assign_result_value(fields[j].value, out.fields[n].second);
      ++n;
    }
  }
}

ResultValue to_result_value(const Value& v) {
  ResultValue out;
  assign_result_value(v, out);
  return out;
}

ResultEvent to_result_event(const EventBatch& batch, const Event& e) {
  ResultEvent out;
  assign_result_event(batch, e, out);
  return out;
}

}  // namespace vigil::query
