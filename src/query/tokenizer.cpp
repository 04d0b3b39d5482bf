// Splits a query into tokens; see tokenizer.h.
#include "query/tokenizer.h"

namespace vigil::query {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool ends_word(char c) { return is_space(c) || c == '(' || c == ')' || c == '|' || c == ',' || c == '"'; }

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view q) {
  std::vector<Token> out;
  size_t i = 0;
  bool space = false;
  while (true) {
    while (i < q.size() && is_space(q[i])) {
      ++i;
      space = true;
    }
    Token t;
    t.col = i + 1;
    t.space_before = space;
    space = false;
    if (i == q.size()) {
      out.push_back(std::move(t));
      return out;
    }
    char c = q[i];
    switch (c) {
      case '(': t.kind = TokenKind::LParen; ++i; break;
      case ')': t.kind = TokenKind::RParen; ++i; break;
      case '|': t.kind = TokenKind::Pipe; ++i; break;
      case ',': t.kind = TokenKind::Comma; ++i; break;
      case '"': {
        t.kind = TokenKind::Quoted;
        ++i;
        bool closed = false;
        while (i < q.size()) {
          char d = q[i++];
          if (d == '"') {
            closed = true;
            break;
          }
          // Only \" and \\ are escapes: Windows paths keep their backslashes.
          if (d == '\\' && i < q.size() && (q[i] == '"' || q[i] == '\\')) d = q[i++];
          t.text += d;
        }
        if (!closed) return Status::error("col " + std::to_string(t.col) + ": unterminated quoted string");
        break;
      }
      default:
        // A '-' right before a term negates it; alone or before a separator it is text.
        if (c == '-' && i + 1 < q.size() && !is_space(q[i + 1]) && q[i + 1] != ')' && q[i + 1] != '|' &&
            q[i + 1] != ',') {
          t.kind = TokenKind::Minus;
          ++i;
          break;
        }
        t.kind = TokenKind::Word;
        {
          size_t start = i;
          while (i < q.size() && !ends_word(q[i])) ++i;
          t.text.assign(q.substr(start, i - start));
        }
        break;
    }
    out.push_back(std::move(t));
  }
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::Word: return "'" + t.text + "'";
    case TokenKind::Quoted: return "\"" + t.text + "\"";
    case TokenKind::LParen: return "'('";
    case TokenKind::RParen: return "')'";
    case TokenKind::Pipe: return "'|'";
    case TokenKind::Comma: return "','";
    case TokenKind::Minus: return "'-'";
    case TokenKind::End: return "end of query";
  }
  return "?";
}

}  // namespace vigil::query
