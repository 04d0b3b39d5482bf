// Push-down planning (see planner.h).
#include "query/planner.h"

#include <algorithm>
#include <limits>

#include "query/matcher.h"

namespace vigil::query {
namespace {

void add_field(ScanRequest& r, const std::string& name) {
  if (std::find(r.fields.begin(), r.fields.end(), name) == r.fields.end()) r.fields.push_back(name);
}

// Fields an expression reads, and whether it reads raw text or all fields (free text).
void collect_reads(const Expr& e, ScanRequest& r) {
  switch (e.kind) {
    case Expr::Kind::Text:
      r.all_fields = true;
      r.raw = true;
      break;
    case Expr::Kind::Field:
    case Expr::Kind::Compare:
    case Expr::Kind::Range:
    case Expr::Kind::Regex:
    case Expr::Kind::Exists:
      if (e.field.empty() || pseudo_field(e.field) == PseudoField::Raw ||
          pseudo_field(e.field) == PseudoField::Source) {  // empty: /re/ on raw text
        r.raw = true;
      } else if (pseudo_field(e.field) == PseudoField::None) {
        add_field(r, e.field);
      }
      break;
    default:
      for (const Expr& c : e.children) collect_reads(c, r);
  }
}

// The last address of a network: prefix with the host bits set.
IpAddress network_end(IpAddress a, int bits) {
  int total = a.is_v4 ? 32 : 128;
  int host = total - bits;
  for (int i = 15; i >= 0 && host > 0; --i) {
    int n = std::min(host, 8);
    a.bytes[static_cast<size_t>(i)] |= static_cast<uint8_t>((1u << n) - 1);
    host -= n;
  }
  return a;
}
IpAddress network_start(IpAddress a, int bits) {
  int total = a.is_v4 ? 32 : 128;
  int host = total - bits;
  for (int i = 15; i >= 0 && host > 0; --i) {
    int n = std::min(host, 8);
    a.bytes[static_cast<size_t>(i)] &= static_cast<uint8_t>(~((1u << n) - 1));
    host -= n;
  }
  return a;
}

// A condition implied by `field:value`, chosen by what the value reads as. Values of
// other types than the condition's are never excluded by the store (scan.h), so one
// condition is enough even though the matcher tries each type's reading.
void push_field_term(const Expr& e, ScanRequest& r, TimeNs now) {
  if (pseudo_field(e.field) != PseudoField::None) return;
  auto compiled = compile_term(e, now);
  if (!compiled.ok()) return;
  const CompiledTerm& t = *compiled;
  FieldCondition c;
  c.field = e.field;
  if (t.kind == CompiledTerm::Kind::FieldExists || t.pattern.wildcard || t.as_bool) {
    c.op = FieldCondition::Op::Exists;  // any match needs the field
  } else if (t.as_ip && t.cidr_bits >= 0) {
    c.op = FieldCondition::Op::IpRange;
    c.ip_lo = network_start(*t.as_ip, t.cidr_bits);
    c.ip_hi = network_end(*t.as_ip, t.cidr_bits);
  } else if (t.as_ip) {
    c.op = FieldCondition::Op::IpRange;
    c.ip_lo = c.ip_hi = *t.as_ip;
  } else if (t.as_int) {
    c.op = FieldCondition::Op::IntRange;
    c.int_lo = c.int_hi = *t.as_int;
  } else if (t.as_time) {
    c.op = FieldCondition::Op::TimeRange;
    c.int_lo = c.int_hi = *t.as_time;
  } else if (t.as_double) {
    c.op = FieldCondition::Op::FloatRange;
    c.float_lo = c.float_hi = *t.as_double;
  } else {
    c.op = FieldCondition::Op::StringEq;
    c.text = e.value;
  }
  if (t.kind == CompiledTerm::Kind::Never) return;
  r.conditions.push_back(std::move(c));
}

// A comparison or range: one condition per type that every bound (or open side) can
// be read as. Each condition restricts only values of its own type, so together
// they are exactly as loose as the matcher, which compares each value by its type.
// Exclusive bounds are pushed as inclusive ones: looser, never stricter.
void push_range_term(const Expr& e, ScanRequest& r, TimeNs now) {
  if (pseudo_field(e.field) != PseudoField::None) return;
  auto compiled = compile_term(e, now);
  if (!compiled.ok() || compiled->kind == CompiledTerm::Kind::Never) return;
  const Bound& lo = compiled->lo;
  const Bound& hi = compiled->hi;
  FieldCondition exists;
  exists.field = e.field;
  exists.op = FieldCondition::Op::Exists;  // any comparison needs the field
  r.conditions.push_back(exists);
  if ((lo.open || lo.as_int) && (hi.open || hi.as_int)) {
    FieldCondition c = exists;
    c.op = FieldCondition::Op::IntRange;
    if (!lo.open) c.int_lo = *lo.as_int;
    if (!hi.open) c.int_hi = *hi.as_int;
    r.conditions.push_back(std::move(c));
  }
  if ((lo.open || lo.as_double) && (hi.open || hi.as_double)) {
    FieldCondition c = exists;
    c.op = FieldCondition::Op::FloatRange;
    c.float_lo = lo.open ? -std::numeric_limits<double>::infinity() : *lo.as_double;
    c.float_hi = hi.open ? std::numeric_limits<double>::infinity() : *hi.as_double;
    r.conditions.push_back(std::move(c));
  }
  if ((lo.open || lo.as_time) && (hi.open || hi.as_time)) {
    FieldCondition c = exists;
    c.op = FieldCondition::Op::TimeRange;
    if (!lo.open) c.int_lo = *lo.as_time;
    if (!hi.open) c.int_hi = *hi.as_time;
    r.conditions.push_back(std::move(c));
  }
  if ((lo.open || lo.as_ip) && (hi.open || hi.as_ip)) {
    // Addresses compare within their family; the store compares the 16 bytes, so the
    // open sides reach the ends of the whole space, which covers either family.
    FieldCondition c = exists;
    c.op = FieldCondition::Op::IpRange;
    c.ip_hi.bytes.fill(0xff);
    if (!lo.open) c.ip_lo = *lo.as_ip;
    if (!hi.open) c.ip_hi = *hi.as_ip;
    r.conditions.push_back(std::move(c));
  }
}

}  // namespace

ScanRequest plan_scan(const Query& query, TimeNs from, TimeNs to, TimeNs now) {
  ScanRequest r;
  r.from = from;
  r.to = to;
  const Expr& f = query.filter;
  std::vector<const Expr*> conjuncts;
  if (f.kind == Expr::Kind::And) {
    for (const Expr& c : f.children) conjuncts.push_back(&c);
  } else {
    conjuncts.push_back(&f);
  }
  for (const Expr* c : conjuncts) {
    if (c->kind == Expr::Kind::Text) {
      Pattern p = c->quoted ? Pattern::literal(c->value) : Pattern::glob(c->value);
      if (!p.wildcard) r.terms.push_back(c->value);
    } else if (c->kind == Expr::Kind::Field) {
      push_field_term(*c, r, now);
    } else if (c->kind == Expr::Kind::Compare || c->kind == Expr::Kind::Range) {
      push_range_term(*c, r, now);
    } else if ((c->kind == Expr::Kind::Exists || c->kind == Expr::Kind::Regex) && !c->field.empty() &&
               pseudo_field(c->field) == PseudoField::None) {
      FieldCondition exists;  // the field must be there; the store cannot run the regex
      exists.field = c->field;
      exists.op = FieldCondition::Op::Exists;
      r.conditions.push_back(std::move(exists));
    }
  }

  // Projection: a plain search and most stages need whole events; a first stage that
  // groups (stats, timechart, top, rare) reads only what it uses (later stages see
  // only its table).
  if (query.stages.empty()) return r;
  std::vector<std::string> keys;
  std::vector<const Aggregate*> aggregates;
  if (const auto* s = std::get_if<StatsStage>(&query.stages[0])) {
    keys = s->by;
    for (const Aggregate& a : s->aggregates) aggregates.push_back(&a);
  } else if (const auto* t = std::get_if<TimechartStage>(&query.stages[0])) {
    if (!t->by.empty()) keys.push_back(t->by);
    for (const Aggregate& a : t->aggregates) aggregates.push_back(&a);
  } else if (const auto* tp = std::get_if<TopStage>(&query.stages[0])) {
    keys = tp->by;
    keys.insert(keys.end(), tp->fields.begin(), tp->fields.end());
  } else {
    return r;
  }
  r.all_fields = false;
  r.raw = false;
  collect_reads(f, r);
  for (const auto& key : keys) {
    if (pseudo_field(key) == PseudoField::Raw || pseudo_field(key) == PseudoField::Source) r.raw = true;
    add_field(r, key);
  }
  for (const Aggregate* a : aggregates) {
    if (!a->field.empty()) add_field(r, a->field);
  }
  if (r.all_fields) r.fields.clear();
  return r;
}

}  // namespace vigil::query
