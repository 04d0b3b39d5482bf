// Fuzz target for the line-per-event readers of network sensors: Suricata EVE and Zeek
// (TSV with headers, or JSON lines). Any bytes must give one event per non-blank EVE
// line, raw = the line, flagged bad exactly when simdjson (an independent oracle) rejects
// the line or it is not an object; Zeek must give an event per data line, never lose
// one, and every string of every event must be readable (ASan sees dangling ones).
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "normalize/suricata_event.h"
#include "normalize/zeek_event.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

void touch_all(const vigil::EventBatch& batch) {
  volatile size_t sum = 0;
  for (const vigil::Event& e : batch.events()) {
    for (const vigil::Field& f : batch.fields(e))
      if (f.value.type == vigil::FieldType::String)
        for (char c : f.value.as_string()) sum = sum + static_cast<unsigned char>(c);
    for (char c : e.parse_error) sum = sum + static_cast<unsigned char>(c);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string_view rest = body;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  std::vector<std::string_view> lines;
  size_t data_lines = 0;  // non-blank lines that are not Zeek headers
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank(line)) continue;
    lines.push_back(line);
    data_lines += line[0] != '#';
  }

  Provenance p;
  p.receive_time = 1;
  p.input = "fuzz";
  {
    EventBatch batch;
    ZeekReadStats stats = read_suricata_eve(body, p, batch);
    check(batch.size() == lines.size() && stats.events == lines.size());
    static simdjson::dom::parser oracle;
    size_t errors = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Event& e = batch[i];
      check(e.raw == lines[i]);
      bool is_error = (e.flags & kFlagParseError) != 0;
      check(is_error == !e.parse_error.empty());
      errors += is_error;
      simdjson::dom::element root;
      auto err = oracle.parse(lines[i].data(), lines[i].size()).get(root);
      check(is_error == (err || !root.is_object()));
    }
    check(stats.parse_errors == errors);
    touch_all(batch);
  }
  {
    EventBatch batch;
    ZeekReadStats stats = read_zeek_log(body, p, batch);
    check(stats.events == batch.size());
    check(batch.size() >= data_lines && batch.size() <= lines.size());  // bad headers are events too
    size_t errors = 0;
    for (const Event& e : batch.events()) errors += (e.flags & kFlagParseError) != 0;
    check(stats.parse_errors == errors);
    touch_all(batch);
  }
  return 0;
}
