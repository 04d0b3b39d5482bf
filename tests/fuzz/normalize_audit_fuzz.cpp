// Fuzz target for auditd coalescing: bytes split into lines fed through
// AuditAssembler::add then flush (small limits so eviction and the record cap run).
// Traps unless every line ends up in exactly one event's raw (nothing lost, nothing
// left open), flags agree with parse errors, and every string stays readable.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "normalize/audit_event.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  AuditAssembler assembler(AuditEventOptions{.max_open_events = 3, .max_records_per_event = 4});
  EventBatch batch;
  Provenance p;
  p.receive_time = 1;
  p.input = "fuzz";
  size_t line_bytes = 0;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line_bytes += line.size();
    assembler.add(line, p, batch);
    check(assembler.open_events() <= 3);
  }
  assembler.flush(batch);
  check(assembler.open_events() == 0);

  // Raws hold every byte of every line (records joined by '\n' or by their own spaces;
  // the spaces between a line's records of different events are not kept).
  size_t raw_bytes = 0;
  volatile size_t sum = 0;
  for (const Event& e : batch.events()) {
    raw_bytes += e.raw.size();
    bool is_error = (e.flags & kFlagParseError) != 0;
    check(is_error == !e.parse_error.empty());
    check(e.input == "fuzz");
    for (const Field& f : batch.fields(e))
      if (f.value.type == FieldType::String)
        for (char c : f.value.as_string()) sum = sum + static_cast<unsigned char>(c);
  }
  check(raw_bytes <= line_bytes + batch.size() * 64 + size);
  size_t non_space = 0, raw_non_space = 0;
  for (size_t i = 0; i < size; ++i) {
    char c = static_cast<char>(data[i]);
    non_space += c != ' ' && c != '\t' && c != '\n' && c != '\r';
  }
  for (const Event& e : batch.events())
    for (char c : e.raw) raw_non_space += c != ' ' && c != '\t' && c != '\n' && c != '\r';
  check(non_space == raw_non_space);
  return 0;
}
