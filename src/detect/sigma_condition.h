// The condition of a Sigma rule (`selection and not 1 of filter_*`), parsed and
// resolved against the rule's search identifiers: quantifiers (`1 of`, `any of`,
// `all of` a pattern or `them`) become OR/AND over the identifiers they name.
//
// Grammar, loosest first (keywords in any case):
//   or   := and ("or" and)*
//   and  := not ("and" not)*
//   not  := "not" not | atom
//   atom := "(" or ")" | ("1" | "any" | "all") "of" (pattern | "them") | identifier
// An identifier is [A-Za-z0-9_.-]+; a pattern may hold `*` anywhere. `them` leaves out
// identifiers that start with `_`, as the specification says; a pattern does not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::detect {

struct Condition {
  enum class Kind : uint8_t { Ref, And, Or, Not };
  Kind kind = Kind::Ref;
  std::string name;  // Ref: the search identifier
  std::vector<Condition> children;
};

// Errors say the column (1-based) and what was expected: "col 12: unknown search
// identifier 'filtr' (defined: selection, filter)", "col 5: '1 of sel*' names no
// search identifier".
Result<Condition> parse_condition(std::string_view text, const std::vector<std::string>& identifiers);

// Round trip for tests and messages: "(selection and not (filter_a or filter_b))".
std::string to_string(const Condition& c);

}  // namespace vigil::detect
