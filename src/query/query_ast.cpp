// Printing of the query AST; see query_ast.h.
#include "query/query_ast.h"

namespace vigil::query {

namespace {

void append_value(std::string& out, const std::string& v, bool quoted) {
  if (!quoted) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// A range bound as the parser reads it back: open is `*`, and a bound that would
// not read as one word (spaces, brackets, quotes, a literal `*`) is quoted.
void append_bound(std::string& out, const std::string& b) {
  if (b.empty()) {
    out += '*';
    return;
  }
  bool plain = b != "*";
  for (char c : b)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ']' || c == '}' || c == '"')
      plain = false;
  append_value(out, b, !plain);
}

void print(const Expr& e, std::string& out) {
  switch (e.kind) {
    case Expr::Kind::All: out += "*"; return;
    case Expr::Kind::Text: append_value(out, e.value, e.quoted); return;
    case Expr::Kind::Field:
      out += e.field;
      out += ':';
      append_value(out, e.value, e.quoted);
      return;
    case Expr::Kind::Compare: {
      static const char* kOps[] = {"<", "<=", ">", ">="};
      out += e.field;
      out += kOps[static_cast<int>(e.op)];
      append_value(out, e.value, e.quoted);
      return;
    }
    case Expr::Kind::Range:
      out += e.field + ':' + (e.lo_inclusive ? "[" : "{");
      append_bound(out, e.lo);
      out += " TO ";
      append_bound(out, e.hi);
      out += e.hi_inclusive ? "]" : "}";
      return;
    case Expr::Kind::Regex:
      if (!e.field.empty()) out += e.field + ':';
      out += '/';
      for (char c : e.value) {
        if (c == '/') out += '\\';  // the parser reads \/ as a slash
        out += c;
      }
      out += '/';
      return;
    case Expr::Kind::Exists: out += e.field + ":*"; return;
    case Expr::Kind::Not: out += "(not "; break;
    case Expr::Kind::And: out += "(and "; break;
    case Expr::Kind::Or: out += "(or "; break;
  }
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i) out += ' ';
    print(e.children[i], out);
  }
  out += ')';
}

}  // namespace

std::string to_string(const Expr& e) {
  std::string out;
  print(e, out);
  return out;
}

}  // namespace vigil::query
