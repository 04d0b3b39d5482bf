// Compiling and evaluating a Sigma rule; see compiled_rule.h and docs/sigma.md.
#include "detect/compiled_rule.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/time.h"

namespace vigil::detect {

namespace {

// Literals shorter than this hit too many events to be worth a prefilter entry.
constexpr size_t kMinLiteral = 2;

using Literals = std::optional<std::vector<Literal>>;

std::vector<FieldId> resolve(const CompileOptions& o, const LogSource& ls, std::string_view field) {
  std::vector<std::string> names;
  if (o.resolve) names = o.resolve(ls, field);
  if (std::find(names.begin(), names.end(), field) == names.end()) names.emplace_back(field);
  std::vector<FieldId> ids;
  for (const std::string& n : names) {
    const FieldId id = field_id(n);
    if (id != kNoField && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

// %name% placeholders replaced by each of their values (the product over several).
std::vector<std::string> expand(std::string_view text, const CompileOptions& o, std::vector<std::string>& warnings) {
  std::vector<std::string> out{std::string()};
  for (size_t i = 0; i < text.size();) {
    const size_t open = text.find('%', i);
    const size_t close = open == std::string_view::npos ? open : text.find('%', open + 1);
    if (open == std::string_view::npos || close == std::string_view::npos) {
      for (auto& s : out) s.append(text.substr(i));
      break;
    }
    for (auto& s : out) s.append(text.substr(i, open - i));
    const std::string_view name = text.substr(open + 1, close - open - 1);
    const auto* values = o.placeholders ? &*o.placeholders : nullptr;
    auto it = values ? values->find(name) : decltype(values->end()){};
    if (!values || it == values->end()) {
      warnings.push_back("placeholder %" + std::string(name) + "% has no values configured: it matches nothing");
      return {};
    }
    std::vector<std::string> next;
    for (const auto& s : out)
      for (const auto& v : it->second) next.push_back(s + v);
    out = std::move(next);
    i = close + 1;
  }
  return out;
}

void add_string_tests(const FieldMatch& m, const SigmaValue& v, bool keyword, const CompileOptions& o,
                      CompiledFieldMatch& out, std::vector<std::string>& warnings) {
  const bool cased = m.has(Modifier::Cased);
  const bool front = keyword || m.has(Modifier::Contains) || m.has(Modifier::EndsWith);
  const bool back = keyword || m.has(Modifier::Contains) || m.has(Modifier::StartsWith);
  std::vector<std::string> texts = m.has(Modifier::Expand) ? expand(v.text, o, warnings) : std::vector{v.text};
  const bool utf16 = m.has(Modifier::Utf16le) || m.has(Modifier::Wide) || m.has(Modifier::Utf16be) ||
                     m.has(Modifier::Utf16);
  const bool encoded = utf16 || m.has(Modifier::Base64) || m.has(Modifier::Base64Offset);
  for (const std::string& text : texts) {
    std::vector<PatternBuilder> builders;
    if (!encoded) {
      builders.push_back(parse_sigma_wildcards(text));
    } else {
      // An encoded value is bytes, not a pattern: its wildcards cannot survive encoding.
      std::string bytes = text;
      if (utf16) bytes = utf16_encode(text, m.has(Modifier::Utf16be), m.has(Modifier::Utf16));
      if (m.has(Modifier::Base64Offset)) {
        for (std::string& b : base64_offset_variants(bytes))
          if (!b.empty()) builders.push_back(literal_pattern(b));
      } else if (m.has(Modifier::Base64)) {
        builders.push_back(literal_pattern(base64_encode(bytes)));
      } else {
        builders.push_back(literal_pattern(bytes));
      }
    }
    for (PatternBuilder& b : builders) {
      if (m.has(Modifier::Windash)) apply_windash(b);
      ValueTest t;
      t.kind = ValueTest::Kind::Pattern;
      // Base64 text is case-sensitive by nature.
      t.pattern = finish_pattern(std::move(b), front, back, cased || m.has(Modifier::Base64) || m.has(Modifier::Base64Offset));
      out.tests.push_back(std::move(t));
    }
  }
}

ValueTest::Op compare_op(const FieldMatch& m) {
  if (m.has(Modifier::Gt)) return ValueTest::Op::Gt;
  if (m.has(Modifier::Gte)) return ValueTest::Op::Gte;
  if (m.has(Modifier::Lt)) return ValueTest::Op::Lt;
  if (m.has(Modifier::Lte)) return ValueTest::Op::Lte;
  return ValueTest::Op::Eq;
}

std::optional<Modifier> time_part(const FieldMatch& m) {
  for (Modifier x : {Modifier::Minute, Modifier::Hour, Modifier::Day, Modifier::Week, Modifier::Month, Modifier::Year})
    if (m.has(x)) return x;
  return std::nullopt;
}

CompiledFieldMatch compile_match(const FieldMatch& m, const LogSource& ls, const CompileOptions& o,
                                 std::vector<std::string>& warnings) {
  CompiledFieldMatch out;
  const bool keyword = m.field.empty();
  if (!keyword) out.fields = resolve(o, ls, m.field);
  out.all = m.has(Modifier::All);
  out.neq = m.has(Modifier::Neq);
  if (m.has(Modifier::Exists)) {
    out.presence = m.values.at(0).boolean ? CompiledFieldMatch::Presence::MustExist
                                          : CompiledFieldMatch::Presence::MustNotExist;
    return out;
  }
  if (m.values.size() == 1 && m.values[0].kind == SigmaValue::Kind::Null && !keyword) {
    out.presence = CompiledFieldMatch::Presence::NullOrEmpty;
    return out;
  }
  const auto part = time_part(m);
  const bool numeric = m.has(Modifier::Gt) || m.has(Modifier::Gte) || m.has(Modifier::Lt) || m.has(Modifier::Lte);
  for (const SigmaValue& v : m.values) {
    ValueTest t;
    if (v.kind == SigmaValue::Kind::Null) {
      t.kind = ValueTest::Kind::Never;
    } else if (m.has(Modifier::FieldRef)) {
      t.kind = ValueTest::Kind::FieldRef;
      t.other = resolve(o, ls, v.text);
      t.pattern.cased = m.has(Modifier::Cased);
      t.pattern.kind = m.has(Modifier::Contains)     ? SigmaPattern::Kind::Contains
                       : m.has(Modifier::StartsWith) ? SigmaPattern::Kind::Prefix
                       : m.has(Modifier::EndsWith)   ? SigmaPattern::Kind::Suffix
                                                     : SigmaPattern::Kind::Exact;
    } else if (m.has(Modifier::Re)) {
      std::string flags;
      if (m.has(Modifier::ReI)) flags += 'i';
      if (m.has(Modifier::ReM)) flags += 'm';
      if (m.has(Modifier::ReS)) flags += 's';
      RE2::Options ro;
      ro.set_log_errors(false);
      t.kind = ValueTest::Kind::Regex;
      t.regex = std::make_shared<RE2>(flags.empty() ? v.text : "(?" + flags + ")" + v.text, ro);
      if (!t.regex->ok()) t.kind = ValueTest::Kind::Never;  // the loader refused it already
    } else if (m.has(Modifier::Cidr)) {
      t.kind = ValueTest::Kind::Cidr;
      const size_t slash = v.text.find('/');
      auto ip = IpAddress::parse(std::string_view(v.text).substr(0, slash));
      if (!ip) {
        t.kind = ValueTest::Kind::Never;
      } else {
        t.network = *ip;
        t.prefix_bits = ip->is_v4 ? 32 : 128;
        if (slash != std::string::npos) std::from_chars(v.text.data() + slash + 1, v.text.data() + v.text.size(), t.prefix_bits);
      }
    } else if (part) {
      t.kind = ValueTest::Kind::TimePart;
      t.part = *part;
      t.op = compare_op(m);
      t.number = v.number;
    } else if (numeric) {
      t.kind = ValueTest::Kind::Compare;
      t.op = compare_op(m);
      t.number = v.number;
    } else {
      add_string_tests(m, v, keyword, o, out, warnings);
      continue;
    }
    out.tests.push_back(std::move(t));
  }
  if (out.tests.empty()) out.tests.push_back(ValueTest{.kind = ValueTest::Kind::Never});
  return out;
}

// --- prefilter literals -------------------------------------------------------

Literals literals_of(const CompiledFieldMatch& m) {
  if (m.presence != CompiledFieldMatch::Presence::Any || m.neq) return std::nullopt;
  std::vector<Literal> out;
  std::string best;
  for (const ValueTest& t : m.tests) {
    if (t.kind == ValueTest::Kind::Never) continue;  // adds no way to match
    if (t.kind != ValueTest::Kind::Pattern) {
      if (m.all) continue;  // another value of `all` may still carry a literal
      return std::nullopt;
    }
    const std::string_view lit = required_literal(t.pattern);
    if (m.all) {
      if (lit.size() > best.size()) best = fold(lit);
      continue;
    }
    if (lit.size() < kMinLiteral) return std::nullopt;
    out.push_back({fold(lit), m.keywords()});
  }
  if (m.all) {
    if (best.size() < kMinLiteral) return std::nullopt;
    return std::vector<Literal>{{best, m.keywords()}};
  }
  return out;  // empty: nothing can match (only Never tests)
}

size_t shortest(const std::vector<Literal>& v) {
  size_t n = SIZE_MAX;
  for (const auto& s : v) n = std::min(n, s.text.size());
  return n;
}

// Of two requirements that must both hold, the more selective one.
Literals better(Literals a, Literals b) {
  if (!a) return b;
  if (!b) return a;
  if (a->empty()) return a;
  if (b->empty()) return b;
  const size_t sa = shortest(*a), sb = shortest(*b);
  if (sa != sb) return sa > sb ? a : b;
  return a->size() <= b->size() ? a : b;
}

// A requirement is an OR of things one of which any matching event has (literals,
// fields); nullopt: none. Two requirements that must both hold: `pick` keeps one.
// Alternatives: each must bring one, so theirs are joined; one without any voids it.
template <typename T>
std::optional<std::vector<T>> either(std::optional<std::vector<T>> a, const std::optional<std::vector<T>>& b) {
  if (!a || !b) return std::nullopt;
  a->insert(a->end(), b->begin(), b->end());
  return a;
}

template <typename T, typename Pick>
std::optional<std::vector<T>> requirement_of(const CondNode& c, const std::vector<std::optional<std::vector<T>>>& selections,
                                             Pick pick) {
  switch (c.kind) {
    case Condition::Kind::Ref:
      return selections[c.selection];
    case Condition::Kind::Not:
      return std::nullopt;
    case Condition::Kind::And: {
      std::optional<std::vector<T>> out;
      for (const CondNode& k : c.children) out = pick(std::move(out), requirement_of(k, selections, pick));
      return out;
    }
    case Condition::Kind::Or: {
      std::optional<std::vector<T>> out = std::vector<T>{};
      for (const CondNode& k : c.children) out = either(std::move(out), requirement_of(k, selections, pick));
      return out;
    }
  }
  return std::nullopt;
}

// --- required fields ---------------------------------------------------------

using Fields = std::optional<std::vector<FieldId>>;

Fields fields_of(const CompiledFieldMatch& m) {
  if (m.keywords() || m.neq) return std::nullopt;
  if (m.presence == CompiledFieldMatch::Presence::MustNotExist || m.presence == CompiledFieldMatch::Presence::NullOrEmpty)
    return std::nullopt;
  return m.fields;
}

Fields first_of(Fields a, Fields b) { return a ? a : b; }

CondNode compile_condition(const Condition& c, const std::vector<Selection>& selections) {
  CondNode n;
  n.kind = c.kind;
  if (c.kind == Condition::Kind::Ref) {
    for (uint32_t i = 0; i < selections.size(); ++i)
      if (selections[i].name == c.name) n.selection = i;
  }
  for (const Condition& k : c.children) n.children.push_back(compile_condition(k, selections));
  return n;
}

// --- evaluation ---------------------------------------------------------------


bool compare(double a, ValueTest::Op op, double b) {
  switch (op) {
    case ValueTest::Op::Eq:
      return a == b;
    case ValueTest::Op::Gt:
      return a > b;
    case ValueTest::Op::Gte:
      return a >= b;
    case ValueTest::Op::Lt:
      return a < b;
    case ValueTest::Op::Lte:
      return a <= b;
  }
  return false;
}

std::optional<TimeNs> time_of(const Value& v) {
  if (v.type == FieldType::Timestamp) return v.ts;
  if (v.type == FieldType::String) return parse_rfc3339(v.as_string());
  return std::nullopt;
}

int64_t part_of(TimeNs t, Modifier part) {
  const int64_t secs = t / 1'000'000'000 - (t % 1'000'000'000 < 0 ? 1 : 0);
  int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
  const int64_t in_day = secs - days * 86400;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  switch (part) {
    case Modifier::Minute:
      return in_day / 60 % 60;
    case Modifier::Hour:
      return in_day / 3600;
    case Modifier::Day:
      return day;
    case Modifier::Month:
      return month;
    case Modifier::Year:
      return year;
    case Modifier::Week: {
      // ISO 8601: the week with the year's first Thursday is week 1.
      const int64_t weekday = ((days % 7) + 7 + 3) % 7;  // Monday 0 (1970-01-01 was a Thursday)
      const int64_t thursday = days - weekday + 3;
      int64_t ty = 0;
      unsigned tm = 0, td = 0;
      civil_from_days(thursday, ty, tm, td);
      return (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
    }
    default:
      return -1;
  }
}

FieldId first_present(const std::vector<FieldId>& ids, const EventView& e) {
  for (FieldId id : ids)
    if (e.has(id)) return id;
  return kNoField;
}

bool test_value(const ValueTest& t, const Value& v, const EventView& e, MatchScratch& s) {
  switch (t.kind) {
    case ValueTest::Kind::Pattern:
      return pattern_matches(t.pattern, value_text(v, s.text));
    case ValueTest::Kind::Regex:
      return RE2::PartialMatch(value_text(v, s.text), *t.regex);
    case ValueTest::Kind::Cidr: {
      std::optional<IpAddress> ip;
      if (v.type == FieldType::Ip) ip = v.as_ip();
      else if (v.type == FieldType::String) ip = IpAddress::parse(v.as_string());
      return ip && ip->is_v4 == t.network.is_v4 && ip->in_network(t.network, t.prefix_bits);
    }
    case ValueTest::Kind::Compare: {
      const auto n = value_number(v);
      return n && compare(*n, t.op, t.number);
    }
    case ValueTest::Kind::TimePart: {
      const auto ts = time_of(v);
      return ts && compare(static_cast<double>(part_of(*ts, t.part)), t.op, t.number);
    }
    case ValueTest::Kind::FieldRef: {
      const FieldId other = first_present(t.other, e);
      if (other == kNoField) return false;
      const std::string_view mine = value_text(v, s.text);
      // The other value becomes the pattern, in scratch space (no allocation per value).
      SigmaPattern& p = s.pattern;
      p.kind = t.pattern.kind;
      p.cased = t.pattern.cased;
      return e.any_value(other, [&](const Value& o) {
        p.text.assign(value_text(o, s.text2));
        if (!p.cased)
          for (char& c : p.text) c = fold(c);
        return pattern_matches(p, mine);
      });
    }
    case ValueTest::Kind::Never:
      return false;
  }
  return false;
}

bool evaluate_keywords(const CompiledFieldMatch& m, const EventView& e, MatchScratch& s) {
  auto found = [&](const ValueTest& t) {
    for (const Field& f : e.fields())
      if (test_value(t, f.value, e, s)) return true;
    const Event& ev = e.event();
    if ((ev.flags & kFlagParseError) && t.kind == ValueTest::Kind::Pattern) return pattern_matches(t.pattern, ev.raw);
    return false;
  };
  if (m.all) return std::all_of(m.tests.begin(), m.tests.end(), found);
  return std::any_of(m.tests.begin(), m.tests.end(), found);
}

bool evaluate_selection(const CompiledSelection& sel, const EventView& e, MatchScratch& s) {
  for (const auto& alternative : sel.alternatives) {
    bool all = true;
    for (const CompiledFieldMatch& m : alternative) {
      if (!evaluate(m, e, s)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool evaluate_node(const CondNode& c, const CompiledRule& r, const EventView& e, MatchScratch& s) {
  switch (c.kind) {
    case Condition::Kind::Ref: {
      int8_t& memo = s.memo[c.selection];
      if (memo < 0) memo = evaluate_selection(r.selections[c.selection], e, s) ? 1 : 0;
      return memo == 1;
    }
    case Condition::Kind::Not:
      return !evaluate_node(c.children[0], r, e, s);
    case Condition::Kind::And:
      for (const CondNode& k : c.children)
        if (!evaluate_node(k, r, e, s)) return false;
      return true;
    case Condition::Kind::Or:
      for (const CondNode& k : c.children)
        if (evaluate_node(k, r, e, s)) return true;
      return false;
  }
  return false;
}

}  // namespace

CompiledRule compile_rule(const SigmaRule& rule, const CompileOptions& options) {
  CompiledRule out;
  std::vector<Literals> selection_literals;
  std::vector<Fields> selection_fields;
  for (const Selection& sel : rule.selections) {
    CompiledSelection cs;
    Literals any = std::vector<Literal>{};
    Fields any_fields = std::vector<FieldId>{};
    for (const auto& alternative : sel.alternatives) {
      std::vector<CompiledFieldMatch> all;
      Literals need;
      Fields need_fields;
      for (const FieldMatch& m : alternative) {
        all.push_back(compile_match(m, rule.logsource, options, out.warnings));
        need = better(std::move(need), literals_of(all.back()));
        need_fields = first_of(std::move(need_fields), fields_of(all.back()));
        const CompiledFieldMatch& c = all.back();
        out.fields_read.insert(out.fields_read.end(), c.fields.begin(), c.fields.end());
        for (const ValueTest& t : c.tests) out.fields_read.insert(out.fields_read.end(), t.other.begin(), t.other.end());
      }
      any = either(std::move(any), std::move(need));
      any_fields = either(std::move(any_fields), need_fields);
      cs.alternatives.push_back(std::move(all));
    }
    selection_literals.push_back(std::move(any));
    selection_fields.push_back(std::move(any_fields));
    out.selections.push_back(std::move(cs));
  }
  out.condition = compile_condition(rule.condition, rule.selections);
  out.literals = requirement_of(out.condition, selection_literals, better);
  out.required_fields = requirement_of(out.condition, selection_fields, first_of);
  if (out.required_fields) {
    std::sort(out.required_fields->begin(), out.required_fields->end());
    out.required_fields->erase(std::unique(out.required_fields->begin(), out.required_fields->end()),
                               out.required_fields->end());
  }
  if (out.literals) {
    std::sort(out.literals->begin(), out.literals->end());
    out.literals->erase(std::unique(out.literals->begin(), out.literals->end()), out.literals->end());
  }
  return out;
}

bool evaluate(const CompiledFieldMatch& m, const EventView& e, MatchScratch& s) {
  if (m.keywords()) return evaluate_keywords(m, e, s);
  const FieldId id = first_present(m.fields, e);
  switch (m.presence) {
    case CompiledFieldMatch::Presence::MustExist:
      return id != kNoField;
    case CompiledFieldMatch::Presence::MustNotExist:
      return id == kNoField;
    case CompiledFieldMatch::Presence::NullOrEmpty:
      return id == kNoField || e.any_value(id, [&](const Value& v) { return value_text(v, s.text).empty(); });
    case CompiledFieldMatch::Presence::Any:
      break;
  }
  if (id == kNoField) return false;
  auto matches = [&](const ValueTest& t) { return e.any_value(id, [&](const Value& v) { return test_value(t, v, e, s); }); };
  if (m.neq) return std::none_of(m.tests.begin(), m.tests.end(), matches);
  if (m.all) return std::all_of(m.tests.begin(), m.tests.end(), matches);
  return std::any_of(m.tests.begin(), m.tests.end(), matches);
}

bool evaluate(const CompiledRule& r, const EventView& e, MatchScratch& s) {
  s.memo.assign(r.selections.size(), -1);
  return evaluate_node(r.condition, r, e, s);
}

}  // namespace vigil::detect
