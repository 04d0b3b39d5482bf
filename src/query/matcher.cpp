// Compilation and evaluation of search expressions; see matcher.h.
#include "query/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

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

bool regex_matches(const CompiledTerm& t, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *t.regex);
}

bool regex_matches(const CompiledTerm& t, const Value& v) {
  TextBuffer buf;
  return regex_matches(t, value_text(v, buf));
}

template <typename T>
int three_way(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// How value `v` compares with bound `b` (<0, 0, >0), or nothing when they cannot be
// compared (another type, another address family, NaN).
std::optional<int> compare_to(const Value& v, const Bound& b) {
  switch (v.type) {
    case FieldType::Int64:
      if (b.as_int) return three_way(v.i64, *b.as_int);
      if (b.as_double) return three_way(static_cast<double>(v.i64), *b.as_double);
      return std::nullopt;
    case FieldType::Float64:
      if (!b.as_double || std::isnan(v.f64)) return std::nullopt;
      return three_way(v.f64, *b.as_double);
    case FieldType::Timestamp:
      if (b.as_time) return three_way(v.ts, *b.as_time);
      return std::nullopt;
    case FieldType::Ip: {
      if (!b.as_ip || b.as_ip->is_v4 != v.ip_v4) return std::nullopt;
      IpAddress a = v.as_ip();
      return std::memcmp(a.bytes.data(), b.as_ip->bytes.data(), a.bytes.size());
    }
    case FieldType::String: {
      // Numbers and addresses that a parser kept as text still compare as such.
      std::string_view s = v.as_string();
      if (b.as_double) {
        auto d = parse_number<double>(s);
        if (d && !std::isnan(*d)) return three_way(*d, *b.as_double);
      }
      if (b.as_ip) {
        auto ip = IpAddress::parse(s);
        if (ip && ip->is_v4 == b.as_ip->is_v4) return std::memcmp(ip->bytes.data(), b.as_ip->bytes.data(), 16);
      }
      int c = s.compare(b.text);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case FieldType::Bool: return std::nullopt;
  }
  return std::nullopt;
}

bool within(const CompiledTerm& t, const Value& v) {
  if (!t.lo.open) {
    auto c = compare_to(v, t.lo);
    if (!c || (t.lo.inclusive ? *c < 0 : *c <= 0)) return false;
  }
  if (!t.hi.open) {
    auto c = compare_to(v, t.hi);
    if (!c || (t.hi.inclusive ? *c > 0 : *c >= 0)) return false;
  }
  return true;
}

bool text_within(const CompiledTerm& t, std::string_view text) {
  return within(t, Value::string(text));
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
    case CompiledTerm::Kind::FieldRange:
      for (const Field& f : batch.fields(e))
        if (f.id == t.field && within(t, f.value)) return true;
      return false;
    case CompiledTerm::Kind::PseudoRange: return text_within(t, pseudo_value(t.pseudo, e));
    case CompiledTerm::Kind::RawRegex: return regex_matches(t, e.raw);
    case CompiledTerm::Kind::FieldRegex:
      for (const Field& f : batch.fields(e))
        if (f.id == t.field && regex_matches(t, f.value)) return true;
      return false;
    case CompiledTerm::Kind::PseudoRegex: return regex_matches(t, pseudo_value(t.pseudo, e));
  }
  return false;
}

// One value of a term's own field (a column of a block holds them): the event-path
// test of term_matches() on that value.
bool field_value_matches(const CompiledTerm& t, const Value& v) {
  switch (t.kind) {
    case CompiledTerm::Kind::All:
    case CompiledTerm::Kind::FieldExists: return true;
    case CompiledTerm::Kind::FieldValue: return value_matches(t, v);
    case CompiledTerm::Kind::FieldRange: return within(t, v);
    case CompiledTerm::Kind::FieldRegex: return regex_matches(t, v);
    default: return false;
  }
}

// Whether a term can be decided on a block: fields from their columns, free text
// and raw:... from the raw column and the string columns. (input, tenant and source
// are not in blocks.)
bool block_term(const CompiledTerm& t) {
  switch (t.kind) {
    case CompiledTerm::Kind::All:
    case CompiledTerm::Kind::Never:
    case CompiledTerm::Kind::FieldExists:
    case CompiledTerm::Kind::FieldValue:
    case CompiledTerm::Kind::FieldRange:
    case CompiledTerm::Kind::FieldRegex:
    case CompiledTerm::Kind::Text:
    case CompiledTerm::Kind::RawRegex: return true;
    case CompiledTerm::Kind::PseudoValue:
    case CompiledTerm::Kind::PseudoRange:
    case CompiledTerm::Kind::PseudoRegex: return t.pseudo == PseudoField::Raw;
  }
  return false;
}

// A raw-text term on one row's raw text (the event path's test).
bool raw_matches(const CompiledTerm& t, std::string_view raw) {
  switch (t.kind) {
    case CompiledTerm::Kind::Text: return t.pattern.occurs_in(raw);
    case CompiledTerm::Kind::PseudoValue: return t.pattern.matches(raw);
    case CompiledTerm::Kind::PseudoRange: return text_within(t, raw);
    case CompiledTerm::Kind::RawRegex:
    case CompiledTerm::Kind::PseudoRegex: return regex_matches(t, raw);
    default: return false;
  }
}

bool term_reads_raw(const CompiledTerm& t) {
  return t.kind == CompiledTerm::Kind::Text || t.kind == CompiledTerm::Kind::RawRegex || t.pseudo == PseudoField::Raw;
}

// A bound as typed, read as every type it can stand for. Times also read relative
// forms (-24h, now) and numbers (Unix seconds).
Bound read_bound(const std::string& text, bool inclusive, TimeNs now) {
  Bound b;
  if (text.empty()) return b;
  b.open = false;
  b.inclusive = inclusive;
  b.text = text;
  b.as_int = parse_number<int64_t>(text);
  b.as_double = parse_number<double>(text);
  if (b.as_double && !std::isfinite(*b.as_double)) b.as_double.reset();
  b.as_time = parse_time_arg(text, now);
  if (!b.as_time && b.as_double && std::fabs(*b.as_double) < 9.2e9)  // seconds that fit in int64 ns
    b.as_time = static_cast<TimeNs>(std::llround(*b.as_double * 1e9));
  b.as_ip = IpAddress::parse(text);
  return b;
}

// Regexes are case-insensitive unless the term says otherwise; `(?-i)` inside a
// pattern turns that off for the user. RE2 matches in linear time: patterns come
// from untrusted queries.
Status compile_regex(const Expr& e, CompiledTerm& t) {
  RE2::Options options;
  options.set_case_sensitive(e.case_sensitive);
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(e.value, options);
  if (!re->ok()) {
    return Status::error("col " + std::to_string(e.col) + ": invalid regular expression /" + e.value +
                         "/: " + re->error());
  }
  t.regex = std::move(re);
  return Status();
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

Result<CompiledTerm> compile_term(const Expr& e, TimeNs now) {
  CompiledTerm t;
  if (e.kind == Expr::Kind::All) return t;
  if (e.kind == Expr::Kind::Regex) {
    if (Status s = compile_regex(e, t); !s.ok()) return s;
    t.pseudo = pseudo_field(e.field);
    if (e.field.empty()) {
      t.kind = CompiledTerm::Kind::RawRegex;
    } else if (t.pseudo != PseudoField::None) {
      t.kind = CompiledTerm::Kind::PseudoRegex;
    } else {
      t.field = field_dictionary().intern(e.field);
      t.kind = t.field == kNoField ? CompiledTerm::Kind::Never : CompiledTerm::Kind::FieldRegex;
    }
    return t;
  }
  if (e.kind == Expr::Kind::Compare || e.kind == Expr::Kind::Range) {
    if (e.kind == Expr::Kind::Range) {
      t.lo = read_bound(e.lo, e.lo_inclusive, now);
      t.hi = read_bound(e.hi, e.hi_inclusive, now);
    } else {
      using Op = Expr::CompareOp;
      const bool inclusive = e.op == Op::Le || e.op == Op::Ge;
      (e.op == Op::Gt || e.op == Op::Ge ? t.lo : t.hi) = read_bound(e.value, inclusive, now);
    }
    t.pseudo = pseudo_field(e.field);
    if (t.pseudo != PseudoField::None) {
      t.kind = CompiledTerm::Kind::PseudoRange;
    } else {
      t.field = field_dictionary().intern(e.field);
      t.kind = t.field == kNoField ? CompiledTerm::Kind::Never : CompiledTerm::Kind::FieldRange;
    }
    return t;
  }
  if (e.kind == Expr::Kind::Exists) {
    t.pseudo = pseudo_field(e.field);
    if (t.pseudo != PseudoField::None) return t;  // raw, input, source, tenant: every event has them
    t.field = field_dictionary().intern(e.field);
    t.kind = t.field == kNoField ? CompiledTerm::Kind::Never : CompiledTerm::Kind::FieldExists;
    return t;
  }
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

Result<Matcher> Matcher::compile(const Expr& e, TimeNs now) {
  Matcher m;
  std::optional<std::string> error;
  m.root_ = m.build(e, now, error);
  if (error) return Status::error(*error);
  return m;
}

Matcher::Node Matcher::build(const Expr& e, TimeNs now, std::optional<std::string>& error) {
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
      if (auto t = compile_term(e, now); t.ok()) {
        terms_.push_back(std::move(*t));
      } else {
        if (!error) error = t.error();
        terms_.emplace_back();
      }
      break;
    case Expr::Kind::Not:
    case Expr::Kind::And:
    case Expr::Kind::Or:
      n.children.reserve(e.children.size());
      for (const Expr& c : e.children) n.children.push_back(build(c, now, error));
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

size_t Matcher::depth_of(const Node& n) {
  size_t d = 0;
  for (const Node& c : n.children) d = std::max(d, depth_of(c));
  return d + 1;
}

bool Matcher::takes_blocks() const {
  for (const CompiledTerm& t : terms_) {
    if (!block_term(t)) return false;
  }
  return true;
}

bool Matcher::reads_raw() const {
  for (const CompiledTerm& t : terms_) {
    if (term_reads_raw(t)) return true;
  }
  return false;
}

bool Matcher::matches_all() const {
  if (root_.kind == Expr::Kind::All) return true;
  const bool leaf = root_.children.empty() && root_.kind != Expr::Kind::Not && root_.kind != Expr::Kind::And &&
                    root_.kind != Expr::Kind::Or;
  return leaf && terms_[root_.term].kind == CompiledTerm::Kind::All;
}

std::vector<FieldId> Matcher::fields() const {
  std::vector<FieldId> out;
  for (const CompiledTerm& t : terms_) {
    if (t.field != kNoField && std::find(out.begin(), out.end(), t.field) == out.end()) out.push_back(t.field);
  }
  return out;
}

void Matcher::match_block(const BlockView& block, uint8_t* selected, std::vector<std::vector<uint8_t>>& scratch) const {
  if (matches_all()) return;
  // Sized before the walk: references into it stay valid while nodes recurse.
  scratch.resize(std::max(scratch.size(), 2 * depth_of(root_) + 3));
  std::vector<uint8_t>& out = scratch[0];
  out.assign(block.rows, 0);
  eval_block(root_, block, selected, out.data(), scratch, 1);
  std::memcpy(selected, out.data(), block.rows);
}

// Bitmaps of one byte per row: a node is tested only on the rows its parent still
// cares about (an AND narrows them child by child, an OR drops rows already true),
// so a selective first term spares the later ones most of their rows.
void Matcher::eval_block(const Node& n, const BlockView& block, const uint8_t* care, uint8_t* out,
                         std::vector<std::vector<uint8_t>>& scratch, size_t depth) const {
  const uint32_t rows = block.rows;
  switch (n.kind) {
    case Expr::Kind::Not: {
      std::vector<uint8_t>& inner = scratch[depth];
      inner.assign(rows, 0);
      eval_block(n.children[0], block, care, inner.data(), scratch, depth + 1);
      for (uint32_t r = 0; r < rows; ++r) out[r] = care[r] & (inner[r] ^ 1);
      return;
    }
    case Expr::Kind::And: {
      std::memcpy(out, care, rows);
      std::vector<uint8_t>& inner = scratch[depth];
      for (const Node& c : n.children) {
        inner.assign(rows, 0);
        eval_block(c, block, out, inner.data(), scratch, depth + 1);
        std::memcpy(out, inner.data(), rows);
      }
      return;
    }
    case Expr::Kind::Or: {
      std::vector<uint8_t>& rest = scratch[depth];
      std::vector<uint8_t>& inner = scratch[depth + 1];
      rest.assign(care, care + rows);
      std::memset(out, 0, rows);
      for (const Node& c : n.children) {
        inner.assign(rows, 0);
        eval_block(c, block, rest.data(), inner.data(), scratch, depth + 2);
        for (uint32_t r = 0; r < rows; ++r) {
          out[r] |= inner[r];
          rest[r] &= inner[r] ^ 1;
        }
      }
      return;
    }
    default: break;
  }
  const CompiledTerm& t = terms_[n.term];
  if (t.kind == CompiledTerm::Kind::All) {
    std::memcpy(out, care, rows);
    return;
  }
  std::memset(out, 0, rows);
  if (t.kind == CompiledTerm::Kind::Never) return;
  if (term_reads_raw(t)) {
    if (block.raws) {
      for (uint32_t r = 0; r < rows; ++r) out[r] = care[r] && raw_matches(t, block.raws[r]);
    }
    if (t.kind != CompiledTerm::Kind::Text) return;
    // Free text also matches in any string field: rows the raw text did not answer.
    // A dictionary column repeats the same few strings (same pointer, same answer):
    // a small cache by address tests each once.
    struct Seen {
      const char* at = nullptr;
      uint32_t size = 0;
      bool match = false;
    };
    std::array<Seen, 64> seen;
    for (const ColumnSlice& c : block.columns) {
      if (c.type != FieldType::String) continue;
      if (c.constant) continue;  // (constants are numbers and addresses)
      seen.fill({});
      for (uint32_t r = 0; r < rows; ++r) {
        if (!care[r] || out[r] || !c.present[r]) continue;
        const Value& v = c.values[r];
        Seen& e = seen[(reinterpret_cast<uintptr_t>(v.str) >> 3) & 63];
        if (e.at != v.str || e.size != v.str_size) e = {v.str, v.str_size, t.pattern.occurs_in(v.as_string())};
        out[r] = e.match;
      }
    }
    return;
  }
  // Repeated fields and fields of several types are several columns: any value may match.
  for (const ColumnSlice& c : block.columns) {
    if (c.id != t.field) continue;
    if (c.constant) {
      if (field_value_matches(t, c.constant_value)) {
        for (uint32_t r = 0; r < rows; ++r) out[r] |= care[r];
      }
      continue;
    }
    for (uint32_t r = 0; r < rows; ++r) {
      if (care[r] && !out[r] && c.present[r] && field_value_matches(t, c.values[r])) out[r] = 1;
    }
  }
}

}  // namespace vigil::query
