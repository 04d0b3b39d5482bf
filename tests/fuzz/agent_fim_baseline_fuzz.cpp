// Fuzzes what the agent's FIM and exec collectors read back from disk and /proc:
// a damaged baseline file (parse_baseline must refuse it with a line number or give
// entries that serialize back to the same text), /proc/<pid>/cmdline bytes (the joined
// command line and its JSON stay in step) and /proc/<pid>/status text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/fim_baseline.h"
#include "agent/proc_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vigil::Baseline baseline;
  vigil::Status s = vigil::parse_baseline(bytes, baseline);
  if (s.ok()) {
    std::string again = vigil::serialize_baseline(baseline);
    vigil::Baseline back;
    if (!vigil::parse_baseline(again, back).ok() || !(back == baseline)) std::abort();
  } else {
    if (!baseline.empty() || s.message().rfind("line ", 0) != 0) std::abort();
  }

  std::string line, json;
  vigil::join_cmdline(bytes, line, &json);
  if (json.size() < 2 || json.front() != '[' || json.back() != ']') std::abort();
  if (bytes.find('\0') == std::string_view::npos && !bytes.empty() && line.find(bytes) == std::string::npos &&
      bytes.find_first_of(" \t\n\r\v\f'\"\\") == std::string_view::npos)
    std::abort();  // a single plain argument comes out as it went in

  vigil::ProcInfo info;
  vigil::parse_proc_status(bytes, info);
  return 0;
}
