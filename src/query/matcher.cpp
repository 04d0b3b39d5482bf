// Compilation and evaluation of search expressions; see matcher.h.
#include "query/matcher.h"

#include <charconv>
#include <cmath>

#include "query/text_util.h"
#include "query/value_text.h"

namespace vigil::query {

PseudoField pseudo_field(std::string_view name) {
  if (name == "raw") return PseudoField::Raw;
  if (name == "input") return PseudoField::Input;
  if (name == "source") return PseudoField::Source;
  if (name == "tenant") return PseudoField::Tenant;
  return PseudoField::None;
}

namespace {

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  if (s[0] == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// "10.0.0.0/8", "fe80::/10".
bool parse_cidr(std::string_view s, CompiledTerm& t) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  auto ip = IpAddress::parse(s.substr(0, slash));
  auto bits = parse_number<int>(s.substr(slash + 1));
  if (!ip || !bits || *bits < 0 || *bits > (ip->is_v4 ? 32 : 128)) return false;
  t.as_ip = ip;
  t.cidr_bits = *bits;
  return true;
}

std::string_view pseudo_value(PseudoField p, const Event& e) {
  switch (p) {
    case PseudoField::Raw: return e.raw;
    case PseudoField::Input: return e.input;
    case PseudoField::Source: return e.source;
    case PseudoField::Tenant: return e.tenant;
    case PseudoField::None: break;
  }
  return {};
}

bool text_matches(const CompiledTerm& t, const Value& v) {
  TextBuffer buf;
  return t.pattern.matches(value_text(v, buf));
}

bool term_matches(const CompiledTerm& t, const EventBatch& batch, const Event& e) {
  switch (t.kind) {
    case CompiledTerm::Kind::All: return true;
    case CompiledTerm::Kind::Never: return false;
    case CompiledTerm::Kind::Text:
      if (t.pattern.occurs_in(e.raw)) return true;
      for (const Field& f : batch.fields(e))
        if (f.value.type == FieldType::String && t.pattern.occurs_in(f.value.as_string())) return true;
      return false;
    case CompiledTerm::Kind::FieldExists:
      for (const Field& f : batch.fields(e))
        if (f.id == t.field) return true;
      return false;
    case CompiledTerm::Kind::FieldValue:
      // Repeated fields: any value may match.
      for (const Field& f : batch.fields(e))
        if (f.id == t.field && value_matches(t, f.value)) return true;
      return false;
    case CompiledTerm::Kind::PseudoValue: return t.pattern.matches(pseudo_value(t.pseudo, e));
  }
  return false;
}

}  // namespace

bool value_matches(const CompiledTerm& t, const Value& v) {
  switch (v.type) {
    case FieldType::String:
      // Addresses a parser kept as text (unmapped.*) still answer a CIDR query.
      if (t.cidr_bits >= 0) {
        auto ip = IpAddress::parse(v.as_string());
        if (ip) return ip->in_network(*t.as_ip, t.cidr_bits);
      }
      return t.pattern.matches(v.as_string());
    case FieldType::Int64:
      if (t.as_int) return v.i64 == *t.as_int;
      if (t.as_double) return static_cast<double>(v.i64) == *t.as_double;
      return text_matches(t, v);
    case FieldType::Float64:
      if (t.as_double) return v.f64 == *t.as_double;
      return text_matches(t, v);
    case FieldType::Bool:
      if (t.as_bool) return v.b == *t.as_bool;
      if (t.as_int && (*t.as_int == 0 || *t.as_int == 1)) return v.b == (*t.as_int == 1);
      return text_matches(t, v);
    case FieldType::Timestamp:
      if (t.as_time) return v.ts == *t.as_time;
      return text_matches(t, v);
    case FieldType::Ip:
      if (t.as_ip) return t.cidr_bits >= 0 ? v.as_ip().in_network(*t.as_ip, t.cidr_bits) : v.as_ip() == *t.as_ip;
      return text_matches(t, v);
  }
  return false;
}

CompiledTerm compile_term(const Expr& e) {
  CompiledTerm t;
  if (e.kind == Expr::Kind::All) return t;
  t.pattern = e.quoted ? Pattern::literal(e.value) : Pattern::glob(e.value);
  if (e.kind == Expr::Kind::Text) {
    t.kind = t.pattern.match_all ? CompiledTerm::Kind::All : CompiledTerm::Kind::Text;
    return t;
  }
  t.pseudo = pseudo_field(e.field);
  if (t.pseudo != PseudoField::None) {
    t.kind = CompiledTerm::Kind::PseudoValue;
    return t;
  }
  t.field = field_dictionary().intern(e.field);  // intern, not find: the store may decode batches naming it only during the scan
  if (t.field == kNoField) {
    t.kind = CompiledTerm::Kind::Never;
    return t;
  }
  if (t.pattern.match_all) {
    t.kind = CompiledTerm::Kind::FieldExists;
    return t;
  }
  t.kind = CompiledTerm::Kind::FieldValue;
  if (t.pattern.wildcard) return t;  // wildcards compare the text form of every type
  const std::string& v = e.value;
  t.as_int = parse_number<int64_t>(v);
  t.as_double = parse_number<double>(v);
  if (t.as_double && !std::isfinite(*t.as_double)) t.as_double.reset();  // "nan", "inf" are words here
  if (equals_folded(v, "true")) t.as_bool = true;
  if (equals_folded(v, "false")) t.as_bool = false;
  t.as_time = parse_rfc3339(v);
  if (!parse_cidr(v, t)) t.as_ip = IpAddress::parse(v);
  return t;
}

Matcher Matcher::compile(const Expr& e) {
  Matcher m;
  m.root_ = m.build(e);
  return m;
}

Matcher::Node Matcher::build(const Expr& e) {
  Node n;
  n.kind = e.kind;
  switch (e.kind) {
    case Expr::Kind::All:
    case Expr::Kind::Text:
    case Expr::Kind::Field:
    case Expr::Kind::Compare:
    case Expr::Kind::Range:
    case Expr::Kind::Regex:
    case Expr::Kind::Exists:
      n.term = static_cast<uint32_t>(terms_.size());
      terms_.push_back(compile_term(e));
      break;
    case Expr::Kind::Not:
    case Expr::Kind::And:
    case Expr::Kind::Or:
      n.children.reserve(e.children.size());
      for (const Expr& c : e.children) n.children.push_back(build(c));
      break;
  }
  return n;
}

bool Matcher::eval(const Node& n, const EventBatch& batch, const Event& event) const {
  switch (n.kind) {
    case Expr::Kind::Not: return !eval(n.children[0], batch, event);
    case Expr::Kind::And:
      for (const Node& c : n.children)
        if (!eval(c, batch, event)) return false;
      return true;
    case Expr::Kind::Or:
      for (const Node& c : n.children)
        if (eval(c, batch, event)) return true;
      return false;
    default: return term_matches(terms_[n.term], batch, event);
  }
}

}  // namespace vigil::query
