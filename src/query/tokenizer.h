// Tokenizer of the query language: words, quoted strings, regular expressions,
// ranges and punctuation, each with its column so that parse errors can point at it.
// Regexes and ranges are whole tokens because they may hold spaces, quotes and '|'
// that must not split them: `/failed .* for/`, `port:[1 TO 1023]`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::query {

enum class TokenKind : uint8_t {
  Word,    // a run of bytes up to whitespace or one of ( ) | , "  — `a.b:c*`, `count`, `OR`
  Quoted,  // "..." with \" and \\ unescaped
  Regex,   // /re/ or field:/re/ — text: the pattern with \/ unescaped; field: the field or empty
  Range,   // field:[lo TO hi], field:{lo TO hi} (and mixed) — field, lo, hi, inclusivity
  LParen,
  RParen,
  Pipe,
  Comma,
  Minus,   // '-' directly before a term: `-foo`, `-(a b)`, `-"x y"`
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;           // Word: as typed; Quoted: unescaped content; Regex: the pattern
  size_t col = 0;             // 1-based byte column of the first character
  bool space_before = false;  // whitespace separates it from the previous token
  std::string field;          // Regex, Range
  std::string lo, hi;         // Range bounds; empty: open (`*`)
  bool lo_inclusive = true, hi_inclusive = true;
};

// Always ends with an End token. Errors: an unterminated quoted string, regular
// expression or range, and a range without 'TO'. After the first '|' (the stages)
// there are no Regex or Range tokens: `/` and `[` are parts of words there.
Result<std::vector<Token>> tokenize(std::string_view query);

// How a token is named in messages: 'OR', '(', "end of query", "quoted string".
std::string describe(const Token& t);

}  // namespace vigil::query
