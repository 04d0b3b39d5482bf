// A Sigma string value turned into what is matched against an event's text: a
// sequence of literal bytes and wildcards (`*`, `?`, and windash's any-dash), with
// Sigma's escapes resolved, the encodings of the value modifiers applied (base64,
// base64offset, utf16le/be, utf16, wide) and contains/startswith/endswith as `*` at
// the ends. Matching folds ASCII case unless the pattern is cased.
//
// A pattern also says which literal every match must contain (the longest run of
// literal bytes), which the rule set's prefilter looks for first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::detect {

struct SigmaPattern {
  enum class Kind : uint8_t { Exact, Prefix, Suffix, Contains, Glob };
  // Token kinds of a Glob pattern, one per byte of `text`.
  static constexpr char kLiteral = 0, kStar = '*', kOne = '?', kDash = '-';
  Kind kind = Kind::Exact;
  bool cased = false;
  std::string text;  // literal bytes (lower-cased unless cased); for Glob, '*' '?' '-' hold places
  std::string tokens;  // Glob only: per byte of text, kLiteral or the wildcard it stands for
};

// Sigma's escapes: `\*` and `\?` are literal, `\\` is one backslash, any other
// backslash is itself. Unescaped `*` and `?` are wildcards.
struct PatternBuilder {
  std::string text;
  std::string tokens;  // as SigmaPattern::tokens
  void literal(std::string_view bytes);
  void wildcard(char kind);
};
PatternBuilder parse_sigma_wildcards(std::string_view value);
PatternBuilder literal_pattern(std::string_view bytes);

// The base64 forms of a value found anywhere in a base64 text: three variants, one
// per offset of the value in the encoded stream, each cut to its stable middle.
std::vector<std::string> base64_offset_variants(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// UTF-8 to UTF-16 code units, little or big endian; `bom` prepends FF FE (LE) or FE FF (BE).
std::string utf16_encode(std::string_view utf8, bool big_endian, bool bom);

// Windash: every `-`, `/`, en dash, em dash and horizontal bar of the value matches
// any of the five (docs/sigma.md: all occurrences, as the specification words it).
void apply_windash(PatternBuilder& p);

// Contains, startswith, endswith put a `*` at the free ends. Then the simplest
// kind that matches the same texts is chosen.
SigmaPattern finish_pattern(PatternBuilder p, bool star_front, bool star_back, bool cased);

bool pattern_matches(const SigmaPattern& p, std::string_view text);

// The longest run of literal bytes every match contains ("" when there is none).
std::string_view required_literal(const SigmaPattern& p);

// ASCII lower-casing, the only folding Sigma matching does (docs/sigma.md).
inline char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string fold(std::string_view s);

}  // namespace vigil::detect
