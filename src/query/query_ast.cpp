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
