// Small helpers over JSON text that the JSON readers share: where a container ends
// (for splitting records and keeping a bad one's bytes) and JSON's whitespace.
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil {

inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// One past the bracket closing the object or array that starts at `i`, by bracket
// counting outside strings; npos when it never closes.
size_t json_container_end(std::string_view s, size_t i);

}  // namespace vigil
