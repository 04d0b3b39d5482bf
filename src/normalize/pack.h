// Pack: one declarative parser pack (content/parsers/*.yaml) in compiled form — how
// to recognize a source's lines, extract their fields and map them onto OCSF.
// docs/parsers.md describes the YAML; pack_loader.h builds these, pack_set.h runs them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "core/field_dictionary.h"
#include "normalize/record.h"
#include "parse/kv.h"

namespace vigil {

// A test on an extracted field ("when", "require"): key op values.
struct Condition {
  enum class Op : uint8_t { Equals, Present, Absent, Prefix, Contains, Regex };
  std::string key;
  Op op = Op::Equals;
  std::vector<std::string> values;  // Equals/Prefix/Contains: any of them (case-insensitive)
  std::shared_ptr<RE2> regex;       // Regex
  bool negate = false;              // {not: ...}
  int slot = -1;                    // the key's slot in Pack::key_slots; -1: look it up by name
};

enum class ExtractKind : uint8_t { Regex, Kv, Csv, Json, Cef, Leef, Addresses, Builtin };

// One extraction step: reads the message (or an extracted field) and adds fields.
struct ExtractStep {
  ExtractKind kind = ExtractKind::Regex;
  std::string input;            // extracted field to read; empty: the message; "_line": the whole line
  std::string prefix;           // prepended to every key it adds ("cef." ...)
  bool optional = false;        // a step that finds nothing does not fail the pack
  std::string if_contains;      // run only when the text holds this literal (a cheap gate for a regex)
  int input_slot = -1;          // input's slot in Pack::key_slots; -1: look it up by name
  int line = 0;                 // in the pack file, for --explain
  // Regex: the first that matches wins; named groups become fields.
  std::vector<std::shared_ptr<RE2>> regexes;
  std::vector<std::vector<std::string>> group_names;  // per regex, index = capture group
  // Kv. kv_start: the pairs begin at this literal's first occurrence, and
  // the text before it, blanks trimmed, becomes the field kv_head (when named).
  KvOptions kv;
  std::string kv_start;
  std::string kv_head;
  // Csv: columns by position ("" skips one); extra columns become <prefix>col<N>.
  char csv_delimiter = ',';
  std::vector<std::string> columns;
  // Addresses: every IPv4/IPv6 literal of the text, as repeated <prefix><address_name> fields.
  std::string address_name = "address";
  // Builtin: a C++ mapper by name (linux_auth).
  std::string builtin;
};

enum class Conversion : uint8_t { Auto, String, Int, Float, Bool, Ip, Time };

// How a target field gets its value: from extracted fields, a constant, a lookup.
struct FieldMapping {
  std::string target;
  FieldId target_id = kNoField;
  Conversion type = Conversion::Auto;  // the loader resolves Auto by the target's name (field_conversion.h)
  std::vector<std::string> from;       // the first present of these fields
  std::vector<std::string> join;       // all present, joined by join_with
  std::string join_with = " ";
  // `from` names may end in [N]: the Nth value (from 0) of a repeated key, a JSON array
  // of scalars ("audit_token[5]"); -1: the last value, as Record::find. Parallel to `from`.
  std::vector<int> from_index;
  std::vector<int> from_slot;          // each `from` key's slot in Pack::key_slots; -1: by name
  std::vector<int> join_slot;          // the same for `join`
  int timezone_slot = -1;              // and for timezone_from
  std::string join_all;                // every value of this one repeated key, joined by join_with
  bool has_constant = false;
  std::string constant;
  std::string lookup;                  // table name in Pack::lookups
  bool has_default = false;
  std::string default_value;           // when the lookup has no entry (or no field present)
  std::string time_format;             // Time: epoch, rfc3339, syslog or a %Y-%m-%d ... pattern
  std::string timezone_from;           // Time: field holding "+08", "+0800", "+08:00", "UTC"
  std::string timezone;                // Time: fixed zone of the source
  int line = 0;
};

// One kind of event of a pack: chosen by its conditions, with its class and mappings.
struct EventCase {
  std::string name;                 // for --explain: "traffic", "login failed"
  std::vector<Condition> when;      // all must hold; none: the default case
  int class_uid = 0;
  std::vector<ExtractStep> extract; // more fields, only for this case
  std::vector<FieldMapping> fields; // applied before the pack's own (and win over them)
  int line = 0;
};

struct PackMatcher {
  std::vector<std::string> programs;  // syslog app name, any of (exact, case-insensitive)
  std::vector<std::string> prefixes;  // message starts with any of
  std::vector<std::string> contains;  // message contains any of
  std::vector<std::string> contains_all;  // message contains every one of
  std::shared_ptr<RE2> regex;         // message matches (unanchored)
  bool json = false;                  // the message is a JSON object (flattened into fields)
  std::vector<std::string> json_has;  // ... with every one of these keys (or objects)
  std::vector<std::string> json_roots;  // wrappers to see through: {"gcp":{...}} reads as {...}
  std::vector<Condition> require;     // on the extracted fields, after extraction
  bool syslog = false;                // the line has a syslog header (syslog: true)
  bool whole_line = false;            // read the whole line, syslog header included (read: line)
};

struct Pack {
  std::string name;         // "fortigate": metadata.log_provider, unmapped.<name>.*
  std::string file;         // where it was loaded from
  std::string description;
  std::string vendor, product;
  int priority = 100;       // lower runs first
  PackMatcher match;
  std::vector<ExtractStep> extract;
  std::vector<EventCase> cases;
  std::vector<FieldMapping> fields;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> lookups;  // keys lower-cased
  std::vector<std::string> null_values;  // values that mean "absent" ("N/A", "-"): never mapped
  size_t null_value_max = 0;             // the longest of them (the loader sets it)
  bool keep_unmapped = true;  // extracted fields no mapping read go to unmapped.<name>.<key>
  bool keep_names = false;    // ... or keep their own names (the source is OCSF already)
  KeySlots key_slots;         // the keys mappings, conditions and step inputs read (record.h)
};

}  // namespace vigil
