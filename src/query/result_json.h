// JSON writers shared by result_to_json and format_result (the shape is documented
// in search.h). Kept apart so that only result_json.cpp includes Boost.JSON.
#pragma once

#include <string>

#include "query/search.h"

namespace vigil::query {

// One JSON object per line: an event object, or a {"column": value} row object.
std::string result_to_ndjson(const SearchResult& result);

}  // namespace vigil::query
