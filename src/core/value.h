// Value: one typed field value of an event. 24 bytes, trivially copyable;
// strings point into the owning batch's arena (never owned by the value).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/time.h"

namespace vigil {

enum class FieldType : uint8_t { String = 0, Int64 = 1, Float64 = 2, Bool = 3, Timestamp = 4, Ip = 5 };

std::string_view field_type_name(FieldType t);

struct Value {
  FieldType type = FieldType::String;
  bool ip_v4 = false;
  uint32_t str_size = 0;
  union {
    const char* str = nullptr;
    int64_t i64;
    double f64;
    bool b;
    TimeNs ts;
    uint8_t ip[16];
  };

  static Value string(std::string_view s) {
    Value v;
    v.type = FieldType::String;
    v.str = s.data();
    v.str_size = static_cast<uint32_t>(s.size());
    return v;
  }
  static Value int64(int64_t x) {
    Value v;
    v.type = FieldType::Int64;
    v.i64 = x;
    return v;
  }
  static Value float64(double x) {
    Value v;
    v.type = FieldType::Float64;
    v.f64 = x;
    return v;
  }
  static Value boolean(bool x) {
    Value v;
    v.type = FieldType::Bool;
    v.i64 = 0;
    v.b = x;
    return v;
  }
  static Value timestamp(TimeNs x) {
    Value v;
    v.type = FieldType::Timestamp;
    v.ts = x;
    return v;
  }
  static Value ip_address(const IpAddress& a) {
    Value v;
    v.type = FieldType::Ip;
    v.ip_v4 = a.is_v4;
    std::memcpy(v.ip, a.bytes.data(), 16);
    return v;
  }

  std::string_view as_string() const { return {str, str_size}; }
  IpAddress as_ip() const {
    IpAddress a;
    a.is_v4 = ip_v4;
    std::memcpy(a.bytes.data(), ip, 16);
    return a;
  }
  // Human/text form: strings as they are, numbers in decimal, times RFC 3339, IPs dotted.
  std::string to_string() const;
};

static_assert(sizeof(Value) == 24, "Value is meant to stay 24 bytes");

}  // namespace vigil
