// Pattern: a search value compiled once per query — literal text or a glob of `*`
// (any run of bytes) and `?` (exactly one byte) — matched case-insensitively (ASCII)
// against many values without allocating.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::query {

struct Pattern {
  std::vector<std::string> pieces;  // lowercased text between the stars; '?' is any byte when any_byte
  bool leading_star = false;        // the pattern starts with '*'
  bool trailing_star = false;       // the pattern ends with '*'
  bool wildcard = false;            // at least one '*' or '?'
  bool any_byte = false;            // at least one '?' (pieces are compared byte by byte then)
  bool match_all = false;           // nothing but stars (or empty for a substring search)

  // `text` taken literally (quoted values: a '*' is just a star).
  static Pattern literal(std::string_view text);
  // `*` matches any run of bytes, including none; `?` matches one byte (so one
  // character of ASCII text, a part of a multi-byte one).
  static Pattern glob(std::string_view text);

  // The whole of `text` matches (field values: `root` does not match `rootkit`).
  bool matches(std::string_view text) const;
  // The pattern occurs in `text` at token boundaries (free-text terms): `fail`
  // occurs in "fail: x" but not in "failed"; `fail*` occurs in both. Token bytes are
  // letters, digits, '_' and non-ASCII bytes, as in the store's token index, so that
  // every token of a term is one the index holds for the matching event.
  bool occurs_in(std::string_view text) const;
};

}  // namespace vigil::query
