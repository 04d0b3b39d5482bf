// Fuzz target: arbitrary bytes through append_syslog_event (parse + OCSF mapping).
// Invariants: exactly one event per call, its raw is the input (or the prefix kept
// by truncation) with the truncation flag saying which, and no crash or UB.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "normalize/syslog_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  SyslogEventOptions options;
  options.max_line_bytes = 4096;  // small, so the fuzzer reaches truncation
  EventBatch batch;
  Provenance p;
  p.receive_time = 1'795'000'000LL * kNsPerSec;
  append_syslog_event(line, p, batch, options);
  if (batch.size() != 1) std::abort();
  const Event& e = batch[0];
  bool truncated = size > options.max_line_bytes;
  if (static_cast<bool>(e.flags & kFlagTruncated) != truncated) std::abort();
  if (e.raw != line.substr(0, options.max_line_bytes)) std::abort();
  // Every field value must be readable; strings must lie in memory the batch owns
  // (touching each byte lets ASan catch a dangling view).
  size_t sum = 0;
  for (const Field& f : batch.fields(e)) {
    if (f.value.type == FieldType::String)
      for (char c : f.value.as_string()) sum += static_cast<unsigned char>(c);
  }
  static const FieldId kClass = field_id("class_uid");
  if (batch.find(e, kClass) == nullptr) std::abort();
  return sum == SIZE_MAX ? 1 : 0;
}
