// Tokenizer of the query language: words, quoted strings and punctuation, each
// with its column so that parse errors can point at it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::query {

enum class TokenKind : uint8_t {
  Word,    // a run of bytes up to whitespace or one of ( ) | , "  — `a.b:c*`, `count`, `OR`
  Quoted,  // "..." with \" and \\ unescaped
  LParen,
  RParen,
  Pipe,
  Comma,
  Minus,   // '-' directly before a term: `-foo`, `-(a b)`, `-"x y"`
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;           // Word: as typed; Quoted: unescaped content
  size_t col = 0;             // 1-based byte column of the first character
  bool space_before = false;  // whitespace separates it from the previous token
};

// Always ends with an End token. Errors: an unterminated quoted string.
Result<std::vector<Token>> tokenize(std::string_view query);

// How a token is named in messages: 'OR', '(', "end of query", "quoted string".
std::string describe(const Token& t);

}  // namespace vigil::query
