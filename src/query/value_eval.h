// Evaluation of value expressions (query_ast.h ValueExpr) for `where` and `eval`:
// one row at a time over owned result values. Null propagates as in SQL: arithmetic
// and comparisons with null give null, `where` keeps a row only when its condition
// is true, and `and`/`or` treat null as false.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "query/query_ast.h"
#include "query/search.h"

namespace vigil::query {

// The value of a field in the current row, or nullptr when the row has none.
using FieldLookup = std::function<const ResultValue*(std::string_view name)>;

// Checks function names and argument counts (and constant regexes and networks) once,
// before any row: errors carry the column of the call.
Status check_value_expr(const ValueExpr& e);

ResultValue eval_value(const ValueExpr& e, const FieldLookup& field);

// The truth of a value: true, a non-zero number or a non-empty string; null is false.
bool truthy(const ResultValue& v);

// Order of two values as comparisons in expressions see it: numbers as numbers
// (also strings that hold one), IPs as addresses, otherwise text byte by byte.
int compare_results(const ResultValue& a, const ResultValue& b);
// The text form of any value (numbers in decimal, times RFC 3339).
std::string result_text(const ResultValue& v);
// The number a value holds, if any (ints, floats, bools, times, numeric strings).
std::optional<double> result_number(const ResultValue& v);

// A time as a result value (type, nanoseconds and its RFC 3339 text).
ResultValue result_time(TimeNs t);

}  // namespace vigil::query
