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
      out += e.field + ':' + (e.lo_inclusive ? "[" : "{") + (e.lo.empty() ? "*" : e.lo) + " TO " +
             (e.hi.empty() ? "*" : e.hi) + (e.hi_inclusive ? "]" : "}");
      return;
    case Expr::Kind::Regex:
      if (!e.field.empty()) out += e.field + ':';
      out += '/' + e.value + '/';
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
