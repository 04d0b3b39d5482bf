// The parsed form of a query: a search expression (which events) followed by
// pipe stages (what to do with them). Plain structs; the parser builds them, the
// embedded executor and the ClickHouse SQL translator each compile them their way.
// docs/query-language.md is the user's view of the same language.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace vigil::query {

// ---- search expression (before the first '|') --------------------------------

struct Expr {
  enum class Kind : uint8_t {
    All,      // empty query or a bare `*`: every event
    Text,     // free text: value occurs at token boundaries in raw or a string field
    Field,    // field:value (wildcards unless quoted; CIDR on IP fields: 10.0.0.0/8)
    Compare,  // field>value, field>=value, field<value, field<=value (numbers, times, IPs, strings)
    Range,    // field:[lo TO hi] (inclusive) or field:{lo TO hi} (exclusive); either side may be *
    Regex,    // /re/ on the raw text, or field:/re/ (RE2, unanchored)
    Exists,   // field:* (the field has a value); NOT field:* is "missing"
    Not,      // children[0]
    And,      // children (2 or more)
    Or,       // children (2 or more)
  };
  enum class CompareOp : uint8_t { Lt, Le, Gt, Ge };
  Kind kind = Kind::All;
  std::string field;           // Field, Compare, Range, Regex (empty: raw text), Exists
  std::string value;           // Text, Field, Compare, Regex: as typed, quotes and escapes removed
  bool quoted = false;         // a quoted value is literal: '*' and '?' are not wildcards
  bool case_sensitive = false; // Regex: no (?i) added (text matching is case-insensitive by default)
  CompareOp op = CompareOp::Lt;
  std::string lo, hi;          // Range bounds as typed; empty: open (`*`)
  bool lo_inclusive = true, hi_inclusive = true;
  size_t col = 0;              // 1-based column of the term, for messages
  std::vector<Expr> children;
};

// ---- value expressions (where, eval) ------------------------------------------

// A literal, a field reference, an operator or a function call; evaluated per row.
// Null propagates through arithmetic and comparisons as in SQL (a comparison with
// null is false, so `where x > 1` drops rows without x).
struct ValueExpr {
  enum class Kind : uint8_t {
    Null,     // null
    Bool,     // true / false
    Int,      // 42
    Float,    // 4.2
    String,   // "text"
    Field,    // a.b.c, or `a field` with backquotes
    Unary,    // op children[0]: Neg (-x), Not (not x)
    Binary,   // children[0] op children[1]
    Call,     // name(children...)
  };
  enum class Op : uint8_t {
    Neg, Not,                                  // unary
    Add, Sub, Mul, Div, Mod,                   // arithmetic; + also joins strings
    Eq, Ne, Lt, Le, Gt, Ge,                    // comparison (strings case-sensitive, as in SQL)
    And, Or,                                   // boolean
  };
  Kind kind = Kind::Null;
  Op op = Op::Add;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string text;  // String: the value; Field: the name; Call: the function name, lower case
  size_t col = 0;
  std::vector<ValueExpr> children;
};

// Functions of where/eval, by name; the parser refuses others, with this list.
// lower(s) upper(s) len(s) substr(s, start[, len]) (1-based) contains(s, sub)
// startswith(s, p) endswith(s, p) match(s, "re") cidrmatch("10.0.0.0/8", ip)
// coalesce(a, b, ...) if(cond, then, else) tostring(x) tonumber(s)
// strftime(time, "%Y-%m-%d %H:%M:%S") (UTC)
inline constexpr const char* kFunctions[] = {"lower",      "upper",    "len",      "substr",    "contains",
                                             "startswith", "endswith", "match",    "cidrmatch", "coalesce",
                                             "if",         "tostring", "tonumber", "strftime"};

// ---- stages ------------------------------------------------------------------

enum class AggKind : uint8_t { Count, Dc, Sum, Avg, Min, Max, Percentile, Values, First, Last };

struct Aggregate {
  AggKind kind = AggKind::Count;
  std::string field;      // argument; empty for count()
  double percentile = 0;  // Percentile: 0..100, from percentile(field, 95) or p95(field)
  std::string name;       // column name: `as` name, or the call as written ("count()", "dc(user.name)")
  size_t col = 0;
};

struct WhereStage {  // | where <value expression>: keeps rows where it is true
  ValueExpr condition;
  size_t col = 0;
};

struct EvalStage {  // | eval name = expr [, name = expr]...: sets (or replaces) columns, in order
  std::vector<std::pair<std::string, ValueExpr>> assignments;
  size_t col = 0;
};

struct StatsStage {  // | stats agg [as name], ... [by field, ...]
  std::vector<Aggregate> aggregates;
  std::vector<std::string> by;  // group-by fields; empty: one row
  size_t col = 0;               // column of the stage name
};

struct TimechartStage {  // | timechart span=5m agg, ... [by field]: one row per time bucket
  int64_t span_ns = 0;   // 0: chosen from the time range (about 100 buckets, rounded to a nice span)
  std::vector<Aggregate> aggregates;
  std::string by;        // empty: no split
  size_t limit = 10;     // by: the top N values by total, others summed into "OTHER"
  size_t col = 0;
};

struct SortKey {
  std::string field;
  bool descending = false;  // `-field` or `field desc`
};
struct SortStage {  // | sort [-]field, ... [limit N]
  std::vector<SortKey> keys;
  size_t limit = 0;  // 0: all rows
  size_t col = 0;
};

struct HeadStage {  // | head [N] (default 10): the first N rows
  size_t count = 10;
  size_t col = 0;
};
struct TailStage {  // | tail [N] (default 10): the last N rows
  size_t count = 10;
  size_t col = 0;
};

struct FieldsStage {  // | fields a, b, ... (keep these, in this order) or | fields - a, b (drop these)
  std::vector<std::string> fields;
  bool remove = false;
  size_t col = 0;
};
struct TableStage {  // | table a, b, ...: rows become a table of exactly these columns
  std::vector<std::string> fields;
  size_t col = 0;
};
struct RenameStage {  // | rename a as b, c as d
  std::vector<std::pair<std::string, std::string>> renames;
  size_t col = 0;
};
struct DedupStage {  // | dedup [N] field, ...: keeps the first N rows (default 1) of each combination
  std::vector<std::string> fields;
  size_t keep = 1;
  size_t col = 0;
};
struct TopStage {  // | top [N] field, ... [by field, ...]: most common values, with count and percent
  std::vector<std::string> fields;
  std::vector<std::string> by;
  size_t limit = 10;
  bool rare = false;  // | rare: least common first
  size_t col = 0;
};

using Stage = std::variant<WhereStage, EvalStage, StatsStage, TimechartStage, SortStage, HeadStage, TailStage,
                           FieldsStage, TableStage, RenameStage, DedupStage, TopStage>;

// Time range given in the query text (`from=-24h to=now` before or after the search
// expression); empty when not given. Parameters of the request (--from/--to) win.
struct TimeBounds {
  std::string from, to;
};

struct Query {
  Expr filter;
  std::vector<Stage> stages;
  TimeBounds time;
};

// A canonical one-line form of an expression, e.g. (or (and a b) (not user:root)),
// for tests and for logs of what a query was understood as.
std::string to_string(const Expr& e);
std::string to_string(const ValueExpr& e);

}  // namespace vigil::query
