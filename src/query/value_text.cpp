// Allocation-free text forms of values; see value_text.h.
#include "query/value_text.h"

#include <cstring>

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace vigil::query {

std::string_view format_time(TimeNs t, TextBuffer& buf) {
  static_assert(sizeof buf.data >= kRfc3339MaxSize);
  return {buf.data, format_rfc3339(t, buf.data)};
}

std::string format_time(TimeNs t) { return format_rfc3339(t); }

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

bool same_value(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case FieldType::String: return a.as_string() == b.as_string();
    case FieldType::Int64: return a.i64 == b.i64;
    case FieldType::Float64: return a.f64 == b.f64;
    case FieldType::Bool: return a.b == b.b;
    case FieldType::Timestamp: return a.ts == b.ts;
    case FieldType::Ip: return a.ip_v4 == b.ip_v4 && std::memcmp(a.ip, b.ip, 16) == 0;
  }
  return false;
}

}  // namespace vigil::query
