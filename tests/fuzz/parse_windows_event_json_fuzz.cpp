// Fuzz target for the evtx_dump JSON reader: any bytes must give one event per record
// found, each keeping its record's text as raw (in input order), flagged bad exactly
// when a reason is given and then without fields; a record that reads must be valid
// JSON to simdjson (run here as an independent oracle) and read alone the same again.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/windows_event_json.h"

namespace {

using namespace vigil;

void check(bool ok) {
  if (!ok) std::abort();
}

bool same_fields(const EventBatch& a, const Event& ea, const EventBatch& b, const Event& eb) {
  auto fa = a.fields(ea), fb = b.fields(eb);
  if (fa.size() != fb.size() || ea.time != eb.time || ea.flags != eb.flags) return false;
  for (size_t i = 0; i < fa.size(); ++i) {
    if (fa[i].id != fb[i].id || fa[i].value.type != fb[i].value.type) return false;
    if (fa[i].value.to_string() != fb[i].value.to_string()) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  EventBatch batch;
  Provenance p;
  p.receive_time = 1;
  p.input = "fuzz";
  WindowsReadStats stats = read_windows_event_json(text, p, batch);
  check(stats.records == batch.size());
  check((stats.errors == 0) == stats.first_error.empty());

  static simdjson::dom::parser oracle;
  size_t errors = 0, at = 0;
  for (const Event& e : batch.events()) {
    check(!e.raw.empty());
    size_t found = text.find(e.raw, at);  // records come in order and do not overlap
    check(found != std::string_view::npos);
    at = found + e.raw.size();
    size_t sum = 0;
    for (const Field& f : batch.fields(e))
      if (f.value.type == FieldType::String)
        for (char c : f.value.as_string()) sum += static_cast<unsigned char>(c);
    (void)sum;
    bool bad = (e.flags & kFlagParseError) != 0;
    check(bad == !e.parse_error.empty());
    if (bad) {
      ++errors;
      check(e.field_count == 0);
      check(e.flags & kFlagNoTimestamp);
      continue;
    }
    simdjson::dom::element root;
    check(oracle.parse(e.raw.data(), e.raw.size()).get(root) == simdjson::SUCCESS);
    check(root.type() == simdjson::dom::element_type::OBJECT);
    EventBatch again;
    WindowsReadStats one = read_windows_event_json(e.raw, p, again);
    check(one.records == 1 && one.errors == 0);
    check(same_fields(batch, e, again, again[0]));
  }
  check(stats.errors == errors);
  return 0;
}
