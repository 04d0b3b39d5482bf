#include "core/event_json.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "core/time.h"

namespace vigil {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto cont = [&](size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string value_text(const Value& v, bool quoted) {
  std::string out;
  switch (v.type) {
    case FieldType::String:
      if (quoted) append_json_string(out, v.as_string());
      else out = std::string(v.as_string());
      break;
    case FieldType::Int64: out = std::to_string(v.i64); break;
    case FieldType::Float64: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.f64);
      out = buf;
      break;
    }
    case FieldType::Bool: out = v.b ? "true" : "false"; break;
    case FieldType::Timestamp:
      if (quoted) append_json_string(out, format_rfc3339(v.ts));
      else out = format_rfc3339(v.ts);
      break;
    case FieldType::Ip: {
      IpAddress ip;
      std::memcpy(ip.bytes.data(), v.ip, 16);
      ip.is_v4 = v.ip_v4;
      if (quoted) append_json_string(out, ip.to_string());
      else out = ip.to_string();
      break;
    }
  }
  return out;
}

void append_event_json(std::string& out, const EventBatch& b, const Event& e, const EventJsonOptions& options) {
  out.push_back('{');
  // Repeated fields become arrays; the order of first appearance is kept.
  std::vector<std::pair<FieldId, std::vector<const Value*>>> fields;
  for (const Field& f : b.fields(e)) {
    auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& x) { return x.first == f.id; });
    if (it == fields.end()) fields.push_back({f.id, {&f.value}});
    else it->second.push_back(&f.value);
  }
  bool first = true;
  bool has_time = false;
  for (const auto& [id, values] : fields) {
    if (!first) out.push_back(',');
    first = false;
    const std::string_view name = field_name(id);
    has_time = has_time || name == "time";
    append_json_string(out, name);
    out.push_back(':');
    if (values.size() == 1) {
      out += value_text(*values[0], true);
    } else {
      out.push_back('[');
      for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + value_text(*values[i], true);
      out.push_back(']');
    }
  }
  auto key = [&](std::string_view k) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, k);
    out.push_back(':');
  };
  if (options.time && !has_time) {
    key("time");
    append_json_string(out, format_rfc3339(e.time));
  }
  if (options.with_pack) {
    key("_pack");
    append_json_string(out, options.pack);
  }
  if (e.flags & kFlagParseError) {
    key("_parse_error");
    append_json_string(out, e.parse_error);
  }
  if (options.raw) {
    key("_raw");
    append_json_string(out, e.raw);
  }
  out += "}\n";
}

}  // namespace vigil
