// Query AST -> ClickHouse 18.16 SQL; see clickhouse_sql.h and docs/clickhouse-sql.md.
//
// Each stage wraps the statement so far as a subquery. A Scope says what a field
// name means at that point: while rows are still events, names resolve through the
// table layout (envelope, typed column, attribute arrays); after stats, table or
// fields they are the named columns only (others are null). Computed columns get
// generated aliases c0, c1, ... so that user-chosen names never become identifiers.
#include "query/clickhouse_sql.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include "core/ip_address.h"
#include "core/value.h"
#include "query/matcher.h"
#include "query/query_parser.h"
#include "query/text_util.h"
#include "store/token_index.h"

namespace vigil::query {

std::string sql_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  for (char c : text) {
    switch (c) {
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      case '\0': out += "\\0"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '\'';
  return out;
}

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// RE2 escaping of literal bytes: ASCII punctuation gets a backslash, control bytes
// \x escapes (ASCII code points are bytes in UTF-8 mode too), other bytes as they are.
void append_re_literal(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ')) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

// The ASCII bytes that are not token bytes, as an RE2 class. Non-ASCII bytes are all
// token bytes (checked in token_regex), so the class never needs them.
std::string separator_class() {
  std::string cls = "[";
  for (int c = 0; c < 0x80; ++c) {
    if (token_index::is_token_byte(static_cast<unsigned char>(c))) continue;
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    cls += buf;
  }
  return cls + "]";
}

}  // namespace

Result<std::string> token_regex(std::string_view term, bool literal) {
  for (int c = 0x80; c < 0x100; ++c)
    if (!token_index::is_token_byte(static_cast<unsigned char>(c)))
      return Status::error("internal: a non-ASCII separator byte cannot be expressed in RE2 UTF-8 mode");
  if (!is_valid_utf8(term)) return Status::error("the term is not valid UTF-8, which ClickHouse regexes cannot match");
  Pattern p = literal ? Pattern::literal(term) : Pattern::glob(term);
  if (p.match_all) return std::string("(?s:.*)");
  static const std::string kSep = separator_class();
  std::string re = "(?s:";
  for (size_t i = 0; i < p.pieces.size(); ++i) {
    const std::string& piece = p.pieces[i];
    if (i > 0) re += ".*";
    if (i == 0 && !p.leading_star && !piece.empty() && token_index::is_token_byte(static_cast<unsigned char>(piece.front())))
      re += "(?:^|" + kSep + ")";
    append_re_literal(re, piece);
    if (i + 1 == p.pieces.size() && !p.trailing_star && !piece.empty() &&
        token_index::is_token_byte(static_cast<unsigned char>(piece.back())))
      re += "(?:" + kSep + "|$)";
  }
  return re + ")";
}

ClickHouseTable default_clickhouse_table() {
  ClickHouseTable t;
  t.columns = {
      {"class_uid", "class_uid", ColumnType::Int64},
      {"category_uid", "category_uid", ColumnType::Int64},
      {"activity_id", "activity_id", ColumnType::Int64},
      {"severity_id", "severity_id", ColumnType::Int64},
      {"status_id", "status_id", ColumnType::Int64},
      {"src_endpoint.ip", "src_endpoint_ip", ColumnType::Ip},
      {"src_endpoint.port", "src_endpoint_port", ColumnType::Int64},
      {"dst_endpoint.ip", "dst_endpoint_ip", ColumnType::Ip},
      {"dst_endpoint.port", "dst_endpoint_port", ColumnType::Int64},
      {"user.name", "user_name", ColumnType::String},
      {"actor.user.name", "actor_user_name", ColumnType::String},
      {"device.hostname", "device_hostname", ColumnType::String},
      {"process.cmd_line", "process_cmd_line", ColumnType::String},
  };
  return t;
}

namespace {

const char* column_sql_type(ColumnType t) {
  switch (t) {
    case ColumnType::String: return "Nullable(String)";
    case ColumnType::Int64: return "Nullable(Int64)";
    case ColumnType::Float64: return "Nullable(Float64)";
    case ColumnType::Ip: return "Nullable(String)";
    case ColumnType::Time: return "Nullable(Int64)";
  }
  return "Nullable(String)";
}

}  // namespace

Status check_layout(const ClickHouseTable& t) {
  if (!is_identifier(t.name)) return Status::error("table name '" + t.name + "' is not [a-z_][a-z0-9_]*");
  for (const ClickHouseColumn& c : t.columns)
    if (!is_identifier(c.column)) return Status::error("column name '" + c.column + "' is not [a-z_][a-z0-9_]*");
  return Status();
}

Result<std::string> create_table_sql(const ClickHouseTable& table) {
  if (Status s = check_layout(table); !s.ok()) return s;
  std::string sql = "CREATE TABLE IF NOT EXISTS `" + table.name +
                    "` (tenant String, time Int64, receive_time Int64, input String, source String, flags UInt32, "
                    "parse_error String, raw String";
  for (const ClickHouseColumn& c : table.columns) sql += ", `" + c.column + "` " + column_sql_type(c.type);
  sql += ", attr_names Array(String), attr_values Array(String), attr_types Array(UInt8)) "
         "ENGINE = MergeTree ORDER BY (tenant, time)";
  return sql;
}

namespace {

// Static type of a translated value; attribute values are String (their text).
enum class SqlType : uint8_t { Null, Bool, Int, Float, String, Ip, Time };

struct Sql {
  std::string text;
  SqlType type = SqlType::Null;
  bool attr = false;  // an attribute's value: text here, typed in the embedded engine
};

bool numeric(SqlType t) { return t == SqlType::Int || t == SqlType::Float || t == SqlType::Time || t == SqlType::Bool; }

// How a field is stored, for the search expression and value references.
struct FieldRef {
  enum class Kind : uint8_t { Envelope, Column, Attr, Computed, Missing } kind = Kind::Missing;
  std::string sql;  // Envelope/Column/Computed: the column; Attr: the name literal
  SqlType type = SqlType::String;
};

const char* const kEnvelope[] = {"tenant", "time", "receive_time", "input", "source", "flags", "parse_error", "raw"};

struct Relation {
  std::string from;                                           // table name or (subquery)
  bool events = true;                                         // rows are events
  std::vector<std::pair<std::string, std::string>> cols;      // name -> alias (computed, or table columns)
  std::vector<std::string> hidden;                            // events: fields removed by fields -/rename
  std::vector<std::string> order;                             // ORDER BY terms that give the row order
};

class Translator {
 public:
  Translator(const ClickHouseTable& t, const SqlOptions& o) : table_(t), opt_(o) {}

  Result<SqlPlan> run(const Query& q);

 private:
  bool fail(size_t col, const std::string& what) {
    if (err_.empty()) err_ = (col ? "col " + std::to_string(col) + ": " : std::string()) + what;
    return false;
  }
  std::string alias(SqlType type = SqlType::String) {
    std::string a = "c" + std::to_string(next_alias_++);
    types_[a] = type;
    return a;
  }

  FieldRef resolve(const std::string& name) const;
  FieldRef resolve_base(const std::string& name) const;
  Sql field_value(const std::string& name) const;  // one value (the first, for attrs), or NULL

  std::string search(const Expr& e, int depth);
  std::string text_term(const Expr& e);
  std::string field_term(const Expr& e);
  std::string compare_term(const Expr& e);
  std::string regex_term(const Expr& e);
  std::string exists_term(const Expr& e);
  // A condition on one value `v` (SQL of type t) for field:value.
  std::string value_matches(const CompiledTerm& t, const std::string& v, SqlType type, const Expr& e);
  std::string pattern_matches(const Expr& e, const std::string& text_sql);
  std::string compare_one(const std::string& v, SqlType type, const std::string& value, const char* op, size_t col);
  // Applies a condition to every value of the field: any may match.
  std::string any_value(const std::string& name, const std::function<std::string(const std::string&, SqlType)>& cond);

  Sql value(const ValueExpr& e, int depth);
  Sql call(const ValueExpr& e, int depth);
  // `attr_type`: for first/last of an attribute, the SQL of that value's type (to order by).
  std::string aggregate(const Aggregate& a, SqlType* type, std::string* attr_type);

  bool stage(const Stage& s);
  bool where(const WhereStage& s);
  bool eval(const EvalStage& s);
  bool stats(const StatsStage& s, bool typed_keys = false);
  bool timechart(const TimechartStage& s);
  bool sort(const SortStage& s);
  bool head_tail(size_t count, bool tail, size_t col);
  bool fields(const std::vector<std::string>& names, bool remove, size_t col);
  bool rename(const RenameStage& s);
  bool dedup(const DedupStage& s);
  bool top(const TopStage& s);

  // Output columns of the current relation: for events, the table's then computed.
  std::vector<std::pair<std::string, std::string>> outputs() const;
  std::string select_all(const std::vector<std::string>& extra = {}) const;
  std::string order_by() const;
  void wrap(std::string sql, bool events, std::vector<std::pair<std::string, std::string>> cols,
            std::vector<std::string> order);

  const ClickHouseTable& table_;
  const SqlOptions& opt_;
  TimeNs now_ = 0;
  Relation rel_;
  int next_alias_ = 0;
  std::string err_;
  std::map<std::string, SqlType> types_;  // of computed columns, by alias

  // Row order by a value as the embedded engine compares values: numbers as numbers,
  // addresses as addresses, text byte by byte. Keys of stats and top are text, so the
  // type their text holds is kept beside them: text_type_ for a typed column's values,
  // attr_type_ (a hidden column of attr_types numbers) for an attribute's.
  struct OrderKey {
    std::string value;
    SqlType type = SqlType::String;
    std::string attr_type;  // SQL of the attribute's FieldType number, when an attribute
  };
  OrderKey order_key(const std::string& name) const;
  static std::vector<std::string> order_exprs(const OrderKey& k);  // ascending meaning, nulls for none
  std::string attr_type_sql(const FieldRef& f) const { return "attr_types[indexOf(attr_names, " + f.sql + ")]"; }
  // Records for a computed column `a` copied from field `name` what its values order by.
  // Returns the SQL of the attribute's type when `name` is an attribute (its alias is
  // then attr_type_[a], for the caller to select), else "".
  std::string carry_order(const std::string& name, const std::string& a, bool as_text);
  OrderKey alias_key(const std::string& a) const;
  std::map<std::string, SqlType> text_type_;
  std::map<std::string, std::string> attr_type_;
};

// ---- fields -------------------------------------------------------------------

FieldRef Translator::resolve_base(const std::string& name) const {
  // Stages see an event's time as `_time`, as the embedded engine's rows have it.
  if (name == "_time") return {FieldRef::Kind::Envelope, "`time`", SqlType::Time};
  for (const char* env : kEnvelope) {
    if (name != env) continue;
    std::string n(env);
    SqlType t = n == "time" || n == "receive_time" ? SqlType::Time : n == "flags" ? SqlType::Int : SqlType::String;
    return {FieldRef::Kind::Envelope, "`" + n + "`", t};
  }
  for (const ClickHouseColumn& c : table_.columns) {
    if (c.field != name) continue;
    SqlType t = SqlType::String;
    switch (c.type) {
      case ColumnType::String: t = SqlType::String; break;
      case ColumnType::Int64: t = SqlType::Int; break;
      case ColumnType::Float64: t = SqlType::Float; break;
      case ColumnType::Ip: t = SqlType::Ip; break;
      case ColumnType::Time: t = SqlType::Time; break;
    }
    return {FieldRef::Kind::Column, "`" + c.column + "`", t};
  }
  return {FieldRef::Kind::Attr, sql_string(name), SqlType::String};
}

FieldRef Translator::resolve(const std::string& name) const {
  for (auto it = rel_.cols.rbegin(); it != rel_.cols.rend(); ++it)
    if (it->first == name) {
      auto t = types_.find(it->second);
      return {FieldRef::Kind::Computed, it->second, t == types_.end() ? SqlType::String : t->second};
    }
  if (!rel_.events) return {FieldRef::Kind::Missing, "NULL", SqlType::Null};
  for (const std::string& h : rel_.hidden)
    if (h == name) return {FieldRef::Kind::Missing, "NULL", SqlType::Null};
  return resolve_base(name);
}

Sql Translator::field_value(const std::string& name) const {
  FieldRef f = resolve(name);
  if (f.kind == FieldRef::Kind::Attr)
    return {"if(has(attr_names, " + f.sql + "), attr_values[indexOf(attr_names, " + f.sql + ")], NULL)",
            SqlType::String, true};
  return {f.sql, f.type};
}

// ---- search expression -------------------------------------------------------

std::string Translator::any_value(const std::string& name,
                                  const std::function<std::string(const std::string&, SqlType)>& cond) {
  FieldRef f = resolve(name);
  switch (f.kind) {
    case FieldRef::Kind::Envelope: return cond(f.sql, f.type);
    case FieldRef::Kind::Column: return "ifNull(" + cond(f.sql, f.type) + ", 0)";
    case FieldRef::Kind::Computed: return "ifNull(" + cond("toString(" + f.sql + ")", SqlType::String) + ", 0)";
    case FieldRef::Kind::Missing: return "0";
    case FieldRef::Kind::Attr: break;
  }
  // Per value, by its stored type (attr_types holds core FieldType numbers).
  std::string s = cond("v", SqlType::String), i = cond("v", SqlType::Int), d = cond("v", SqlType::Float),
              b = cond("v", SqlType::Bool), ts = cond("v", SqlType::Time), ip = cond("v", SqlType::Ip);
  return "arrayExists((n, v, t) -> n = " + f.sql + " AND ifNull(multiIf(t = 1, " + i + ", t = 2, " + d + ", t = 3, " + b +
         ", t = 4, " + ts + ", t = 5, " + ip + ", " + s + "), 0), attr_names, attr_values, attr_types)";
}

// 16 bytes of an address as ClickHouse computes them from text (v4 mapped, as IpAddress).
std::string ip_key(const std::string& v) {
  return "multiIf(match(" + v + ", '^[0-9]{1,3}(\\\\.[0-9]{1,3}){3}$'), IPv4ToIPv6(IPv4StringToNum(" + v +
         ")), match(" + v + ", '^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$'), IPv6StringToNum(" + v + "), NULL)";
}

// Addresses compare within their family only (an IPv6 address is neither above nor
// below an IPv4 bound), as in the embedded engine: v6 text has a ':', v4 text none.
std::string same_family(const std::string& v, const IpAddress& bound) {
  return std::string("(position(toString(") + v + "), ':') " + (bound.is_v4 ? "= 0)" : "> 0)");
}

std::string ip_literal(const IpAddress& ip) {
  static const char* hex = "0123456789abcdef";
  std::string h;
  for (uint8_t b : ip.bytes) {
    h += hex[b >> 4];
    h += hex[b & 15];
  }
  return "toFixedString(unhex('" + h + "'), 16)";
}

// [lo, hi] of a network, as 16-byte literals.
std::pair<std::string, std::string> network_range(const IpAddress& prefix, int bits) {
  IpAddress lo = prefix, hi = prefix;
  const int total = prefix.is_v4 ? 32 : 128, offset = prefix.is_v4 ? 96 : 0;
  for (int bit = offset + bits; bit < offset + total; ++bit) {
    lo.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
    hi.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  }
  return {ip_literal(lo), ip_literal(hi)};
}

std::string Translator::pattern_matches(const Expr& e, const std::string& text_sql) {
  Pattern p = e.quoted ? Pattern::literal(e.value) : Pattern::glob(e.value);
  if (p.match_all) return "1";
  if (!p.wildcard) return "lower(" + text_sql + ") = " + sql_string(p.pieces[0]);
  if (!is_valid_utf8(e.value)) {
    fail(e.col, "the value is not valid UTF-8, which ClickHouse regexes cannot match");
    return "0";
  }
  std::string re = "(?s:^";
  for (size_t i = 0; i < p.pieces.size(); ++i) {
    if (i > 0 || p.leading_star) re += ".*";
    append_re_literal(re, p.pieces[i]);
  }
  if (p.trailing_star && !p.pieces.empty()) re += ".*";
  return "match(lower(" + text_sql + "), " + sql_string(re + "$)") + ")";
}

std::string Translator::value_matches(const CompiledTerm& t, const std::string& v, SqlType type, const Expr& e) {
  switch (type) {
    case SqlType::String:
    case SqlType::Ip:
      // Addresses kept as text still answer a CIDR query (as the embedded matcher does).
      if (t.as_ip) {
        std::string key = ip_key(v);
        std::string in = t.cidr_bits >= 0 ? [&] {
          auto [lo, hi] = network_range(*t.as_ip, t.cidr_bits);
          return "(" + key + " >= " + lo + " AND " + key + " <= " + hi + ")";
        }()
                                          : "(" + key + " = " + ip_literal(*t.as_ip) + ")";
        if (type == SqlType::Ip) return "ifNull(" + in + ", 0)";
        if (t.cidr_bits >= 0) return "if(isNull(" + key + "), " + pattern_matches(e, v) + ", ifNull(" + in + ", 0))";
        return pattern_matches(e, v);
      }
      return pattern_matches(e, v);
    case SqlType::Int:
      if (t.as_int) return "toInt64OrNull(toString(" + v + ")) = " + std::to_string(*t.as_int);
      if (t.as_double) return "toFloat64OrNull(toString(" + v + ")) = toFloat64(" + sql_string(e.value) + ")";
      return pattern_matches(e, "toString(" + v + ")");
    case SqlType::Float:
      if (t.as_double) return "toFloat64OrNull(toString(" + v + ")) = toFloat64(" + sql_string(e.value) + ")";
      return pattern_matches(e, "toString(" + v + ")");
    case SqlType::Bool:
      if (t.as_bool) return "(" + v + " = " + (*t.as_bool ? "'true'" : "'false'") + ")";
      if (t.as_int && (*t.as_int == 0 || *t.as_int == 1)) return "(" + v + " = " + (*t.as_int ? "'true'" : "'false'") + ")";
      return pattern_matches(e, v);
    case SqlType::Time:
      if (t.as_time) return "toInt64OrNull(toString(" + v + ")) = " + std::to_string(*t.as_time);
      // The text form of a time is RFC 3339 with nanoseconds, which 18.16 cannot format.
      return "0";
    case SqlType::Null: return "0";
  }
  return "0";
}

std::string Translator::text_term(const Expr& e) {
  auto re = token_regex(e.value, e.quoted);
  if (!re.ok()) {
    fail(e.col, re.status().message());
    return "0";
  }
  if (*re == "(?s:.*)") return "1";
  const std::string r = sql_string(*re);
  std::string sql = "(match(lower(raw), " + r + ")";
  for (const ClickHouseColumn& c : table_.columns)
    if (c.type == ColumnType::String) sql += " OR ifNull(match(lower(`" + c.column + "`), " + r + "), 0)";
  sql += " OR arrayExists((v, t) -> t = 0 AND match(lower(v), " + r + "), attr_values, attr_types))";
  return sql;
}

std::string Translator::field_term(const Expr& e) {
  const CompiledTerm t = *compile_term(e);  // only regexes fail to compile; e is a field:value term
  if (t.kind == CompiledTerm::Kind::All) return "1";
  if (t.pattern.match_all) return exists_term(e);
  if (e.field == "raw" || e.field == "input" || e.field == "source" || e.field == "tenant")
    return pattern_matches(e, "`" + e.field + "`");
  FieldRef f = resolve(e.field);
  if (f.type == SqlType::Time && !t.as_time && f.kind != FieldRef::Kind::Attr)
    fail(e.col, "'" + e.field + "' is a time: compare it with an RFC 3339 time (wildcards on time text have no ClickHouse 18.16 equivalent)");
  return any_value(e.field, [&](const std::string& v, SqlType type) { return value_matches(t, v, type, e); });
}

std::string Translator::compare_one(const std::string& v, SqlType type, const std::string& value, const char* op,
                                    size_t col) {
  const std::string o = std::string(" ") + op + " ";
  char* end = nullptr;
  const double d = std::strtod(value.c_str(), &end);
  const bool is_number = !value.empty() && end == value.c_str() + value.size() && std::isfinite(d);
  switch (type) {
    case SqlType::Int:
    case SqlType::Float:
      if (!is_number) return "0";
      return "toFloat64OrNull(toString(" + v + "))" + o + "toFloat64(" + sql_string(value) + ")";
    case SqlType::Time: {
      // As the embedded matcher reads a bound: a time, else a number of Unix seconds;
      // a bound that is neither matches nothing.
      auto ns = parse_time_arg(value, now_);
      if (!ns && is_number && std::fabs(d) < 9.2e9) ns = static_cast<TimeNs>(std::llround(d * 1e9));
      if (!ns) return "0";
      return "toInt64OrNull(toString(" + v + "))" + o + std::to_string(*ns);
    }
    case SqlType::Ip: {
      auto ip = IpAddress::parse(value);
      if (!ip) return "0";
      return same_family(v, *ip) + " AND " + ip_key(v) + o + ip_literal(*ip);
    }
    case SqlType::String:
    case SqlType::Bool:
    case SqlType::Null:
      // Text compared as a number when the bound is one, else byte-wise.
      if (is_number) return "toFloat64OrNull(" + v + ")" + o + "toFloat64(" + sql_string(value) + ")";
      if (auto ip = IpAddress::parse(value)) return "(" + same_family(v, *ip) + " AND " + ip_key(v) + o + ip_literal(*ip) + ")";
      return v + o + sql_string(value);
  }
  return "0";
}

std::string Translator::compare_term(const Expr& e) {
  static const char* kOps[] = {"<", "<=", ">", ">="};
  if (e.kind == Expr::Kind::Compare)
    return any_value(e.field, [&](const std::string& v, SqlType t) {
      return compare_one(v, t, e.value, kOps[static_cast<int>(e.op)], e.col);
    });
  if (e.lo.empty() && e.hi.empty()) return exists_term(e);
  return any_value(e.field, [&](const std::string& v, SqlType t) {
    std::string c;
    if (!e.lo.empty()) c = compare_one(v, t, e.lo, e.lo_inclusive ? ">=" : ">", e.col);
    if (!e.hi.empty()) c += (c.empty() ? "" : " AND ") + compare_one(v, t, e.hi, e.hi_inclusive ? "<=" : "<", e.col);
    return "(" + c + ")";
  });
}

// Parentheses must balance (outside escapes and classes), or the pattern could close
// the (?i: group we wrap it in; RE2 would have refused such a pattern anyway.
bool balanced_regex(std::string_view re) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;
      if (i + 1 < re.size() && re[i + 1] == '^' && i + 2 < re.size() && re[i + 2] == ']') i += 2;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth < 0) {
      return false;
    }
  }
  return depth == 0 && !in_class;
}

std::string Translator::regex_term(const Expr& e) {
  if (!balanced_regex(e.value) || !is_valid_utf8(e.value)) {
    fail(e.col, "invalid regular expression /" + e.value + "/");
    return "0";
  }
  // 18.16's match() pre-filters on a literal it finds outside groups, ignoring a
  // leading (?i); inside a (?i:...) group the flag holds.
  const std::string re = sql_string(e.case_sensitive ? e.value : "(?i:" + e.value + ")");
  if (e.field.empty()) return "match(raw, " + re + ")";
  return any_value(e.field, [&](const std::string& v, SqlType) { return "match(toString(" + v + "), " + re + ")"; });
}

std::string Translator::exists_term(const Expr& e) {
  FieldRef f = resolve(e.field);
  switch (f.kind) {
    case FieldRef::Kind::Envelope: return "1";
    case FieldRef::Kind::Column:
    case FieldRef::Kind::Computed: return "isNotNull(" + f.sql + ")";
    case FieldRef::Kind::Attr: return "has(attr_names, " + f.sql + ")";
    case FieldRef::Kind::Missing: return "0";
  }
  return "0";
}

std::string Translator::search(const Expr& e, int depth) {
  if (depth > kMaxNesting) {
    fail(e.col, "the search expression nests too deeply");
    return "0";
  }
  switch (e.kind) {
    case Expr::Kind::All: return "1";
    case Expr::Kind::Text: return text_term(e);
    case Expr::Kind::Field: return field_term(e);
    case Expr::Kind::Compare:
    case Expr::Kind::Range: return compare_term(e);
    case Expr::Kind::Regex: return regex_term(e);
    case Expr::Kind::Exists: return exists_term(e);
    case Expr::Kind::Not:
      if (e.children.size() != 1) return fail(e.col, "NOT needs one operand"), "0";
      return "NOT (" + search(e.children[0], depth + 1) + ")";
    case Expr::Kind::And:
    case Expr::Kind::Or: {
      if (e.children.empty()) return fail(e.col, "AND/OR needs operands"), "0";
      std::string s = "(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) s += e.kind == Expr::Kind::And ? " AND " : " OR ";
        s += search(e.children[i], depth + 1);
      }
      return s + ")";
    }
  }
  return "0";
}

// ---- value expressions -------------------------------------------------------

std::string as_number(const Sql& s) {
  if (s.type == SqlType::String || s.type == SqlType::Ip) return "toFloat64OrNull(" + s.text + ")";
  return s.text;
}

std::string as_text(const Sql& s) {
  if (s.type == SqlType::Bool) return "if(" + s.text + ", 'true', 'false')";
  return "toString(" + s.text + ")";
}

Sql Translator::value(const ValueExpr& e, int depth) {
  if (depth > kMaxNesting) return fail(e.col, "the expression nests too deeply"), Sql{"NULL"};
  switch (e.kind) {
    case ValueExpr::Kind::Null: return {"NULL", SqlType::Null};
    case ValueExpr::Kind::Bool: return {e.b ? "1" : "0", SqlType::Bool};
    case ValueExpr::Kind::Int: return {"toInt64(" + sql_string(std::to_string(e.i)) + ")", SqlType::Int};
    case ValueExpr::Kind::Float: {
      if (!std::isfinite(e.f)) return fail(e.col, "a number must be finite"), Sql{"NULL"};
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", e.f);
      return {"toFloat64(" + sql_string(buf) + ")", SqlType::Float};
    }
    case ValueExpr::Kind::String: return {sql_string(e.text), SqlType::String};
    case ValueExpr::Kind::Field: {
      return field_value(e.text);
    }
    case ValueExpr::Kind::Unary: {
      if (e.children.size() != 1) return fail(e.col, "operator needs one operand"), Sql{"NULL"};
      Sql a = value(e.children[0], depth + 1);
      if (e.op == ValueExpr::Op::Neg) return {"negate(" + as_number(a) + ")", a.type == SqlType::Int ? SqlType::Int : SqlType::Float};
      return {"NOT (" + a.text + ")", SqlType::Bool};
    }
    case ValueExpr::Kind::Binary: {
      if (e.children.size() != 2) return fail(e.col, "operator needs two operands"), Sql{"NULL"};
      Sql a = value(e.children[0], depth + 1), b = value(e.children[1], depth + 1);
      using Op = ValueExpr::Op;
      const bool ints = a.type == SqlType::Int && b.type == SqlType::Int;
      const SqlType arith = ints ? SqlType::Int : SqlType::Float;
      switch (e.op) {
        case Op::Add:
          // Text joins; an attribute's text is read as the number the embedded engine
          // holds (the layout keeps no type for it here), unless the other side is text.
          if ((a.type == SqlType::String && !a.attr) || (b.type == SqlType::String && !b.attr))
            return {"concat(" + as_text(a) + ", " + as_text(b) + ")", SqlType::String};
          if (a.attr || b.attr) return {"(" + as_number(a) + " + " + as_number(b) + ")", SqlType::Float};
          return {"(" + as_number(a) + " + " + as_number(b) + ")", arith};
        case Op::Sub: return {"(" + as_number(a) + " - " + as_number(b) + ")", arith};
        case Op::Mul: return {"(" + as_number(a) + " * " + as_number(b) + ")", arith};
        case Op::Div: return {"(" + as_number(a) + " / nullIf(" + as_number(b) + ", 0))", SqlType::Float};
        case Op::Mod: {
          // modulo() throws on a zero divisor even where the row is not selected.
          const std::string d = as_number(b), zero = "ifNull(" + d + " = 0, 1)";
          if (!ints) {  // fmod: the remainder keeps the dividend's sign and fraction
            const std::string x = as_number(a), y = "if(" + zero + ", 1, " + d + ")";
            return {"if(" + zero + ", NULL, " + x + " - trunc(" + x + " / " + y + ") * " + y + ")", SqlType::Float};
          }
          return {"if(" + zero + ", NULL, modulo(" + as_number(a) + ", if(" + zero + ", 1, " + d + ")))", arith};
        }
        case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: {
          static const char* kCmp[] = {"=", "!=", "<", "<=", ">", ">="};
          const char* op = kCmp[static_cast<int>(e.op) - static_cast<int>(Op::Eq)];
          std::string l = a.text, r = b.text;
          if (numeric(a.type) != numeric(b.type) && a.type != SqlType::Null && b.type != SqlType::Null) {
            l = as_number(a);  // text compared with a number is read as a number
            r = as_number(b);
          }
          return {"(" + l + " " + op + " " + r + ")", SqlType::Bool};
        }
        case Op::And: return {"(" + a.text + " AND " + b.text + ")", SqlType::Bool};
        case Op::Or: return {"(" + a.text + " OR " + b.text + ")", SqlType::Bool};
        default: break;
      }
      return fail(e.col, "unknown operator"), Sql{"NULL"};
    }
    case ValueExpr::Kind::Call: return call(e, depth);
  }
  return {"NULL"};
}

// The integer a literal (or a negated literal) stands for.
std::optional<int64_t> literal_int(const ValueExpr& e) {
  if (e.kind == ValueExpr::Kind::Int) return e.i;
  if (e.kind == ValueExpr::Kind::Float && std::isfinite(e.f) && e.f == std::floor(e.f) && std::fabs(e.f) < 9e15)
    return static_cast<int64_t>(e.f);
  if (e.kind == ValueExpr::Kind::Unary && e.op == ValueExpr::Op::Neg && e.children.size() == 1)
    if (auto x = literal_int(e.children[0])) return -*x;
  return std::nullopt;
}

Sql Translator::call(const ValueExpr& e, int depth) {
  const std::string& f = e.text;
  const size_t n = e.children.size();
  auto arity = [&](size_t lo, size_t hi) {
    if (n >= lo && n <= hi) return true;
    return fail(e.col, f + "() takes " + std::to_string(lo) + (hi != lo ? " to " + std::to_string(hi) : "") +
                           " argument(s)");
  };
  auto literal_arg = [&](size_t i) -> std::optional<std::string> {
    if (e.children[i].kind == ValueExpr::Kind::String) return e.children[i].text;
    fail(e.children[i].col ? e.children[i].col : e.col, f + "(): argument " + std::to_string(i + 1) + " must be a string literal");
    return std::nullopt;
  };
  std::vector<Sql> a;
  for (const ValueExpr& c : e.children) a.push_back(value(c, depth + 1));
  if (f == "lower" || f == "upper") {
    if (!arity(1, 1)) return {"NULL"};
    return {f + "(" + as_text(a[0]) + ")", SqlType::String};
  }
  if (f == "len") {
    if (!arity(1, 1)) return {"NULL"};
    return {"toInt64(lengthUTF8(" + as_text(a[0]) + "))", SqlType::Int};
  }
  if (f == "substr") {
    if (!arity(2, 3)) return {"NULL"};
    // 1-based; a start of 0 is the first character, a negative one counts from the end.
    // 18.16's substringUTF8 takes a constant offset only, so the start must be a literal.
    auto st = literal_int(e.children[1]);
    if (!st)
      return fail(e.children[1].col, "substr() needs a literal start here (ClickHouse 18.16 takes a constant offset only)"),
             Sql{"NULL"};
    std::string s = as_text(a[0]);
    if (*st < 0) s = "reverseUTF8(substringUTF8(reverseUTF8(" + s + "), 1, " + std::to_string(-*st) + "))";
    const std::string from = std::to_string(*st > 0 ? *st : 1);
    if (n == 2) return {"substringUTF8(" + s + ", " + from + ")", SqlType::String};
    const std::string len = as_number(a[2]);
    return {"if(" + len + " < 0, NULL, substringUTF8(" + s + ", " + from + ", toUInt64(greatest(" + len + ", 0))))",
            SqlType::String};
  }
  if (f == "contains" || f == "startswith" || f == "endswith") {
    if (!arity(2, 2)) return {"NULL"};
    // Ignoring ASCII case, as the search bar and the embedded engine.
    const std::string s = "lower(" + as_text(a[0]) + ")", p = "lower(" + as_text(a[1]) + ")";
    if (f == "contains") return {"(position(" + s + ", " + p + ") > 0)", SqlType::Bool};
    return {std::string(f == "startswith" ? "startsWith(" : "endsWith(") + s + ", " + p + ")", SqlType::Bool};
  }
  if (f == "match") {
    if (!arity(2, 2)) return {"NULL"};
    auto re = literal_arg(1);
    if (!re) return {"NULL"};
    if (!balanced_regex(*re) || !is_valid_utf8(*re)) return fail(e.col, "invalid regular expression"), Sql{"NULL"};
    return {"match(" + as_text(a[0]) + ", " + sql_string(*re) + ")", SqlType::Bool};
  }
  if (f == "cidrmatch") {
    if (!arity(2, 2)) return {"NULL"};
    auto cidr = literal_arg(0);
    if (!cidr) return {"NULL"};
    Expr probe;
    probe.kind = Expr::Kind::Field;
    probe.field = "x";
    probe.value = *cidr;
    CompiledTerm t = *compile_term(probe);  // a field:value term always compiles
    if (!t.as_ip || t.cidr_bits < 0) return fail(e.col, "cidrmatch(): '" + *cidr + "' is not a network like 10.0.0.0/8"), Sql{"NULL"};
    auto [lo, hi] = network_range(*t.as_ip, t.cidr_bits);
    const std::string key = ip_key(as_text(a[1]));
    return {"(" + key + " >= " + lo + " AND " + key + " <= " + hi + ")", SqlType::Bool};
  }
  if (f == "coalesce") {
    if (!arity(1, 64)) return {"NULL"};
    bool text = false;
    for (const Sql& s : a) text = text || s.type == SqlType::String || s.type == SqlType::Ip;
    std::string s = "coalesce(";
    for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + (text ? as_text(a[i]) : a[i].text);
    return {s + ")", text ? SqlType::String : a[0].type};
  }
  if (f == "if") {
    if (!arity(3, 3)) return {"NULL"};
    const bool text = a[1].type != a[2].type && a[1].type != SqlType::Null && a[2].type != SqlType::Null;
    return {"if(ifNull(" + a[0].text + ", 0), " + (text ? as_text(a[1]) : a[1].text) + ", " +
                (text ? as_text(a[2]) : a[2].text) + ")",
            text ? SqlType::String : (a[1].type == SqlType::Null ? a[2].type : a[1].type)};
  }
  if (f == "tostring") {
    if (!arity(1, 1)) return {"NULL"};
    if (a[0].type == SqlType::Time)
      return fail(e.col, "tostring() of a time has no ClickHouse 18.16 equivalent (RFC 3339 with nanoseconds); use strftime()"),
             Sql{"NULL"};
    return {as_text(a[0]), SqlType::String};
  }
  if (f == "tonumber") {
    if (!arity(1, 1)) return {"NULL"};
    return {"toFloat64OrNull(" + as_text(a[0]) + ")", SqlType::Float};
  }
  if (f == "strftime") {
    if (!arity(2, 2)) return {"NULL"};
    auto fmt = literal_arg(1);
    if (!fmt) return {"NULL"};
    // The conversions formatDateTime() knows in 18.16.
    static const std::string kKnown = "CdDeFHIjmMnpRSTtuVwyY%";
    for (size_t i = 0; i < fmt->size(); ++i) {
      if ((*fmt)[i] != '%') continue;
      if (i + 1 >= fmt->size() || kKnown.find((*fmt)[i + 1]) == std::string::npos)
        return fail(e.col, "strftime(): '%" + std::string(i + 1 < fmt->size() ? fmt->substr(i + 1, 1) : "") +
                               "' has no ClickHouse 18.16 equivalent"),
               Sql{"NULL"};
      ++i;
    }
    return {"formatDateTime(toDateTime(intDiv(" + as_number(a[0]) + ", 1000000000)), " + sql_string(*fmt) + ", 'UTC')",
            SqlType::String};
  }
  fail(e.col, "unknown function '" + f + "'");
  return {"NULL"};
}

// ---- stages ------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Translator::outputs() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto hidden = [&](const std::string& n) {
    for (const std::string& h : rel_.hidden)
      if (h == n) return true;
    for (const auto& c : rel_.cols)
      if (c.first == n) return true;  // replaced by eval
    return false;
  };
  if (rel_.events) {
    for (const char* env : kEnvelope)
      if (!hidden(env)) out.push_back({env, std::string("`") + env + "`"});
    for (const ClickHouseColumn& c : table_.columns)
      if (!hidden(c.field)) out.push_back({c.field, "`" + c.column + "`"});
    // Removed attributes leave the three arrays in step.
    std::string removed;
    for (const std::string& h : rel_.hidden) removed += (removed.empty() ? "" : ", ") + sql_string(h);
    for (const char* a : {"attr_names", "attr_values", "attr_types"})
      out.push_back({a, removed.empty() ? std::string(a)
                                        : "arrayFilter((x, n) -> NOT has([" + removed + "], n), " + a + ", attr_names)"});
  }
  for (const auto& c : rel_.cols) out.push_back(c);
  return out;
}

std::string Translator::order_by() const {
  if (rel_.order.empty()) return "";
  std::string s = " ORDER BY ";
  for (size_t i = 0; i < rel_.order.size(); ++i) s += (i ? ", " : "") + rel_.order[i];
  return s;
}

// SELECT * of the current relation plus `extra` select items.
std::string Translator::select_all(const std::vector<std::string>& extra) const {
  std::string s = "SELECT *";
  for (const std::string& x : extra) s += ", " + x;
  return s + " FROM " + rel_.from;
}

void Translator::wrap(std::string sql, bool events, std::vector<std::pair<std::string, std::string>> cols,
                      std::vector<std::string> order) {
  rel_.from = "(" + sql + ")";
  rel_.events = events;
  rel_.cols = std::move(cols);
  rel_.order = std::move(order);
  if (!events) rel_.hidden.clear();
}

bool Translator::where(const WhereStage& s) {
  Sql c = value(s.condition, 0);
  wrap(select_all() + " WHERE ifNull(" + c.text + ", 0)", rel_.events, rel_.cols, rel_.order);
  return true;
}

bool Translator::eval(const EvalStage& s) {
  for (const auto& [name, expr] : s.assignments) {
    Sql v = value(expr, 0);
    const std::string a = alias(v.type);
    auto cols = rel_.cols;
    cols.push_back({name, a});
    wrap(select_all({v.text + " AS " + a}), rel_.events, std::move(cols), rel_.order);
  }
  return true;
}

std::string Translator::aggregate(const Aggregate& a, SqlType* type, std::string* attr_type) {
  *type = SqlType::Float;
  if (a.kind == AggKind::Count && a.field.empty()) return *type = SqlType::Int, "count()";
  if (a.field.empty()) return fail(a.col, "'" + a.name + "' needs a field"), "NULL";
  Sql v = field_value(a.field);
  FieldRef f = resolve(a.field);
  switch (a.kind) {
    case AggKind::Count:
      *type = SqlType::Int;
      if (f.kind == FieldRef::Kind::Attr) return "countIf(has(attr_names, " + f.sql + "))";
      return "count(" + v.text + ")";
    case AggKind::Dc: *type = SqlType::Int; return "ifNull(uniqExact(" + v.text + "), 0)";
    case AggKind::Sum: return "sum(" + as_number(v) + ")";
    case AggKind::Avg: return "avg(" + as_number(v) + ")";
    case AggKind::Min: return "min(" + as_number(v) + ")";
    case AggKind::Max: return "max(" + as_number(v) + ")";
    case AggKind::Percentile: {
      if (!(a.percentile >= 0 && a.percentile <= 100)) return fail(a.col, "percentile must be within 0..100"), "NULL";
      // Nearest rank, as the embedded engine: the value at rank ceil(p/100 * n) of the
      // sorted values (quantileExact takes floor(p/100 * n) + 1).
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", a.percentile / 100);
      const std::string x = as_number(v);
      return "if(count(" + x + ") = 0, NULL, arrayElement(arraySort(groupArray(" + x + ")), toUInt64(greatest(1, ceil(" +
             buf + " * count(" + x + "))))))";
    }
    case AggKind::Values:  // the first 100 distinct values in sorted order, as the embedded engine
      *type = SqlType::String;
      return "nullIf(arrayStringConcat(arraySlice(arraySort(groupUniqArray(" + as_text(v) + ")), 1, 100), ', '), '')";
    case AggKind::First:
    case AggKind::Last: {
      FieldRef t = resolve("time");
      if (t.kind == FieldRef::Kind::Missing) return fail(a.col, "'" + a.name + "' needs the events' time"), "NULL";
      *type = v.type;
      const std::string fn = a.kind == AggKind::First ? "argMinIf(" : "argMaxIf(";
      if (f.kind == FieldRef::Kind::Attr)
        *attr_type = fn + attr_type_sql(f) + ", " + t.sql + ", isNotNull(" + v.text + "))";
      return fn + v.text + ", " + t.sql + ", isNotNull(" + v.text + "))";
    }
  }
  return "NULL";
}

bool Translator::stats(const StatsStage& s, bool typed_keys) {
  std::vector<std::pair<std::string, std::string>> cols;
  std::string items, group;
  std::vector<std::string> keys;
  for (const std::string& b : s.by) {
    const bool typed = typed_keys && keys.empty();
    const std::string a = alias(typed ? SqlType::Time : SqlType::String);
    FieldRef f = resolve(b);
    std::string key;
    if (f.kind == FieldRef::Kind::Attr)  // a repeated field: once under each distinct value
      key = "arrayJoin(if(has(attr_names, " + f.sql + "), CAST(arrayDistinct(arrayFilter((v, n) -> n = " + f.sql +
            ", attr_values, attr_names)) AS Array(Nullable(String))), CAST([NULL] AS Array(Nullable(String)))))";
    else
      key = typed ? f.sql : "toString(" + f.sql + ")";  // timechart buckets stay numbers
    items += (items.empty() ? "" : ", ") + key + " AS " + a;
    group += (group.empty() ? "" : ", ") + a;
    cols.push_back({b, a});
    // Keys order as the embedded engine orders typed values: numbers as numbers,
    // addresses as addresses (10.0.0.9 before 10.0.0.10), text byte by byte.
    if (typed_keys) {  // a timechart's groups: it sets its own order
      keys.push_back(a + " ASC NULLS LAST");
      continue;
    }
    if (std::string t = carry_order(b, a, true); !t.empty()) items += ", any(" + t + ") AS " + attr_type_[a];
    for (const std::string& e : order_exprs(alias_key(a))) keys.push_back(e + " ASC NULLS LAST");
  }
  std::vector<std::string> order;
  for (const Aggregate& ag : s.aggregates) {
    SqlType t;
    std::string attr_type;
    const std::string agg = aggregate(ag, &t, &attr_type);
    const std::string a = alias(t);
    items += (items.empty() ? "" : ", ") + agg + " AS " + a;
    if (!attr_type.empty()) {
      attr_type_[a] = alias(SqlType::Int);
      items += ", " + attr_type + " AS " + attr_type_[a];
    }
    if (order.empty())
      for (const std::string& e : order_exprs(alias_key(a))) order.push_back(e + " DESC NULLS LAST");
    cols.push_back({ag.name, a});
  }
  if (s.aggregates.empty()) return fail(s.col, "stats needs an aggregate");
  order.insert(order.end(), keys.begin(), keys.end());
  std::string sql = "SELECT " + items + " FROM " + rel_.from + (group.empty() ? "" : " GROUP BY " + group);
  wrap(sql, false, std::move(cols), std::move(order));
  return true;
}

bool Translator::timechart(const TimechartStage& s) {
  int64_t span = s.span_ns;
  if (span <= 0) {
    if (opt_.from == kMinTime || opt_.to == kMaxTime)
      return fail(s.col, "timechart without span= needs a bounded time range");
    static const int64_t kSpans[] = {1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800};
    const long double want = (static_cast<long double>(opt_.to) - opt_.from) / 100 / kNsPerSec;
    span = kSpans[std::size(kSpans) - 1] * kNsPerSec;
    for (int64_t sp : kSpans)
      if (sp >= want) {
        span = sp * kNsPerSec;
        break;
      }
  }
  FieldRef t = resolve("time");
  if (t.kind == FieldRef::Kind::Missing) return fail(s.col, "timechart needs the events' time");
  const std::string bucket = "intDiv(" + t.sql + ", " + std::to_string(span) + ") * " + std::to_string(span);
  StatsStage st;
  st.col = s.col;
  st.aggregates = s.aggregates;
  if (s.by.empty()) {
    const std::string b = alias(SqlType::Time);
    wrap(select_all({bucket + " AS " + b}), rel_.events, [&] {
      auto c = rel_.cols;
      c.push_back({"_time", b});
      return c;
    }(), rel_.order);
    st.by = {"_time"};
    if (!stats(st, true)) return false;
    rel_.order = {rel_.cols[0].second + " ASC"};
    return true;
  }
  // With a split, series beyond the top N are summed into OTHER: only additive aggregates.
  for (const Aggregate& a : s.aggregates)
    if (!(a.kind == AggKind::Count || a.kind == AggKind::Sum))
      return fail(a.col, "'" + a.name + "' cannot be summed into OTHER: timechart ... by takes count and sum only");
  const std::string b = alias(SqlType::Time);
  {
    auto c = rel_.cols;
    c.push_back({"_time", b});
    wrap(select_all({bucket + " AS " + b}), rel_.events, std::move(c), rel_.order);
  }
  st.by = {"_time", s.by};
  if (!stats(st, true)) return false;
  const std::string tb = rel_.cols[0].second, series = rel_.cols[1].second, first = rel_.cols[2].second;
  const std::string inner = rel_.from;
  // Rows without the field are their own series (NULL), never among the top N nor in OTHER.
  const std::string top = "(SELECT " + series + " FROM " + inner + " WHERE isNotNull(" + series + ") GROUP BY " +
                          series + " ORDER BY sum(" + first + ") DESC, " + series + " ASC LIMIT " +
                          std::to_string(s.limit) + ")";
  const std::string sa = alias();
  std::string items = tb + ", if(isNull(" + series + ") OR " + series + " IN " + top + ", " + series + ", 'OTHER') AS " + sa;
  std::vector<std::pair<std::string, std::string>> cols = {{"_time", tb}, {s.by, sa}};
  for (size_t i = 2; i < rel_.cols.size(); ++i) {
    const std::string a = alias();
    items += ", sum(" + rel_.cols[i].second + ") AS " + a;
    cols.push_back({rel_.cols[i].first, a});
  }
  wrap("SELECT " + items + " FROM " + inner + " GROUP BY " + tb + ", " + sa, false, cols,
       {tb + " ASC", sa + " ASC NULLS LAST"});
  return true;
}

Translator::OrderKey Translator::order_key(const std::string& name) const {
  FieldRef f = resolve(name);
  switch (f.kind) {
    case FieldRef::Kind::Attr: return {field_value(name).text, SqlType::String, attr_type_sql(f)};
    case FieldRef::Kind::Missing: return {"NULL", SqlType::Null, ""};
    case FieldRef::Kind::Computed: return alias_key(f.sql);
    default: return {f.sql, f.type, ""};
  }
}

std::vector<std::string> Translator::order_exprs(const OrderKey& k) {
  const std::string& v = k.value;
  if (!k.attr_type.empty())
    return {"if(" + k.attr_type + " IN (1, 4), toInt64OrNull(toString(" + v + ")), NULL)",
            "if(" + k.attr_type + " = 2, toFloat64OrNull(toString(" + v + ")), NULL)",
            "if(" + k.attr_type + " = 5, " + ip_key("toString(" + v + ")") + ", NULL)", v};
  switch (k.type) {
    case SqlType::Ip: return {ip_key("toString(" + v + ")")};
    case SqlType::Int:
    case SqlType::Time: return {"toInt64OrNull(toString(" + v + "))"};
    case SqlType::Float: return {"toFloat64OrNull(toString(" + v + "))"};
    default: return {v};
  }
}

std::string Translator::carry_order(const std::string& name, const std::string& a, bool as_text) {
  FieldRef f = resolve(name);
  if (f.kind == FieldRef::Kind::Attr) {
    attr_type_[a] = alias(SqlType::Int);
    return attr_type_sql(f);
  }
  if (f.kind == FieldRef::Kind::Computed) {
    if (auto t = attr_type_.find(f.sql); t != attr_type_.end()) {  // the type column is carried along too
      const std::string from = t->second;
      attr_type_[a] = alias(SqlType::Int);
      return from;
    }
    if (auto u = text_type_.find(f.sql); u != text_type_.end()) text_type_[a] = u->second;
    else if (as_text && f.type != SqlType::String && f.type != SqlType::Null) text_type_[a] = f.type;
    return "";
  }
  if (as_text && f.type != SqlType::String && f.type != SqlType::Null) text_type_[a] = f.type;
  return "";
}

Translator::OrderKey Translator::alias_key(const std::string& a) const {
  if (auto t = attr_type_.find(a); t != attr_type_.end()) return {a, SqlType::String, t->second};
  if (auto t = text_type_.find(a); t != text_type_.end()) return {a, t->second, ""};
  auto t = types_.find(a);
  return {a, t == types_.end() ? SqlType::String : t->second, ""};
}

bool Translator::sort(const SortStage& s) {
  std::vector<std::string> order, extra;
  for (const SortKey& k : s.keys) {
    for (const std::string& e : order_exprs(order_key(k.field))) {
      const std::string a = alias();
      extra.push_back(e + " AS " + a);
      order.push_back(a + (k.descending ? " DESC" : " ASC") + " NULLS LAST");
    }
  }
  for (const std::string& o : rel_.order) order.push_back(o);  // ties keep the previous order
  // The keys stay as extra columns of the subquery, so outer levels can reapply the order.
  std::string ord = " ORDER BY ";
  for (size_t i = 0; i < order.size(); ++i) ord += (i ? ", " : "") + order[i];
  wrap(select_all(extra) + ord + (s.limit ? " LIMIT " + std::to_string(s.limit) : ""), rel_.events, rel_.cols,
       std::move(order));
  return true;
}

bool Translator::head_tail(size_t count, bool tail, size_t col) {
  if (rel_.order.empty()) return fail(col, "internal: no row order");
  std::string ord = " ORDER BY ";
  for (size_t i = 0; i < rel_.order.size(); ++i) {
    std::string o = rel_.order[i];
    if (tail) {
      // Reverse each term: ASC <-> DESC, and NULLS LAST <-> NULLS FIRST.
      auto swap = [&](const std::string& from, const std::string& to) {
        size_t p = o.find(from);
        if (p != std::string::npos) o.replace(p, from.size(), to);
        return p != std::string::npos;
      };
      if (!swap(" ASC", " DESC")) swap(" DESC", " ASC");
      if (!swap(" NULLS LAST", " NULLS FIRST")) swap(" NULLS FIRST", " NULLS LAST");
    }
    ord += (i ? ", " : "") + o;
  }
  wrap(select_all() + ord + " LIMIT " + std::to_string(count), rel_.events, rel_.cols, rel_.order);
  return true;
}

bool Translator::fields(const std::vector<std::string>& names, bool remove, size_t col) {
  if (remove) {
    // Stored fields are hidden (resolve() then finds nothing; the output leaves them out).
    if (rel_.events)
      for (const std::string& n : names) rel_.hidden.push_back(n);
    std::vector<std::pair<std::string, std::string>> cols;
    for (const auto& c : rel_.cols) {
      bool drop = false;
      for (const std::string& n : names) drop = drop || n == c.first;
      if (!drop) cols.push_back(c);
    }
    rel_.cols = std::move(cols);
    return true;
  }
  if (names.empty()) return fail(col, "fields needs at least one field");
  std::vector<std::pair<std::string, std::string>> cols;
  std::vector<std::string> extra;
  for (const std::string& n : names) {
    Sql v = field_value(n);
    const std::string a = alias(v.type);
    extra.push_back(v.text + " AS " + a);
    if (std::string t = carry_order(n, a, false); !t.empty()) extra.push_back(t + " AS " + attr_type_[a]);
    cols.push_back({n, a});
  }
  wrap(select_all(extra), false, std::move(cols), rel_.order);
  return true;
}

bool Translator::rename(const RenameStage& s) {
  for (const auto& [from, to] : s.renames) {
    FieldRef f = resolve(from);
    if (f.kind == FieldRef::Kind::Computed) {
      for (auto& c : rel_.cols)
        if (c.first == from) c.first = to;
      continue;
    }
    if (f.kind == FieldRef::Kind::Missing) continue;
    // A stored field: copied to a computed column under the new name, the old one hidden.
    Sql v = field_value(from);
    const std::string a = alias(v.type);
    auto cols = rel_.cols;
    cols.push_back({to, a});
    std::vector<std::string> extra = {v.text + " AS " + a};
    if (std::string t = carry_order(from, a, false); !t.empty()) extra.push_back(t + " AS " + attr_type_[a]);
    wrap(select_all(extra), rel_.events, std::move(cols), rel_.order);
    if (!fields({from}, true, s.col)) return false;
  }
  return true;
}

bool Translator::dedup(const DedupStage& s) {
  if (s.fields.empty()) return fail(s.col, "dedup needs at least one field");
  std::vector<std::string> extra;
  std::string by, have;
  for (const std::string& n : s.fields) {
    const std::string a = alias();
    extra.push_back(field_value(n).text + " AS " + a);
    by += (by.empty() ? "" : ", ") + a;
    have += (have.empty() ? " WHERE " : " AND ") + ("isNotNull(" + a + ")");  // rows without one are dropped
  }
  wrap(select_all(extra) + have + order_by() + " LIMIT " + std::to_string(s.keep) + " BY " + by, rel_.events,
       rel_.cols, rel_.order);
  return true;
}

bool Translator::top(const TopStage& s) {
  if (s.fields.empty()) return fail(s.col, "top/rare needs at least one field");
  std::vector<std::pair<std::string, std::string>> cols;
  std::vector<std::string> by_alias, f_alias;
  std::string items;
  auto key = [&](const std::string& n) {
    const std::string a = alias();
    items += (items.empty() ? "" : ", ") + std::string("toString(") + field_value(n).text + ") AS " + a;
    // An attribute's type rides along (hidden), so that ties rank by typed value.
    if (std::string t = carry_order(n, a, true); !t.empty()) items += ", any(" + t + ") AS " + attr_type_[a];
    cols.push_back({n, a});
    return a;
  };
  for (const std::string& b : s.by) by_alias.push_back(key(b));
  for (const std::string& f : s.fields) f_alias.push_back(key(f));
  const std::string c = alias(), g = alias(), total = alias(), t = alias(), count = alias(SqlType::Int),
                    percent = alias(SqlType::Float);
  std::string all_keys, by_keys, by_types;
  for (const std::string& a : by_alias) {
    by_keys += (by_keys.empty() ? "" : ", ") + a;
    if (attr_type_.count(a)) by_types += ", any(" + attr_type_[a] + ") AS " + attr_type_[a];
  }
  all_keys = by_keys;
  for (const std::string& a : f_alias) all_keys += (all_keys.empty() ? "" : ", ") + a;
  // Rows without every field are not counted (as the embedded engine and Splunk do).
  std::string have;
  for (const std::string& f : s.fields) have += (have.empty() ? " WHERE " : " AND ") + ("isNotNull(" + field_value(f).text + ")");
  const std::string counted =
      "SELECT " + items + ", count() AS " + c + " FROM " + rel_.from + have + " GROUP BY " + all_keys;
  // Totals per by-group: the groups' rows are gathered into an array, summed, then unfolded.
  // Tuple: (fields..., count, attribute types of fields...).
  std::string tuple = "(";
  for (size_t i = 0; i < f_alias.size(); ++i) tuple += f_alias[i] + ", ";
  tuple += c;
  std::vector<std::pair<std::string, size_t>> f_types;  // type alias, tuple index
  for (const std::string& a : f_alias)
    if (attr_type_.count(a)) {
      tuple += ", " + attr_type_[a];
      f_types.push_back({attr_type_[a], f_alias.size() + 1 + f_types.size() + 1});
    }
  tuple += ")";
  std::string per = "SELECT " + (by_keys.empty() ? std::string() : by_keys + by_types + ", ") + "groupArray(" + tuple +
                    ") AS " + g + ", sum(" + c + ") AS " + total + " FROM (" + counted + ")" +
                    (by_keys.empty() ? "" : " GROUP BY " + by_keys);
  std::string out = "SELECT ";
  for (const std::string& a : by_alias) out += a + (attr_type_.count(a) ? ", " + attr_type_[a] : "") + ", ";
  for (size_t i = 0; i < f_alias.size(); ++i)
    out += "tupleElement(" + t + ", " + std::to_string(i + 1) + ") AS " + f_alias[i] + ", ";
  for (const auto& [ta, i] : f_types) out += "tupleElement(" + t + ", " + std::to_string(i) + ") AS " + ta + ", ";
  const std::string cnt = "tupleElement(" + t + ", " + std::to_string(f_alias.size() + 1) + ")";
  out += cnt + " AS " + count + ", " + cnt + " * 100 / " + total + " AS " + percent + " FROM (" + per + ") ARRAY JOIN " +
         g + " AS " + t;
  std::vector<std::string> order;
  for (const std::string& a : by_alias)
    for (const std::string& e : order_exprs(alias_key(a))) order.push_back(e + " ASC NULLS LAST");
  order.push_back(count + (s.rare ? " ASC" : " DESC"));
  for (const std::string& a : f_alias)
    for (const std::string& e : order_exprs(alias_key(a))) order.push_back(e + " ASC NULLS LAST");
  std::string ord = " ORDER BY ";
  for (size_t i = 0; i < order.size(); ++i) ord += (i ? ", " : "") + order[i];
  out += ord + " LIMIT " + std::to_string(s.limit) + (by_keys.empty() ? "" : " BY " + by_keys);
  cols.push_back({"count", count});
  cols.push_back({"percent", percent});
  wrap(out, false, std::move(cols), std::move(order));
  return true;
}

bool Translator::stage(const Stage& s) {
  return std::visit(
      [&](const auto& st) -> bool {
        using T = std::decay_t<decltype(st)>;
        if constexpr (std::is_same_v<T, WhereStage>) return where(st);
        if constexpr (std::is_same_v<T, EvalStage>) return eval(st);
        if constexpr (std::is_same_v<T, StatsStage>) return stats(st);
        if constexpr (std::is_same_v<T, TimechartStage>) return timechart(st);
        if constexpr (std::is_same_v<T, SortStage>) return sort(st);
        if constexpr (std::is_same_v<T, HeadStage>) return head_tail(st.count, false, st.col);
        if constexpr (std::is_same_v<T, TailStage>) return head_tail(st.count, true, st.col);
        if constexpr (std::is_same_v<T, FieldsStage>) return fields(st.fields, st.remove, st.col);
        if constexpr (std::is_same_v<T, TableStage>) return fields(st.fields, false, st.col);
        if constexpr (std::is_same_v<T, RenameStage>) return rename(st);
        if constexpr (std::is_same_v<T, DedupStage>) return dedup(st);
        if constexpr (std::is_same_v<T, TopStage>) return top(st);
        return false;
      },
      s);
}

Result<SqlPlan> Translator::run(const Query& q) {
  if (Status s = check_layout(table_); !s.ok()) return s;
  now_ = opt_.now ? opt_.now : now_ns();
  TimeNs from = opt_.from, to = opt_.to;
  if (from == kMinTime && !q.time.from.empty()) {
    auto t = parse_time_arg(q.time.from, now_);
    if (!t) return Status::error("from='" + q.time.from + "' is not a time");
    from = *t;
  }
  if (to == kMaxTime && !q.time.to.empty()) {
    auto t = parse_time_arg(q.time.to, now_);
    if (!t) return Status::error("to='" + q.time.to + "' is not a time");
    to = *t;
  }
  std::string where = "tenant = " + sql_string(opt_.tenant);
  if (from != kMinTime) where += " AND time >= " + std::to_string(from);
  if (to != kMaxTime) where += " AND time <= " + std::to_string(to);
  const std::string filter = search(q.filter, 0);
  if (filter != "1") where += " AND " + filter;
  rel_.from = "(SELECT * FROM `" + table_.name + "` WHERE " + where + ")";
  rel_.order = {"time DESC"};
  for (const Stage& s : q.stages) {
    if (!err_.empty() || !stage(s)) break;
  }
  if (!err_.empty()) return Status::error(err_);
  SqlPlan plan;
  plan.events = rel_.events;
  std::string items;
  for (const auto& [name, expr] : outputs()) {
    items += (items.empty() ? "" : ", ") + expr;
    plan.columns.push_back(name);
  }
  plan.sql = "SELECT " + items + " FROM " + rel_.from + order_by();
  if (rel_.events) plan.sql += " LIMIT " + std::to_string(opt_.limit);
  return plan;
}

}  // namespace

Result<SqlPlan> to_clickhouse_plan(const Query& q, const ClickHouseTable& table, const SqlOptions& options) {
  Translator t(table, options);
  return t.run(q);
}

Result<std::string> to_clickhouse_sql(const Query& q, const ClickHouseTable& table, const SqlOptions& options) {
  auto p = to_clickhouse_plan(q, table, options);
  if (!p.ok()) return p.status();
  return p->sql;
}

}  // namespace vigil::query
