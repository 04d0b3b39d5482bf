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
// Not read yet: correlation rules and filters (they are refused with that reason).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
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
  std::string id, title, status, level, description;
  std::vector<std::string> tags, falsepositives, fields;
  LogSource logsource;
  std::vector<Selection> selections;
  Condition condition;  // a list of conditions is their OR
};

// `file` names the rule in messages ("rules/x.yml:12: unknown modifier 'contain'").
Result<SigmaRule> parse_sigma_rule(std::string_view yaml, std::string_view file);

}  // namespace vigil::detect
