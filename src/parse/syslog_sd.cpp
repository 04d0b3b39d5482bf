// RFC 5424 structured data: walking the parameters and unescaping their values.
#include "parse/syslog.h"
#include "parse/syslog_sd.h"

namespace vigil {

bool for_each_sd_param(std::string_view structured_data,
                       const std::function<void(std::string_view sd_id, std::string_view name,
                                                std::string_view raw_value)>& fn) {
  if (structured_data.empty() || structured_data == "-") return true;
  const size_t end = syslog_detail::scan_structured_data(
      structured_data, 0,
      [&](std::string_view id, std::string_view name, std::string_view value) { fn(id, name, value); });
  return end == structured_data.size();
}

size_t unescape_sd_value(std::string_view raw_value, char* out) {
  // RFC 5424 6.3.3: only \" \\ and \] are escapes; any other backslash is kept as written.
  size_t o = 0;
  const size_t n = raw_value.size();
  for (size_t i = 0; i < n; ++i) {
    char c = raw_value[i];
    if (c == '\\' && i + 1 < n) {
      const char next = raw_value[i + 1];
      if (next == '"' || next == '\\' || next == ']') {
        c = next;
        ++i;
      }
    }
    out[o++] = c;
  }
  return o;
}

}  // namespace vigil
