// A Sigma detection rule read from its YAML text into plain structs, checked as far as
// can be without events: every modifier known and applicable to its values, regexes
// that RE2 accepts, networks that parse, a condition that names only defined search
// identifiers. A refused rule gets one message naming the file, the line and why.
//
// Detection model: a search identifier (a "selection") is an OR of alternatives,
// each an AND of field matches; a field match is a field (empty for keywords, which
// search the whole event), its modifiers in order, and its values (OR, or AND with
// `all`). A map is one alternative; a list of maps is one alternative per map; a list
// of plain values is keywords.
//
// A file may hold several documents (`---`): detection rules, correlation rules
// (sigma_correlation semantics in docs/sigma.md) and filters (meta rules that add
// `and not <filter condition>` to the rules they name).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "detect/sigma_condition.h"

namespace vigil::detect {

enum class Modifier : uint8_t {
  Contains, StartsWith, EndsWith, All, Re, ReI, ReM, ReS, Base64, Base64Offset, Utf16le, Utf16be, Utf16, Wide,
  Windash, Cidr, Exists, Gt, Gte, Lt, Lte, Neq, FieldRef, Expand, Cased, Minute, Hour, Day, Week, Month, Year,
};
std::string_view modifier_name(Modifier m);

struct SigmaValue {
  enum class Kind : uint8_t { String, Number, Bool, Null };
  Kind kind = Kind::String;
  std::string text;    // as written (numbers and bools too; empty for null)
  double number = 0;   // Number
  bool boolean = false;
  bool quoted = false;  // written in quotes: a string even if it reads as a number
};

struct FieldMatch {
  std::string field;  // empty: keywords
  std::vector<Modifier> modifiers;
  std::vector<SigmaValue> values;
  int line = 0;  // 1-based, in the rule file
  bool has(Modifier m) const;
};

struct Selection {
  std::string name;
  std::vector<std::vector<FieldMatch>> alternatives;  // OR of ANDs
  int line = 0;
};

struct LogSource {
  std::string product, category, service;
};

struct SigmaRule {
  std::string file;
  int line = 0;  // where its document starts
  std::string id, name, title, status, level, description;
  std::vector<std::string> tags, falsepositives, fields;
  LogSource logsource;
  std::vector<Selection> selections;
  Condition condition;  // a list of conditions is their OR
};

// A filter: the rules it names match only where its condition does not hold.
struct SigmaFilter {
  std::string file;
  int line = 0;
  std::string id, title;
  LogSource logsource;
  std::vector<std::string> rules;  // ids or names
  std::vector<Selection> selections;
  Condition condition;
};

// A correlation over the matches of other rules (or correlations), per group-by
// key, within a sliding timespan.
struct SigmaCorrelation {
  enum class Type : uint8_t { EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile };
  enum class Op : uint8_t { Gt, Gte, Lt, Lte, Eq, Neq };
  struct Bound {
    Op op;
    double value;
  };
  std::string file;
  int line = 0;
  std::string id, name, title, status, level, description;
  std::vector<std::string> tags;
  Type type = Type::EventCount;
  std::vector<std::string> rules;     // ids or names, in order for temporal_ordered
  std::vector<std::string> group_by;  // fields or aliases
  TimeNs timespan = 0;
  std::vector<Bound> condition;       // all must hold (a range is two bounds)
  std::vector<std::string> field;     // value_*: the field(s) whose values count
  std::map<std::string, std::map<std::string, std::string>> aliases;  // alias -> rule name -> field
  bool generate = false;  // the named rules also alert on their own
};

struct SigmaDocument {
  enum class Kind : uint8_t { Rule, Correlation, Filter };
  Kind kind = Kind::Rule;
  SigmaRule rule;
  SigmaCorrelation correlation;
  SigmaFilter filter;
};

// Every document of a rule file, each read or refused on its own. `file` names the
// rule in messages ("rules/x.yml:12: unknown modifier 'contain'").
std::vector<Result<SigmaDocument>> parse_sigma_file(std::string_view yaml, std::string_view file);

// A file that must hold exactly one detection rule.
Result<SigmaRule> parse_sigma_rule(std::string_view yaml, std::string_view file);

// "30s", "5m", "1h", "7d" (also "2w") in ns: core's parse_duration, not zero.
std::optional<TimeNs> parse_timespan(std::string_view text);

}  // namespace vigil::detect
