// Small decimal-digit helpers shared by the normalizers (pids, ports, counts in log text).
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

// 1 to 18 ASCII digits: fits int64 without overflow checks.
inline bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Value of a string that passed all_digits().
inline int64_t to_int(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// The leading digits of `s` (at most 18), e.g. a port followed by ":11:" or " ssh2".
inline std::string_view leading_digits(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && n < 18 && s[n] >= '0' && s[n] <= '9') ++n;
  return s.substr(0, n);
}

}  // namespace vigil
