// RFC 5424 STRUCTURED-DATA scanner shared by parse_syslog() (which only needs where the
// SD ends) and for_each_sd_param() (which reports every parameter). Internal header.
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil::syslog_detail {

// Scans SD-ELEMENTs "[id name="value" ...]..." starting at s[i] (which must be '[') and
// calls fn(sd_id, name, raw_value) per parameter. Returns the index past the last ']' or
// static_cast<size_t>(-1) when the SD is malformed (parameters before that were reported).
// Lenient where senders are known to differ from the RFC: spaces after '=' and before ']'.
template <typename Fn>
size_t scan_structured_data(std::string_view s, size_t i, Fn&& fn) {
  constexpr size_t kBad = static_cast<size_t>(-1);
  const size_t n = s.size();
  // SD-NAME: printable, no '=', SP, ']' or '"' (RFC 5424 section 6).
  auto name_end = [&](size_t p) {
    while (p < n) {
      const char c = s[p];
      if (c == ' ' || c == '=' || c == ']' || c == '"') break;
      ++p;
    }
    return p;
  };
  if (i >= n || s[i] != '[') return kBad;
  while (i < n && s[i] == '[') {
    const size_t id_start = i + 1;
    i = name_end(id_start);
    if (i == id_start) return kBad;
    const std::string_view id = s.substr(id_start, i - id_start);
    for (;;) {
      if (i >= n) return kBad;
      if (s[i] == ']') {
        ++i;
        break;
      }
      if (s[i] != ' ') return kBad;
      while (i < n && s[i] == ' ') ++i;
      if (i < n && s[i] == ']') continue;
      const size_t name_start = i;
      i = name_end(i);
      if (i == name_start || i >= n || s[i] != '=') return kBad;
      const std::string_view name = s.substr(name_start, i - name_start);
      ++i;
      while (i < n && s[i] == ' ') ++i;
      if (i >= n || s[i] != '"') return kBad;
      const size_t value_start = ++i;
      // Inside a value only '"' ends it; a backslash escapes the next byte (\" \\ \]).
      while (i < n && s[i] != '"') i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
      if (i >= n) return kBad;
      fn(id, name, s.substr(value_start, i - value_start));
      ++i;
    }
  }
  return i;
}

}  // namespace vigil::syslog_detail
