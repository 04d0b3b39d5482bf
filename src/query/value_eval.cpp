// Value expressions for where/eval; see value_eval.h.
#include "query/value_eval.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/ip_address.h"
#include "query/value_text.h"

namespace vigil::query {

ResultValue result_time(TimeNs t) {
  ResultValue v;
  v.type = FieldType::Timestamp;
  v.i64 = t;
  v.text = format_time(t);
  return v;
}

namespace {

struct FunctionSpec {
  const char* name;
  size_t min_args, max_args;
};
constexpr FunctionSpec kSpecs[] = {
    {"lower", 1, 1},    {"upper", 1, 1},      {"len", 1, 1},      {"substr", 2, 3},     {"contains", 2, 2},
    {"startswith", 2, 2}, {"endswith", 2, 2}, {"match", 2, 2},    {"cidrmatch", 2, 2},  {"coalesce", 1, 64},
    {"if", 3, 3},       {"tostring", 1, 1},   {"tonumber", 1, 1}, {"strftime", 2, 2},
};

const FunctionSpec* find_spec(std::string_view name) {
  for (const FunctionSpec& s : kSpecs) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

std::string col(size_t c) { return "col " + std::to_string(c) + ": "; }

// The text of any value: strings as they are, numbers in decimal, times RFC 3339.
std::string text_of(const ResultValue& v) {
  switch (v.type) {
    case FieldType::String:
    case FieldType::Ip:
    case FieldType::Timestamp: return v.text;
    case FieldType::Int64: return std::to_string(v.i64);
    case FieldType::Bool: return v.i64 ? "true" : "false";
    case FieldType::Float64: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.f64);
      return std::string(buf, r.ptr);
    }
  }
  return v.text;
}

// A number from a value: ints, floats, bools and times are; strings when they parse.
std::optional<double> number_of(const ResultValue& v, bool* is_int = nullptr, int64_t* as_int = nullptr) {
  if (v.is_null) return std::nullopt;
  switch (v.type) {
    case FieldType::Int64:
    case FieldType::Bool:
    case FieldType::Timestamp:
      if (is_int) *is_int = true;
      if (as_int) *as_int = v.i64;
      return static_cast<double>(v.i64);
    case FieldType::Float64:
      if (!std::isfinite(v.f64)) return std::nullopt;
      if (is_int) *is_int = false;
      return v.f64;
    case FieldType::String: {
      const char* b = v.text.data();
      const char* e = b + v.text.size();
      int64_t i;
      auto ri = std::from_chars(b, e, i);
      if (ri.ec == std::errc() && ri.ptr == e && !v.text.empty()) {
        if (is_int) *is_int = true;
        if (as_int) *as_int = i;
        return static_cast<double>(i);
      }
      double d;
      auto rd = std::from_chars(b, e, d);
      if (rd.ec == std::errc() && rd.ptr == e && !v.text.empty() && std::isfinite(d)) {
        if (is_int) *is_int = false;
        return d;
      }
      return std::nullopt;
    }
    case FieldType::Ip: return std::nullopt;
  }
  return std::nullopt;
}

// Regexes and networks that are constants in the query are compiled once and kept:
// a query runs them on every row.
struct Compiled {
  std::mutex mu;
  std::unordered_map<std::string, std::unique_ptr<RE2>> regexes;
};
Compiled& compiled() {
  static Compiled c;
  return c;
}
const RE2* regex_for(const std::string& pattern) {
  Compiled& c = compiled();
  std::lock_guard lk(c.mu);
  auto it = c.regexes.find(pattern);
  if (it != c.regexes.end()) return it->second.get();
  if (c.regexes.size() > 4096) c.regexes.clear();  // bounded: patterns can come from fields
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, o);
  const RE2* p = re.get();
  c.regexes.emplace(pattern, std::move(re));
  return p;
}

int compare_values(const ResultValue& a, const ResultValue& b) {
  if (a.type == FieldType::Ip && b.type == FieldType::Ip) {
    auto x = IpAddress::parse(a.text), y = IpAddress::parse(b.text);
    if (x && y) return x->bytes < y->bytes ? -1 : x->bytes > y->bytes ? 1 : 0;
  }
  bool ai = false, bi = false;
  int64_t av = 0, bv = 0;
  auto an = number_of(a, &ai, &av), bn = number_of(b, &bi, &bv);
  bool a_text = a.type == FieldType::String || a.type == FieldType::Ip;
  bool b_text = b.type == FieldType::String || b.type == FieldType::Ip;
  // Numbers compare as numbers, also against strings that hold one ("42" = 42); two
  // strings compare as text, byte by byte.
  if (an && bn && !(a_text && b_text)) {
    if (ai && bi) return av < bv ? -1 : av > bv ? 1 : 0;
    return *an < *bn ? -1 : *an > *bn ? 1 : 0;
  }
  std::string x = text_of(a), y = text_of(b);
  int c = x.compare(y);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

ResultValue arithmetic_raw(ValueExpr::Op op, const ResultValue& a, const ResultValue& b);

// Results are finite: an overflow to infinity (or a NaN from one) is null, like a
// division by zero, so that every result compares equal to itself after a round trip.
ResultValue arithmetic(ValueExpr::Op op, const ResultValue& a, const ResultValue& b) {
  ResultValue r = arithmetic_raw(op, a, b);
  if (r.type == FieldType::Float64 && !r.is_null && !std::isfinite(r.f64)) return ResultValue::null();
  return r;
}

ResultValue arithmetic_raw(ValueExpr::Op op, const ResultValue& a, const ResultValue& b) {
  if (a.is_null || b.is_null) return ResultValue::null();
  if (op == ValueExpr::Op::Add && (a.type == FieldType::String || b.type == FieldType::String) &&
      !(number_of(a) && number_of(b))) {
    return ResultValue::string(text_of(a) + text_of(b));  // + joins text
  }
  bool ai = false, bi = false;
  int64_t x = 0, y = 0;
  auto an = number_of(a, &ai, &x), bn = number_of(b, &bi, &y);
  if (!an || !bn) return ResultValue::null();
  if (ai && bi && op != ValueExpr::Op::Div) {
    int64_t r = 0;
    switch (op) {
      case ValueExpr::Op::Add:
        if (__builtin_add_overflow(x, y, &r)) return ResultValue::float64(*an + *bn);
        return ResultValue::int64(r);
      case ValueExpr::Op::Sub:
        if (__builtin_sub_overflow(x, y, &r)) return ResultValue::float64(*an - *bn);
        return ResultValue::int64(r);
      case ValueExpr::Op::Mul:
        if (__builtin_mul_overflow(x, y, &r)) return ResultValue::float64(*an * *bn);
        return ResultValue::int64(r);
      case ValueExpr::Op::Mod:
        if (y == 0 || (x == INT64_MIN && y == -1)) return ResultValue::null();
        return ResultValue::int64(x % y);
      default: break;
    }
  }
  switch (op) {
    case ValueExpr::Op::Add: return ResultValue::float64(*an + *bn);
    case ValueExpr::Op::Sub: return ResultValue::float64(*an - *bn);
    case ValueExpr::Op::Mul: return ResultValue::float64(*an * *bn);
    case ValueExpr::Op::Div:
      if (*bn == 0) return ResultValue::null();  // no infinities in results
      return ResultValue::float64(*an / *bn);
    case ValueExpr::Op::Mod:
      if (*bn == 0) return ResultValue::null();
      return ResultValue::float64(std::fmod(*an, *bn));
    default: return ResultValue::null();
  }
}

std::string lower_ascii(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return s;
}
std::string upper_ascii(std::string s) {
  for (char& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  return s;
}

// Network "a.b.c.d/n" (or an address: /32, /128) contains `ip`.
std::optional<bool> in_network(std::string_view network, std::string_view ip_text) {
  auto ip = IpAddress::parse(ip_text);
  if (!ip) return std::nullopt;
  size_t slash = network.find('/');
  auto prefix = IpAddress::parse(network.substr(0, slash));
  if (!prefix) return std::nullopt;
  int bits = prefix->is_v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    std::string_view b = network.substr(slash + 1);
    auto r = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (r.ec != std::errc() || r.ptr != b.data() + b.size() || bits < 0 || bits > (prefix->is_v4 ? 32 : 128)) {
      return std::nullopt;
    }
  }
  if (ip->is_v4 != prefix->is_v4) return false;
  return ip->in_network(*prefix, bits);
}

ResultValue call(const ValueExpr& e, const FieldLookup& field) {
  const std::string& f = e.text;
  std::vector<ResultValue> args;
  args.reserve(e.children.size());
  if (f == "if") {  // only the branch taken is evaluated
    return truthy(eval_value(e.children[0], field)) ? eval_value(e.children[1], field)
                                                     : eval_value(e.children[2], field);
  }
  if (f == "coalesce") {
    for (const ValueExpr& c : e.children) {
      ResultValue v = eval_value(c, field);
      if (!v.is_null) return v;
    }
    return ResultValue::null();
  }
  for (const ValueExpr& c : e.children) args.push_back(eval_value(c, field));
  for (const ResultValue& a : args) {
    if (a.is_null) return ResultValue::null();
  }
  if (f == "lower") return ResultValue::string(lower_ascii(text_of(args[0])));
  if (f == "upper") return ResultValue::string(upper_ascii(text_of(args[0])));
  if (f == "len") {  // characters of UTF-8 text: bytes that do not continue a sequence
    int64_t n = 0;
    for (char c : text_of(args[0])) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return ResultValue::int64(n);
  }
  if (f == "tostring") return ResultValue::string(text_of(args[0]));
  if (f == "tonumber") {
    bool is_int = false;
    int64_t i = 0;
    auto n = number_of(args[0], &is_int, &i);
    if (!n) return ResultValue::null();
    return is_int ? ResultValue::int64(i) : ResultValue::float64(*n);
  }
  if (f == "substr") {
    // 1-based start as in SPL; a start before the text counts from its end (-3: last 3).
    // Start and length count UTF-8 characters, as len() does (and ClickHouse's substringUTF8).
    std::string s = text_of(args[0]);
    auto start = number_of(args[1]);
    if (!start) return ResultValue::null();
    std::vector<size_t> at;  // byte offset of each character, then the end
    for (size_t i = 0; i < s.size(); ++i)
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) at.push_back(i);
    const int64_t n = static_cast<int64_t>(at.size());
    at.push_back(s.size());
    int64_t from = static_cast<int64_t>(*start);
    from = from > 0 ? from - 1 : from < 0 ? std::max<int64_t>(0, n + from) : 0;
    int64_t len = n;
    if (args.size() == 3) {
      auto l = number_of(args[2]);
      if (!l || *l < 0) return ResultValue::null();
      len = static_cast<int64_t>(std::min<double>(*l, static_cast<double>(n)));
    }
    if (from >= n) return ResultValue::string("");
    const int64_t to = from + std::min(len, n - from);
    return ResultValue::string(s.substr(at[static_cast<size_t>(from)], at[static_cast<size_t>(to)] - at[static_cast<size_t>(from)]));
  }
  if (f == "contains" || f == "startswith" || f == "endswith") {
    // Case-insensitive, as text matching everywhere else in the language.
    std::string s = lower_ascii(text_of(args[0])), p = lower_ascii(text_of(args[1]));
    if (f == "contains") return ResultValue::boolean(s.find(p) != std::string::npos);
    if (f == "startswith") return ResultValue::boolean(s.compare(0, p.size(), p) == 0);
    return ResultValue::boolean(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
  }
  if (f == "match") {
    const RE2* re = regex_for(text_of(args[1]));
    if (!re->ok()) return ResultValue::null();
    return ResultValue::boolean(RE2::PartialMatch(text_of(args[0]), *re));
  }
  if (f == "cidrmatch") {
    auto r = in_network(text_of(args[0]), text_of(args[1]));
    return r ? ResultValue::boolean(*r) : ResultValue::boolean(false);
  }
  if (f == "strftime") {
    auto t = number_of(args[0]);
    if (!t || args[0].type != FieldType::Timestamp) return ResultValue::null();
    std::time_t secs = static_cast<std::time_t>(args[0].i64 / kNsPerSec - (args[0].i64 % kNsPerSec < 0 ? 1 : 0));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::string fmt = text_of(args[1]);
    if (fmt.empty() || fmt.size() > 256) return ResultValue::null();
    char buf[1024];
    size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
    return ResultValue::string(std::string(buf, n));
  }
  return ResultValue::null();  // check_value_expr() refuses unknown names first
}

}  // namespace

int compare_results(const ResultValue& a, const ResultValue& b) { return compare_values(a, b); }
std::string result_text(const ResultValue& v) { return text_of(v); }
std::optional<double> result_number(const ResultValue& v) { return number_of(v); }

bool truthy(const ResultValue& v) {
  if (v.is_null) return false;
  switch (v.type) {
    case FieldType::Bool:
    case FieldType::Int64:
    case FieldType::Timestamp: return v.i64 != 0;
    case FieldType::Float64: return v.f64 != 0;
    case FieldType::String:
    case FieldType::Ip: return !v.text.empty();
  }
  return false;
}

Status check_value_expr(const ValueExpr& e) {
  if (e.kind == ValueExpr::Kind::Call) {
    const FunctionSpec* spec = find_spec(e.text);
    if (!spec) {
      std::string names;
      for (const FunctionSpec& s : kSpecs) names += std::string(names.empty() ? "" : ", ") + s.name;
      return Status::error(col(e.col) + "unknown function '" + e.text + "' (functions: " + names + ")");
    }
    if (e.children.size() < spec->min_args || e.children.size() > spec->max_args) {
      std::string want = spec->min_args == spec->max_args ? std::to_string(spec->min_args)
                         : spec->max_args == 64 ? "at least " + std::to_string(spec->min_args)
                                                 : std::to_string(spec->min_args) + " or " + std::to_string(spec->max_args);
      return Status::error(col(e.col) + e.text + "() takes " + want + " argument" + (want == "1" ? "" : "s") +
                           ", not " + std::to_string(e.children.size()));
    }
    if (e.text == "match" && e.children[1].kind == ValueExpr::Kind::String) {
      const RE2* re = regex_for(e.children[1].text);
      if (!re->ok()) return Status::error(col(e.children[1].col) + "bad regular expression: " + re->error());
    }
    if (e.text == "cidrmatch" && e.children[0].kind == ValueExpr::Kind::String &&
        !in_network(e.children[0].text, "0.0.0.0") && !in_network(e.children[0].text, "::")) {
      return Status::error(col(e.children[0].col) + "expected a network like 10.0.0.0/8, not '" +
                           e.children[0].text + "'");
    }
  }
  for (const ValueExpr& c : e.children) {
    if (Status s = check_value_expr(c); !s.ok()) return s;
  }
  return {};
}

ResultValue eval_value(const ValueExpr& e, const FieldLookup& field) {
  using K = ValueExpr::Kind;
  using O = ValueExpr::Op;
  switch (e.kind) {
    case K::Null: return ResultValue::null();
    case K::Bool: return ResultValue::boolean(e.b);
    case K::Int: return ResultValue::int64(e.i);
    case K::Float: return ResultValue::float64(e.f);
    case K::String: return ResultValue::string(e.text);
    case K::Field: {
      const ResultValue* v = field(e.text);
      return v ? *v : ResultValue::null();
    }
    case K::Unary: {
      ResultValue v = eval_value(e.children[0], field);
      if (e.op == O::Not) return v.is_null ? ResultValue::null() : ResultValue::boolean(!truthy(v));
      return arithmetic(O::Sub, ResultValue::int64(0), v);
    }
    case K::Binary: {
      if (e.op == O::And) {
        return ResultValue::boolean(truthy(eval_value(e.children[0], field)) && truthy(eval_value(e.children[1], field)));
      }
      if (e.op == O::Or) {
        return ResultValue::boolean(truthy(eval_value(e.children[0], field)) || truthy(eval_value(e.children[1], field)));
      }
      ResultValue a = eval_value(e.children[0], field), b = eval_value(e.children[1], field);
      switch (e.op) {
        case O::Add:
        case O::Sub:
        case O::Mul:
        case O::Div:
        case O::Mod: return arithmetic(e.op, a, b);
        default: break;
      }
      if (a.is_null || b.is_null) return ResultValue::null();
      int c = compare_values(a, b);
      switch (e.op) {
        case O::Eq: return ResultValue::boolean(c == 0);
        case O::Ne: return ResultValue::boolean(c != 0);
        case O::Lt: return ResultValue::boolean(c < 0);
        case O::Le: return ResultValue::boolean(c <= 0);
        case O::Gt: return ResultValue::boolean(c > 0);
        case O::Ge: return ResultValue::boolean(c >= 0);
        default: return ResultValue::null();
      }
    }
    case K::Call: return call(e, field);
  }
  return ResultValue::null();
}

}  // namespace vigil::query
