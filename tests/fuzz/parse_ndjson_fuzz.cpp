// Fuzz target for the NDJSON reader: any bytes must give one event per non-blank line,
// each keeping its line as raw, and a line is flagged bad exactly when simdjson's DOM
// parser (run here as an independent oracle) rejects it or it is not an object.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "parse/ndjson.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  // The first byte picks a line limit, so that truncation is fuzzed too.
  NdjsonOptions options;
  if (size > 0 && data[0] < 16) options.max_line_bytes = data[0] * 8u;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  EventBatch batch;
  Provenance p;
  p.receive_time = 1;
  p.input = "fuzz";
  NdjsonStats stats = read_ndjson(body, p, batch, options);

  // The lines, split independently of the reader.
  std::string_view rest = body;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  std::vector<std::string_view> lines;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!blank(line)) lines.push_back(line);
  }

  check(batch.size() == lines.size());
  check(stats.events == lines.size());
  static simdjson::dom::parser oracle;
  size_t errors = 0, truncated = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    bool is_error = (e.flags & kFlagParseError) != 0;
    check(is_error == !e.parse_error.empty());
    errors += is_error;
    if (lines[i].size() > options.max_line_bytes) {
      ++truncated;
      check(e.flags & kFlagTruncated);
      check(is_error);
      check(e.raw == lines[i].substr(0, options.max_line_bytes));
      continue;
    }
    check(!(e.flags & kFlagTruncated));
    check(e.raw == lines[i]);
    simdjson::dom::element root;
    auto err = oracle.parse(lines[i].data(), lines[i].size()).get(root);
    bool oracle_ok = !err && root.type() == simdjson::dom::element_type::OBJECT;
    check(is_error == !oracle_ok);
    if (is_error) check(e.field_count == 0);
    // Touch every string so that ASan sees a dangling one.
    size_t sum = 0;
    for (const Field& f : batch.fields(e))
      if (f.value.type == FieldType::String)
        for (char c : f.value.as_string()) sum += static_cast<unsigned char>(c);
    (void)sum;
  }
  check(stats.parse_errors == errors);
  check(stats.truncated == truncated);
  check((errors == 0) == stats.first_error.empty());
  return 0;
}
