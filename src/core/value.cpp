#include "core/value.h"

#include <fmt/format.h>

namespace vigil {

std::string_view field_type_name(FieldType t) {
  switch (t) {
    case FieldType::String: return "string";
    case FieldType::Int64: return "int64";
    case FieldType::Float64: return "float64";
    case FieldType::Bool: return "bool";
    case FieldType::Timestamp: return "timestamp";
    case FieldType::Ip: return "ip";
  }
  return "unknown";
}

std::string Value::to_string() const {
  switch (type) {
    case FieldType::String: return std::string(as_string());
    case FieldType::Int64: return std::to_string(i64);
    case FieldType::Float64: return fmt::format("{}", f64);
    case FieldType::Bool: return b ? "true" : "false";
    case FieldType::Timestamp: return format_rfc3339(ts);
    case FieldType::Ip: return as_ip().to_string();
  }
  return {};
}

}  // namespace vigil
