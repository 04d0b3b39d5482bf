// Sigma log sources and field names mapped onto Vigil's events, read from the data
// files content/sigma/logsources.yaml (which events are of a rule's log source) and
// content/sigma/fields.yaml (which OCSF paths hold a Sigma field). The files' header
// comments define the formats and the resolution order; this is their loader and the
// lookups the matcher uses. A refused file gets one message "file:line: reason".
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "detect/sigma_rule.h"

namespace vigil::detect {

// One `field: value(s)` of an alternative: the event's field (its own dotted path,
// never mapped) equals one of the values, as text, ASCII case folded.
struct FieldCondition {
  std::string field;
  std::vector<std::string> values;  // any of them
};

struct LogsourceEntry {
  LogSource match;  // lower-cased; empty product: any product
  std::vector<std::vector<FieldCondition>> when;  // OR of ANDs; empty: any event
  std::vector<int> ocsf_classes;  // information, never a condition by itself
  int line = 0;                   // in logsources.yaml
};

// The fields of one block of fields.yaml, for one log source (a block with lists of
// products or categories becomes one of these per combination).
struct FieldBlock {
  LogSource match;  // lower-cased; empty: any
  struct Paths {
    std::vector<std::string> paths;  // empty: `~`, no OCSF home
    int line = 0;
  };
  std::unordered_map<std::string, Paths> fields;  // Sigma field name (as written) -> paths
  int line = 0;  // of the block, in fields.yaml
};

struct SigmaMappings {
  std::vector<LogsourceEntry> logsources;
  std::vector<FieldBlock> blocks;

  // The entry for a rule's log source: the most specific one that matches; nullptr
  // when none does (the source is not supported: don't run the rule).
  const LogsourceEntry* logsource(const LogSource& ls) const;

  // OCSF paths for a Sigma field under a log source, most specific mapping first,
  // without repeats; empty when unmapped. The matcher tries these, then the name itself.
  std::vector<std::string> ocsf_paths(const LogSource& ls, std::string_view sigma_field) const;

  // True when fields.yaml says, with `~`, that the field has no OCSF path under this
  // log source (as opposed to nobody having mapped it).
  bool no_ocsf_home(const LogSource& ls, std::string_view sigma_field) const;
};

// Reads dir/logsources.yaml and dir/fields.yaml.
Result<SigmaMappings> load_sigma_mappings(const std::string& dir);
// The same from texts; messages name the files "logsources.yaml" and "fields.yaml".
Result<SigmaMappings> parse_sigma_mappings(std::string_view logsources_yaml, std::string_view fields_yaml);

// The values an event has for a field, as text (an integer in decimal); empty when
// it hasn't the field. Several values for a repeated field.
using EventFieldValues = std::function<std::vector<std::string>(std::string_view field)>;

// Whether an event is of the entry's log source: some alternative of `when` has every
// condition met (a condition is met when one of the event's values equals one of its
// values, ASCII case folded). No alternatives: any event is.
bool event_is_of(const LogsourceEntry& entry, const EventFieldValues& values);

// Fields the rules use (keywords aside) that have no OCSF path under their rule's log
// source, with how many rules use each; most used first.
struct UnmappedField {
  LogSource logsource;  // lower-cased
  std::string field;
  size_t rules = 0;
  bool no_ocsf_home = false;  // fields.yaml says so with `~`
};
std::vector<UnmappedField> unmapped_fields(const std::vector<SigmaRule>& rules, const SigmaMappings& m);

}  // namespace vigil::detect
