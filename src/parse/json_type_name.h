// json_type_article: what a JSON value is, for error messages ("found an array").
#pragma once

#include <simdjson.h>

namespace vigil {

inline const char* json_type_article(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
    default: return "an object";
  }
}

}  // namespace vigil
