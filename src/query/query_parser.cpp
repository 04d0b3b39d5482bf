// The query parser; grammar in query_parser.h.
#include "query/query_parser.h"

#include <optional>
#include <vector>

#include "core/time.h"
#include "query/stage_parser.h"
#include "query/text_util.h"
#include "query/tokenizer.h"

namespace vigil::query {

bool is_field_name(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-') return false;
  return s.back() != '.';
}

namespace {

bool is_keyword(const Token& t, std::string_view kw) {
  return t.kind == TokenKind::Word && equals_folded(t.text, kw);
}

std::string col(size_t c) { return "col " + std::to_string(c) + ": "; }

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view text) : t_(std::move(tokens)), text_(text) {}

  Result<Query> parse() {
    Query q;
    if (Status s = take_time_bounds(q.time); !s.ok()) return s;
    if (peek().kind != TokenKind::Pipe && peek().kind != TokenKind::End) {
      q.filter = parse_or();
      if (error_) return Status::error(*error_);
      if (peek().kind == TokenKind::RParen) return Status::error(col(peek().col) + "unbalanced parenthesis (')' without '(')");
      if (peek().kind == TokenKind::Comma)
        return Status::error(col(peek().col) + "unexpected ','; quote a value that contains a comma");
      if (peek().kind != TokenKind::Pipe && peek().kind != TokenKind::End)
        return Status::error(col(peek().col) + "unexpected " + describe(peek()));
    }
    while (peek().kind == TokenKind::Pipe) {
      next();
      const Token& name = peek();
      if (name.kind != TokenKind::Word) return Status::error(col(name.col) + "expected a stage name after '|'");
      // The stage's own text, up to the next '|' outside quotes, goes to the stage parser.
      const size_t begin = name.col - 1;
      while (peek().kind != TokenKind::Pipe && peek().kind != TokenKind::End) next();
      const size_t end = peek().kind == TokenKind::Pipe ? peek().col - 1 : text_.size();
      auto stage = parse_stage(text_.substr(begin, end - begin), name.col);
      if (!stage.ok()) return stage.status();
      q.stages.push_back(std::move(*stage));
    }
    return q;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return t_[std::min(pos_ + ahead, t_.size() - 1)]; }
  const Token& next() {
    const Token& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  const Token& previous() const { return t_[pos_ == 0 ? 0 : pos_ - 1]; }
  bool failed() const { return error_.has_value(); }
  Expr fail(std::string message) {
    if (!error_) error_ = std::move(message);
    return {};
  }

  // Removes `from=TIME` and `to=TIME` from the search expression into `time`: they
  // bound the query rather than match events, so they may stand anywhere at top level.
  Status take_time_bounds(TimeBounds& time) {
    std::vector<Token> kept;
    kept.reserve(t_.size());
    int parens = 0;
    size_t i = 0;
    for (; i < t_.size() && t_[i].kind != TokenKind::Pipe; ++i) {
      Token& t = t_[i];
      if (t.kind == TokenKind::LParen) ++parens;
      if (t.kind == TokenKind::RParen) --parens;
      std::string_view key;
      if (t.kind == TokenKind::Word) {
        if (t.text.size() >= 5 && equals_folded(std::string_view(t.text).substr(0, 5), "from=")) key = "from=";
        if (t.text.size() >= 3 && equals_folded(std::string_view(t.text).substr(0, 3), "to=")) key = "to=";
      }
      if (key.empty()) {
        kept.push_back(std::move(t));
        continue;
      }
      const std::string name(key);
      if (parens > 0) return Status::error(col(t.col) + "'" + name + "' must be outside parentheses");
      std::string value = t.text.substr(key.size());
      size_t value_col = t.col + key.size();
      if (value.empty() && i + 1 < t_.size() && t_[i + 1].kind == TokenKind::Quoted && !t_[i + 1].space_before) {
        value = t_[++i].text;  // from="2026-11-22 06:00:00"
      } else if (value.empty()) {
        return Status::error(col(value_col) + "expected a time after '" + name + "' (RFC 3339 or relative: -24h, now)");
      }
      if (!parse_time_arg(value, now_ns())) {
        return Status::error(col(value_col) + "invalid time '" + value + "' after '" + name +
                             "' (expected RFC 3339 or a relative time such as -15m, -24h, -7d, now)");
      }
      std::string& slot = key == "from=" ? time.from : time.to;
      if (!slot.empty()) return Status::error(col(t.col) + "'" + name + "' given twice");
      slot = std::move(value);
    }
    for (; i < t_.size(); ++i) kept.push_back(std::move(t_[i]));
    t_ = std::move(kept);
    return Status();
  }

  bool starts_term(const Token& t) const {
    switch (t.kind) {
      case TokenKind::Word: return !is_keyword(t, "and") && !is_keyword(t, "or");
      case TokenKind::Regex:
      case TokenKind::Range:
      case TokenKind::Quoted:
      case TokenKind::LParen:
      case TokenKind::Minus: return true;
      default: return false;
    }
  }

  // n-ary AND/OR nodes: long flat lists of terms cost no recursion depth.
  Expr parse_or() {
    Expr first = parse_and();
    if (failed() || !is_keyword(peek(), "or")) return first;
    Expr node;
    node.kind = Expr::Kind::Or;
    node.col = first.col;
    node.children.push_back(std::move(first));
    while (!failed() && is_keyword(peek(), "or")) {
      next();
      node.children.push_back(parse_and());
    }
    return node;
  }

  Expr parse_and() {
    Expr first = parse_not();
    Expr node;
    node.kind = Expr::Kind::And;
    node.col = first.col;
    node.children.push_back(std::move(first));
    while (!failed()) {
      if (is_keyword(peek(), "and")) {
        next();
      } else if (!starts_term(peek())) {
        break;
      }
      node.children.push_back(parse_not());
    }
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  Expr parse_not() {
    if (is_keyword(peek(), "not") || peek().kind == TokenKind::Minus) {
      const Token& op = next();
      if (++depth_ > kMaxNesting)
        return fail(col(op.col) + "query nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
      Expr node;
      node.kind = Expr::Kind::Not;
      node.col = op.col;
      node.children.push_back(parse_not());
      --depth_;
      return node;
    }
    return parse_primary();
  }

  Expr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::LParen: {
        next();
        if (++depth_ > kMaxNesting)
          return fail(col(t.col) + "query nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
        ++open_parens_;
        if (peek().kind == TokenKind::RParen) return fail(col(peek().col) + "expected a search term inside '()'");
        Expr e = parse_or();
        if (failed()) return e;
        if (peek().kind != TokenKind::RParen) return fail(col(t.col) + "unbalanced parenthesis ('(' is never closed)");
        next();
        --open_parens_;
        --depth_;
        return e;
      }
      case TokenKind::RParen:
        if (open_parens_ == 0) return fail(col(t.col) + "unbalanced parenthesis (')' without '(')");
        return fail(col(t.col) + "expected a search term before ')'");
      case TokenKind::Comma:
        return fail(col(t.col) + "unexpected ','; quote a value that contains a comma");
      case TokenKind::Quoted: {
        next();
        Expr e;
        e.kind = Expr::Kind::Text;
        e.value = t.text;
        e.quoted = true;
        e.col = t.col;
        return e;
      }
      case TokenKind::Regex: {
        next();
        Expr e;
        e.kind = Expr::Kind::Regex;
        e.field = t.field;
        e.value = t.text;
        e.col = t.col;
        return e;
      }
      case TokenKind::Range: {
        next();
        Expr e;
        e.kind = Expr::Kind::Range;
        e.field = t.field;
        e.lo = t.lo;
        e.hi = t.hi;
        e.lo_inclusive = t.lo_inclusive;
        e.hi_inclusive = t.hi_inclusive;
        e.col = t.col;
        return e;
      }
      case TokenKind::Word:
        if (!is_keyword(t, "and") && !is_keyword(t, "or")) return parse_word();
        [[fallthrough]];
      case TokenKind::Pipe:
      case TokenKind::End:
      case TokenKind::Minus:
        break;
    }
    if (pos_ > 0 && t.kind != TokenKind::Word) {
      return fail(col(t.col) + "expected a search term after " + describe(previous()));
    }
    return fail(col(t.col) + "expected a search term before " + describe(t));
  }

  // `field>v`, `field>=v`, `field< v`, `field >= v`...: the operator and the value
  // may be parts of this word, or the next one or two tokens.
  static std::optional<Expr::CompareOp> compare_op(std::string_view s, size_t& len) {
    if (s.empty() || (s[0] != '<' && s[0] != '>')) return std::nullopt;
    const bool eq = s.size() > 1 && s[1] == '=';
    len = eq ? 2 : 1;
    if (s[0] == '<') return eq ? Expr::CompareOp::Le : Expr::CompareOp::Lt;
    return eq ? Expr::CompareOp::Ge : Expr::CompareOp::Gt;
  }

  std::optional<Expr> parse_compare(const Token& t) {
    std::string_view w = t.text;
    size_t op_at = w.find_first_of("<>");
    size_t value_col = 0;
    std::string_view rest;
    bool rest_in_next = false;
    if (op_at != std::string_view::npos && op_at > 0 && is_field_name(w.substr(0, op_at))) {
      rest = w.substr(op_at);  // `field>10`, `field>=`
    } else if (op_at == std::string_view::npos && is_field_name(w) && peek().kind == TokenKind::Word &&
               peek().space_before && (peek().text[0] == '<' || peek().text[0] == '>')) {
      op_at = w.size();  // `field >= 10`, `field >=10`
      rest = peek().text;
      rest_in_next = true;
    } else {
      return std::nullopt;
    }
    Expr e;
    e.kind = Expr::Kind::Compare;
    e.col = t.col;
    e.field.assign(w.substr(0, op_at));
    size_t len = 0;
    e.op = *compare_op(rest, len);
    const Token& op_token = rest_in_next ? next() : t;
    value_col = op_token.col + (rest_in_next ? 0 : op_at) + len;
    const std::string shown = e.field + std::string(rest.substr(0, len));
    std::string_view value = rest.substr(len);
    if (!value.empty()) {
      e.value.assign(value);
    } else if (peek().kind == TokenKind::Quoted) {
      e.value = next().text;
      e.quoted = true;
    } else if (peek().kind == TokenKind::Word && !is_keyword(peek(), "and") && !is_keyword(peek(), "or")) {
      e.value = next().text;
      value_col = previous().col;
    } else if (peek().kind == TokenKind::Minus && peek(1).kind == TokenKind::Word && !peek(1).space_before) {
      value_col = next().col;  // `x >= -5`: the tokenizer took the '-' for a NOT
      e.value = "-" + next().text;
    } else {
      fail(col(value_col) + "expected a value after '" + shown + "'");
      return e;
    }
    // An empty value would read as an open side (matching any value): refuse it.
    if (e.value.empty() || (!e.quoted && (e.value[0] == '<' || e.value[0] == '>' || e.value[0] == '=')))
      fail(col(value_col) + "expected a value after '" + shown + "'");
    return e;
  }

  Expr parse_word() {
    const Token& t = next();
    if (auto c = parse_compare(t)) return std::move(*c);
    Expr e;
    e.col = t.col;
    size_t colon = t.text.find(':');
    if (colon != std::string::npos && is_field_name(std::string_view(t.text).substr(0, colon))) {
      e.kind = Expr::Kind::Field;
      e.field = t.text.substr(0, colon);
      e.value = t.text.substr(colon + 1);
      if (e.value.empty()) {
        // `field:"quoted value"` arrives as two tokens with nothing between them.
        if (peek().kind == TokenKind::Quoted && !peek().space_before) {
          e.value = next().text;
          e.quoted = true;
        } else {
          return fail(col(t.col + colon + 1) + "expected a value after '" + e.field + ":'" +
                      (peek().space_before && starts_term(peek()) ? " (no space allowed after ':')" : ""));
        }
      } else if (e.value == "*") {
        e.kind = Expr::Kind::Exists;
        e.value.clear();
      }
      return e;
    }
    if (t.text == "*") {
      e.kind = Expr::Kind::All;
      return e;
    }
    e.kind = Expr::Kind::Text;
    e.value = t.text;
    return e;
  }

  std::vector<Token> t_;
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  int open_parens_ = 0;
  std::optional<std::string> error_;
};

}  // namespace

Result<Query> parse_query(std::string_view text) {
  // Queries are text people type: names and literals from them become column names
  // and values that must survive JSON exactly.
  if (size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    return Status::error(col(bad + 1) + "the query is not UTF-8 text (byte " + std::to_string(
                             static_cast<unsigned>(static_cast<unsigned char>(text[bad]))) + ")");
  }
  auto tokens = tokenize(text);
  if (!tokens.ok()) return tokens.status();
  Parser p(std::move(*tokens), text);
  return p.parse();
}

}  // namespace vigil::query
