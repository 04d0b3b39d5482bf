// Fuzz target: bytes as Windows JSON lines, OTRF's flat form (through the NDJSON
// reader) and Wazuh's eventchannel form, each event then mapped onto OCSF. Traps when
// an event is lost, its raw changes, or a field a mapping added is missing its class.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "normalize/windows_ocsf.h"
#include "parse/ndjson.h"
#include "parse/windows_event_wazuh.h"

using namespace vigil;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const FieldId class_uid = field_id("class_uid");
  auto check = [&](EventBatch& in) {
    EventBatch out;
    windows_to_ocsf(in, out);
    if (out.size() != in.size()) std::abort();
    for (size_t i = 0; i < in.size(); ++i) {
      if (out[i].raw != in[i].raw || out[i].time != in[i].time) std::abort();
      const bool mapped = out[i].field_count > in[i].field_count;
      if (mapped && !out.find(out[i], class_uid)) std::abort();
      if (mapped && (in[i].flags & kFlagParseError)) std::abort();
    }
  };
  {
    EventBatch b;
    read_ndjson(text, {.input = "fuzz"}, b);
    check(b);
  }
  {
    EventBatch b;
    WindowsReadStats ws = read_windows_event_wazuh(text, {.input = "fuzz"}, b);
    if (ws.records != b.size()) std::abort();
    check(b);
    // One line at a time, as vigil hunt reads them, mapped in place.
    for (size_t i = 0; i < b.size(); ++i) {
      EventBatch one;
      read_windows_event_wazuh(b[i].raw, {.input = "fuzz"}, one);
      if (one.size() != 1) std::abort();
      add_windows_ocsf(one);
    }
  }
  return 0;
}
