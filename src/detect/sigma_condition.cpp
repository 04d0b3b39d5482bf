// Sigma condition parser; see sigma_condition.h.
#include "detect/sigma_condition.h"

#include <cctype>

#include "core/glob.h"

namespace vigil::detect {

namespace {

constexpr int kMaxDepth = 64;  // conditions come from untrusted rule files

bool ident_byte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& ids) : s_(text), ids_(ids) {}

  Result<Condition> run() {
    Condition c = parse_or(0);
    if (err_.empty()) {
      skip_space();
      if (pos_ < s_.size()) fail("unexpected '" + std::string(word_at(pos_)) + "' after the condition");
    }
    if (!err_.empty()) return Status::error(err_);
    return c;
  }

 private:
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  std::string_view word_at(size_t at) const {
    if (at >= s_.size()) return {};
    if (s_[at] == '(' || s_[at] == ')') return s_.substr(at, 1);
    size_t e = at;
    while (e < s_.size() && (ident_byte(s_[e]) || s_[e] == '*')) ++e;
    return e == at ? s_.substr(at, 1) : s_.substr(at, e - at);
  }
  // The next word, without taking it.
  std::string_view peek() {
    skip_space();
    return word_at(pos_);
  }
  void fail(const std::string& what, size_t at = std::string::npos) {
    if (err_.empty()) err_ = "col " + std::to_string((at == std::string::npos ? pos_ : at) + 1) + ": " + what;
  }

  Condition parse_or(int depth) { return parse_joined(Condition::Kind::Or, depth); }
  // `or` joins ands, `and` joins nots.
  Condition parse_joined(Condition::Kind kind, int depth) {
    const bool is_or = kind == Condition::Kind::Or;
    const std::string_view word = is_or ? "or" : "and";
    auto operand = [&] { return is_or ? parse_joined(Condition::Kind::And, depth) : parse_not(depth); };
    Condition left = operand();
    while (err_.empty() && equal_fold(peek(), word)) {
      pos_ += word.size();
      left = join(kind, std::move(left), operand());
    }
    return left;
  }
  static Condition join(Condition::Kind kind, Condition a, Condition b) {
    Condition c{.kind = kind};
    for (Condition* x : {&a, &b}) {
      if (x->kind == kind) {
        for (Condition& ch : x->children) c.children.push_back(std::move(ch));
      } else {
        c.children.push_back(std::move(*x));
      }
    }
    return c;
  }
  Condition parse_not(int depth) {
    if (depth > kMaxDepth) {
      fail("the condition nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
      return {};
    }
    if (equal_fold(peek(), "not")) {
      pos_ += 3;
      Condition c{.kind = Condition::Kind::Not};
      c.children.push_back(parse_not(depth + 1));
      return c;
    }
    return parse_atom(depth);
  }
  Condition parse_atom(int depth) {
    const std::string_view w = peek();
    const size_t at = pos_;
    if (w.empty()) {
      fail(pos_ == 0 ? "the condition is empty" : "expected a search identifier, not the end of the condition");
      return {};
    }
    if (w == "(") {
      ++pos_;
      Condition c = parse_or(depth + 1);
      if (!err_.empty()) return c;
      if (peek() != ")") {
        fail("expected ')' to close the '(' at col " + std::to_string(at + 1));
        return c;
      }
      ++pos_;
      return c;
    }
    if (w == "1" || equal_fold(w, "any") || equal_fold(w, "all")) {
      const bool all = equal_fold(w, "all");
      pos_ += w.size();
      if (!equal_fold(peek(), "of")) {
        fail("expected 'of' after '" + std::string(w) + "'");
        return {};
      }
      pos_ += 2;
      const std::string_view target = peek();
      const size_t target_at = pos_;
      if (target.empty() || target == "(" || target == ")") {
        fail("expected a search identifier pattern or 'them' after '" + std::string(w) + " of'");
        return {};
      }
      pos_ += target.size();
      const bool them = equal_fold(target, "them");
      Condition c{.kind = all ? Condition::Kind::And : Condition::Kind::Or};
      for (const std::string& id : ids_) {
        if (them ? id.empty() || id[0] == '_' : !glob_match(target, id)) continue;
        c.children.push_back(Condition{.kind = Condition::Kind::Ref, .name = id});
      }
      if (c.children.empty())
        fail("'" + std::string(w) + " of " + std::string(target) + "' names no search identifier", target_at);
      if (c.children.size() == 1) return std::move(c.children[0]);
      return c;
    }
    if (!ident_byte(w[0]) || w.find('*') != std::string_view::npos) {
      fail("expected a search identifier, not '" + std::string(w) + "'");
      return {};
    }
    pos_ += w.size();
    for (const std::string& id : ids_)
      if (id == w) return Condition{.kind = Condition::Kind::Ref, .name = id};
    std::string known;
    for (const std::string& id : ids_) known += (known.empty() ? "" : ", ") + id;
    fail("unknown search identifier '" + std::string(w) + "' (defined: " + known + ")", at);
    return {};
  }

  std::string_view s_;
  const std::vector<std::string>& ids_;
  size_t pos_ = 0;
  std::string err_;
};

}  // namespace

Result<Condition> parse_condition(std::string_view text, const std::vector<std::string>& identifiers) {
  return Parser(text, identifiers).run();
}

std::string to_string(const Condition& c) {
  switch (c.kind) {
    case Condition::Kind::Ref: return c.name;
    case Condition::Kind::Not: return "not " + (c.children.empty() ? std::string("?") : to_string(c.children[0]));
    default: {
      std::string s = "(";
      for (size_t i = 0; i < c.children.size(); ++i)
        s += (i ? (c.kind == Condition::Kind::And ? " and " : " or ") : "") + to_string(c.children[i]);
      return s + ")";
    }
  }
}

}  // namespace vigil::detect
