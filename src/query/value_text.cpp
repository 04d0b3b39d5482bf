// Allocation-free text forms of values; see value_text.h.
#include "query/value_text.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace vigil::query {

std::string_view format_time(TimeNs t, TextBuffer& buf) {
  int64_t secs = t / kNsPerSec;
  int64_t ns = t % kNsPerSec;
  if (ns < 0) {
    ns += kNsPerSec;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  int h = static_cast<int>(sod / 3600), mi = static_cast<int>(sod / 60 % 60), s = static_cast<int>(sod % 60);
  int n;
  if (ns % 1'000'000 == 0) {
    n = std::snprintf(buf.data, sizeof buf.data, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y),
                      m, d, h, mi, s, static_cast<int>(ns / 1'000'000));
  } else if (ns % 1'000 == 0) {
    n = std::snprintf(buf.data, sizeof buf.data, "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<long long>(y),
                      m, d, h, mi, s, static_cast<int>(ns / 1'000));
  } else {
    n = std::snprintf(buf.data, sizeof buf.data, "%04lld-%02u-%02uT%02d:%02d:%02d.%09dZ", static_cast<long long>(y),
                      m, d, h, mi, s, static_cast<int>(ns));
  }
  if (n < 0) n = 0;
  if (n >= static_cast<int>(sizeof buf.data)) n = sizeof buf.data - 1;
  return {buf.data, static_cast<size_t>(n)};
}

std::string format_time(TimeNs t) {
  TextBuffer buf;
  return std::string(format_time(t, buf));
}

std::string_view value_text(const Value& v, TextBuffer& buf) {
  switch (v.type) {
    case FieldType::String:
      return v.as_string();
    case FieldType::Int64: {
      auto r = std::to_chars(buf.data, buf.data + sizeof buf.data, v.i64);
      return {buf.data, static_cast<size_t>(r.ptr - buf.data)};
    }
    case FieldType::Float64: {
      auto r = std::to_chars(buf.data, buf.data + sizeof buf.data, v.f64);
      return {buf.data, static_cast<size_t>(r.ptr - buf.data)};
    }
    case FieldType::Bool:
      return v.b ? "true" : "false";
    case FieldType::Timestamp:
      return format_time(v.ts, buf);
    case FieldType::Ip: {
      if (v.ip_v4) {
        // By hand: inet_ntop costs more than the rest of a stats update.
        char* p = buf.data;
        for (int i = 12; i < 16; ++i) {
          if (i > 12) *p++ = '.';
          p = std::to_chars(p, buf.data + sizeof buf.data, static_cast<unsigned>(v.ip[i])).ptr;
        }
        return {buf.data, static_cast<size_t>(p - buf.data)};
      }
      const char* r = inet_ntop(AF_INET6, v.ip, buf.data, sizeof buf.data);
      return r ? std::string_view(buf.data) : std::string_view();
    }
  }
  return {};
}

}  // namespace vigil::query
