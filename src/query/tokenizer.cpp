// Splits a query into tokens; see tokenizer.h.
#include "query/tokenizer.h"

#include "query/query_parser.h"
#include "query/text_util.h"

namespace vigil::query {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool ends_word(char c) { return is_space(c) || c == '(' || c == ')' || c == '|' || c == ',' || c == '"'; }
bool is_field_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@' ||
         c == '.' || c == '-';
}
std::string col(size_t c) { return "col " + std::to_string(c) + ": "; }

class Scanner {
 public:
  explicit Scanner(std::string_view q) : q_(q) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    bool space = false;
    while (true) {
      while (i_ < q_.size() && is_space(q_[i_])) {
        ++i_;
        space = true;
      }
      Token t;
      t.col = i_ + 1;
      t.space_before = space;
      space = false;
      if (i_ == q_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      char c = q_[i_];
      switch (c) {
        case '(': t.kind = TokenKind::LParen; ++i_; break;
        case ')': t.kind = TokenKind::RParen; ++i_; break;
        case '|':
          t.kind = TokenKind::Pipe;
          ++i_;
          in_stages_ = true;
          break;
        case ',': t.kind = TokenKind::Comma; ++i_; break;
        case '"':
          t.kind = TokenKind::Quoted;
          if (!quoted(t.text)) return Status::error(col(t.col) + "unterminated quoted string");
          break;
        default:
          // A '-' right before a term negates it; alone or before a separator it is text.
          if (c == '-' && i_ + 1 < q_.size() && !is_space(q_[i_ + 1]) && q_[i_ + 1] != ')' && q_[i_ + 1] != '|' &&
              q_[i_ + 1] != ',') {
            t.kind = TokenKind::Minus;
            ++i_;
            break;
          }
          if (Status s = word(t); !s.ok()) return s;
          break;
      }
      out.push_back(std::move(t));
    }
  }

 private:
  // At '"': reads to the closing quote; only \" and \\ are escapes, so Windows
  // paths keep their backslashes.
  bool quoted(std::string& text) {
    ++i_;
    while (i_ < q_.size()) {
      char d = q_[i_++];
      if (d == '"') return true;
      if (d == '\\' && i_ < q_.size() && (q_[i_] == '"' || q_[i_] == '\\')) d = q_[i_++];
      text += d;
    }
    return false;
  }

  // A word, or a regex or range when it starts like one.
  Status word(Token& t) {
    const size_t start = i_;
    size_t j = i_;
    while (j < q_.size() && is_field_char(q_[j])) ++j;
    const bool has_field = j < q_.size() && q_[j] == ':' && is_field_name(q_.substr(start, j - start));
    const size_t value = has_field ? j + 1 : start;
    // Regexes and ranges belong to the search expression: in stages `a / b` divides.
    if (!in_stages_ && value < q_.size() && q_[value] == '/') {
      auto s = regex(t, value);
      if (!s.ok() || t.kind == TokenKind::Regex) {
        if (t.kind == TokenKind::Regex && has_field) t.field.assign(q_.substr(start, j - start));
        return s;
      }
    } else if (!in_stages_ && has_field && value < q_.size() && (q_[value] == '[' || q_[value] == '{')) {
      t.field.assign(q_.substr(start, j - start));
      return range(t, value);
    }
    t.kind = TokenKind::Word;
    while (i_ < q_.size() && !ends_word(q_[i_])) ++i_;
    t.text.assign(q_.substr(start, i_ - start));
    return Status();
  }

  // At '/': a regex when its closing '/' (the first one not escaped) ends the term;
  // otherwise a path such as /var/log/auth.log, read as a word. `\/` is a slash.
  Status regex(Token& t, size_t open) {
    size_t k = open + 1;
    std::string pattern;
    while (k < q_.size() && q_[k] != '/') {
      if (q_[k] == '\\' && k + 1 < q_.size()) {
        if (q_[k + 1] != '/') pattern += '\\';  // other escapes are the regex's own: \d, \\, \.
        ++k;
      }
      pattern += q_[k++];
    }
    if (k == q_.size()) return Status();  // no closing '/': a path such as /tmp, read as a word
    const size_t after = k + 1;
    if (after < q_.size() && !is_space(q_[after]) && q_[after] != ')' && q_[after] != '|') return Status();
    t.kind = TokenKind::Regex;
    t.text = std::move(pattern);
    i_ = after;
    return Status();
  }

  // At '[' or '{': `lo TO hi` then ']' or '}'; a bound is a word or a quoted string,
  // and `*` leaves its side open.
  Status range(Token& t, size_t open) {
    t.kind = TokenKind::Range;
    t.lo_inclusive = q_[open] == '[';
    i_ = open + 1;
    if (Status s = bound(t.lo, "after '" + std::string(1, q_[open]) + "'"); !s.ok()) return s;
    skip_spaces();
    const size_t to_at = i_;
    size_t k = i_;
    while (k < q_.size() && !is_space(q_[k]) && q_[k] != ']' && q_[k] != '}') ++k;
    if (!equals_folded(q_.substr(to_at, k - to_at), "to")) return Status::error(col(to_at + 1) + "expected 'TO' in a range");
    i_ = k;
    if (Status s = bound(t.hi, "after 'TO'"); !s.ok()) return s;
    skip_spaces();
    if (i_ == q_.size() || (q_[i_] != ']' && q_[i_] != '}'))
      return Status::error(col(i_ + 1) + "expected ']' or '}' to close the range");
    t.hi_inclusive = q_[i_] == ']';
    ++i_;
    return Status();
  }

  Status bound(std::string& out, const std::string& after) {
    skip_spaces();
    const size_t at = i_;
    if (i_ < q_.size() && q_[i_] == '"') {
      if (!quoted(out)) return Status::error(col(at + 1) + "unterminated quoted string");
      return Status();
    }
    while (i_ < q_.size() && !is_space(q_[i_]) && q_[i_] != ']' && q_[i_] != '}') ++i_;
    if (i_ == at) return Status::error(col(at + 1) + "expected a value " + after + " in a range");
    out.assign(q_.substr(at, i_ - at));
    if (out == "*") out.clear();
    return Status();
  }

  void skip_spaces() {
    while (i_ < q_.size() && is_space(q_[i_])) ++i_;
  }

  std::string_view q_;
  size_t i_ = 0;
  bool in_stages_ = false;  // after the first '|'
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view q) { return Scanner(q).run(); }

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::Word: return "'" + t.text + "'";
    case TokenKind::Quoted: return "\"" + t.text + "\"";
    case TokenKind::Regex: return "regular expression";
    case TokenKind::Range: return "range";
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
