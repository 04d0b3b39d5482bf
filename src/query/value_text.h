// The text form of a typed Value, written into a caller's stack buffer so that
// matching `port:2*` or grouping by an IP allocates nothing per event.
#pragma once

#include <string>
#include <string_view>

#include "core/time.h"
#include "core/value.h"

namespace vigil::query {

struct TextBuffer {
  char data[64];
};

// Strings are returned as they are (a view into the batch); other types are
// formatted into `buf`. Times use format_time() below.
std::string_view value_text(const Value& v, TextBuffer& buf);

// RFC 3339 UTC with as many fraction digits as the value needs (3, 6 or 9), so
// that parse_rfc3339(format_time(t)) == t: results survive a JSON round trip.
std::string_view format_time(TimeNs t, TextBuffer& buf);
std::string format_time(TimeNs t);

// Whether two stored values are the same: same type and content (groups key on it).
bool same_value(const Value& a, const Value& b);

}  // namespace vigil::query
