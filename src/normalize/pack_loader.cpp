// YAML -> Pack. Every mistake is refused with its file and line, and unknown keys are
// mistakes: a typo in a pack must not silently turn into a pack that matches nothing.
#include "normalize/pack_loader.h"
#include "normalize/record.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "normalize/field_conversion.h"
#include "normalize/grok.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

struct Refused {
  std::string why;
};

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void refuse(const YAML::Node& at, const std::string& why) const {
    int line = at.IsDefined() && !at.Mark().is_null() ? at.Mark().line + 1 : 0;
    throw Refused{file_ + (line ? ":" + std::to_string(line) : std::string()) + ": " + why};
  }
  static int line_of(const YAML::Node& n) { return n.IsDefined() && !n.Mark().is_null() ? n.Mark().line + 1 : 0; }

  std::string scalar(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) refuse(n, what + " must be a single value");
    return n.Scalar();
  }
  std::vector<std::string> scalars(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out;
    if (n.IsScalar()) out.push_back(n.Scalar());
    else if (n.IsSequence())
      for (const auto& v : n) out.push_back(scalar(v, what));
    else refuse(n, what + " must be a value or a list of values");
    return out;
  }
  int integer(const YAML::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 0 || v > 1'000'000) refuse(n, what + " must be a whole number, not '" + s + "'");
    return static_cast<int>(v);
  }
  bool boolean(const YAML::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    if (s == "true" || s == "yes") return true;
    if (s == "false" || s == "no") return false;
    refuse(n, what + " must be true or false, not '" + s + "'");
  }
  void only_keys(const YAML::Node& map, std::initializer_list<const char*> keys, const std::string& what) const {
    if (!map.IsMap()) refuse(map, what + " must be a mapping");
    for (const auto& kv : map) {
      const std::string k = kv.first.Scalar();
      if (std::none_of(keys.begin(), keys.end(), [&](const char* x) { return k == x; })) {
        std::string list;
        for (const char* x : keys) list += std::string(list.empty() ? "" : ", ") + x;
        refuse(kv.first, "unknown key '" + k + "' in " + what + " (known: " + list + ")");
      }
    }
  }

  std::shared_ptr<RE2> regex(const YAML::Node& n, const std::string& what) {
    std::string expanded, error;
    if (!expand_patterns(scalar(n, what), patterns_, expanded, error)) refuse(n, what + ": " + error);
    RE2::Options opt;
    opt.set_log_errors(false);
    opt.set_max_mem(8 << 20);
    auto re = std::make_shared<RE2>(expanded, opt);
    if (!re->ok()) refuse(n, what + ": " + re->error());
    return re;
  }

  std::vector<Condition> conditions(const YAML::Node& n, const std::string& what) {
    if (!n.IsMap()) refuse(n, what + " must map field names to values");
    std::vector<Condition> out;
    for (const auto& kv : n) {
      Condition c;
      c.key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (v.IsScalar() || v.IsSequence()) {
        c.values = scalars(v, what + " '" + c.key + "'");
      } else if (v.IsMap()) {
        only_keys(v, {"present", "absent", "prefix", "contains", "regex", "not", "equals"}, what + " '" + c.key + "'");
        if (v.size() != 1) refuse(v, what + " '" + c.key + "' takes one test");
        const auto& test = *v.begin();
        const std::string op = test.first.Scalar();
        if (op == "present") c.op = boolean(test.second, op) ? Condition::Op::Present : Condition::Op::Absent;
        else if (op == "absent") c.op = boolean(test.second, op) ? Condition::Op::Absent : Condition::Op::Present;
        else if (op == "prefix") c.op = Condition::Op::Prefix, c.values = scalars(test.second, op);
        else if (op == "contains") c.op = Condition::Op::Contains, c.values = scalars(test.second, op);
        else if (op == "regex") c.op = Condition::Op::Regex, c.regex = regex(test.second, what + " '" + c.key + "'");
        else if (op == "not") c.negate = true, c.values = scalars(test.second, op);
        else c.values = scalars(test.second, op);
      } else {
        refuse(v, what + " '" + c.key + "' has no value");
      }
      for (std::string& s : c.values) std::transform(s.begin(), s.end(), s.begin(), ::tolower);
      out.push_back(std::move(c));
    }
    return out;
  }

  ExtractStep step(const YAML::Node& n) {
    only_keys(n, {"regex", "kv", "csv", "json", "cef", "leef", "addresses", "builtin", "input", "prefix", "optional", "if_contains"}, "an extract step");
    ExtractStep s;
    s.line = line_of(n);
    int kinds = 0;
    if (n["input"]) s.input = scalar(n["input"], "input");
    if (n["prefix"]) s.prefix = scalar(n["prefix"], "prefix");
    if (n["optional"]) s.optional = boolean(n["optional"], "optional");
    if (n["if_contains"]) s.if_contains = scalar(n["if_contains"], "if_contains"), s.optional = true;
    if (const auto& r = n["regex"]) {
      ++kinds;
      s.kind = ExtractKind::Regex;
      std::vector<YAML::Node> list;
      if (r.IsSequence()) for (const auto& x : r) list.push_back(x);
      else list.push_back(r);
      for (const auto& x : list) {
        auto re = regex(x, "regex");
        std::vector<std::string> names(re->NumberOfCapturingGroups() + 1);
        for (const auto& [name, index] : re->NamedCapturingGroups()) names[index] = name;
        s.regexes.push_back(std::move(re));
        s.group_names.push_back(std::move(names));
      }
      if (s.regexes.empty()) refuse(r, "regex: give at least one");
    }
    if (const auto& k = n["kv"]) {
      ++kinds;
      s.kind = ExtractKind::Kv;
      if (k.IsMap()) {
        only_keys(k, {"separator", "assign", "quotes", "start", "head"}, "kv");
        if (k["separator"]) s.kv.pair_separator = one_char(k["separator"], "separator");
        if (k["assign"]) s.kv.assign = one_char(k["assign"], "assign");
        if (k["quotes"]) s.kv.quotes = boolean(k["quotes"], "quotes");
        if (k["start"]) s.kv_start = scalar(k["start"], "start");
        if (k["head"]) s.kv_head = scalar(k["head"], "head");
        if (k["start"] && s.kv_start.empty()) refuse(k["start"], "kv start: give the literal the pairs begin with (\"IN=\")");
        if (k["head"] && !k["start"]) refuse(k["head"], "kv head: names the text before start:, so it needs start");
      }
    }
    if (const auto& c = n["csv"]) {
      ++kinds;
      s.kind = ExtractKind::Csv;
      only_keys(c, {"columns", "delimiter"}, "csv");
      if (c["delimiter"]) s.csv_delimiter = one_char(c["delimiter"], "delimiter");
      if (!c["columns"]) refuse(c, "csv needs columns: [name, ...]");
      s.columns = scalars(c["columns"], "columns");
    }
    if (n["json"]) ++kinds, s.kind = ExtractKind::Json;
    if (n["cef"]) ++kinds, s.kind = ExtractKind::Cef;
    if (n["leef"]) ++kinds, s.kind = ExtractKind::Leef;
    if (const auto& a = n["addresses"]) {
      ++kinds;
      s.kind = ExtractKind::Addresses;
      s.optional = true;
      if (a.IsMap()) {
        only_keys(a, {"name"}, "addresses");
        if (a["name"]) s.address_name = scalar(a["name"], "name");
        if (s.address_name.empty()) refuse(a["name"], "addresses name: give the field name for the addresses");
      }
    }
    if (const auto& b = n["builtin"]) {
      ++kinds;
      s.kind = ExtractKind::Builtin;
      s.builtin = scalar(b, "builtin");
      if (s.builtin != "linux_auth") refuse(b, "unknown builtin '" + s.builtin + "' (known: linux_auth)");
    }
    if (kinds != 1) refuse(n, "an extract step names exactly one of regex, kv, csv, json, cef, leef, addresses, builtin");
    return s;
  }

  char one_char(const YAML::Node& n, const std::string& what) const {
    std::string s = scalar(n, what);
    if (s == "\\t" || s == "tab") return '\t';
    if (s.size() != 1) refuse(n, what + " must be one character, not '" + s + "'");
    return s[0];
  }

  std::vector<ExtractStep> steps(const YAML::Node& n) {
    if (!n.IsSequence()) refuse(n, "extract must be a list of steps");
    std::vector<ExtractStep> out;
    for (const auto& s : n) out.push_back(step(s));
    return out;
  }

  FieldMapping mapping(const std::string& target, const YAML::Node& n) {
    FieldMapping m;
    m.target = target;
    m.line = line_of(n);
    if (target.empty()) refuse(n, "a field needs a name");
    if (n.IsScalar() || n.IsSequence()) {
      m.from = scalars(n, target);
    } else if (n.IsMap()) {
      only_keys(n, {"from", "join", "join_with", "join_all", "value", "lookup", "default", "type", "format", "timezone_from", "timezone"},
                "field '" + target + "'");
      if (n["from"]) m.from = scalars(n["from"], "from");
      if (n["join"]) m.join = scalars(n["join"], "join");
      if (n["join_with"]) m.join_with = n["join_with"].Scalar();
      if (n["join_all"]) m.join_all = scalar(n["join_all"], "join_all");
      if (!m.join.empty() && !m.join_all.empty()) refuse(n, "field '" + target + "' takes join or join_all, not both");
      if (n["value"]) m.has_constant = true, m.constant = scalar(n["value"], "value");
      if (n["lookup"]) {
        m.lookup = scalar(n["lookup"], "lookup");
        if (!lookups_->count(m.lookup)) refuse(n["lookup"], "no lookup table '" + m.lookup + "' (define it under lookups:)");
      }
      if (n["default"]) m.has_default = true, m.default_value = scalar(n["default"], "default");
      if (n["type"]) m.type = conversion(n["type"]);
      if (n["format"]) m.time_format = scalar(n["format"], "format");
      if (n["timezone_from"]) m.timezone_from = scalar(n["timezone_from"], "timezone_from");
      if (n["timezone"]) m.timezone = scalar(n["timezone"], "timezone");
      if (m.from.empty() && m.join.empty() && m.join_all.empty() && !m.has_constant && !m.has_default)
        refuse(n, "field '" + target + "' needs from, join, join_all or value");
    } else {
      refuse(n, "field '" + target + "' has no value");
    }
    index_suffixes(m, n);
    m.target_id = field_id(target);
    if (m.target_id == kNoField) refuse(n, "field name '" + target + "' is refused by the field dictionary");
    if (m.type == Conversion::Auto) m.type = conversion_for_target(target);
    return m;
  }

  // "process.audit_token[5]" in `from`: the key and the index of the value it reads.
  // A "*" (any one key segment, "event.*.instigator.pid") must be a whole segment.
  void index_suffixes(FieldMapping& m, const YAML::Node& n) const {
    m.from_index.assign(m.from.size(), -1);
    for (size_t i = 0; i < m.from.size(); ++i) {
      std::string& k = m.from[i];
      for (size_t at = k.find('*'); at != std::string::npos; at = k.find('*', at + 1))
        if ((at > 0 && k[at - 1] != '.') || (at + 1 < k.size() && k[at + 1] != '.' && k[at + 1] != '['))
          refuse(n, "'" + k + "': a * stands for a whole key segment (a.*.b)");
      const size_t open = k.rfind('[');
      if (k.empty() || k.back() != ']' || open == std::string::npos) continue;
      const std::string digits = k.substr(open + 1, k.size() - open - 2);
      if (digits.empty() || digits.size() > 4 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) || open == 0)
        refuse(n, "'" + k + "': an index is [0] to [9999] after a key");
      m.from_index[i] = std::stoi(digits);
      k.resize(open);
    }
  }

  Conversion conversion(const YAML::Node& n) const {
    std::string s = scalar(n, "type");
    if (s == "string") return Conversion::String;
    if (s == "int") return Conversion::Int;
    if (s == "float") return Conversion::Float;
    if (s == "bool") return Conversion::Bool;
    if (s == "ip") return Conversion::Ip;
    if (s == "time") return Conversion::Time;
    refuse(n, "type must be string, int, float, bool, ip or time, not '" + s + "'");
  }

  void mappings(const YAML::Node& fields, const YAML::Node& set, std::vector<FieldMapping>& out) {
    if (fields) {
      if (!fields.IsMap()) refuse(fields, "fields must map OCSF names to sources");
      for (const auto& kv : fields) out.push_back(mapping(kv.first.Scalar(), kv.second));
    }
    if (set) {
      if (!set.IsMap()) refuse(set, "set must map OCSF names to constants");
      for (const auto& kv : set) {
        FieldMapping m;
        m.target = kv.first.Scalar();
        m.line = line_of(kv.second);
        m.has_constant = true;
        m.constant = scalar(kv.second, m.target);
        m.target_id = field_id(m.target);
        m.type = conversion_for_target(m.target);
        out.push_back(std::move(m));
      }
    }
  }

  Pack load(const YAML::Node& root) {
    if (!root.IsMap()) refuse(root, "a parser pack is a YAML mapping (pack:, match:, extract:, fields: ...)");
    only_keys(root, {"pack", "description", "vendor", "product", "priority", "match", "patterns", "lookups", "extract",
                     "events", "fields", "set", "unmapped", "null_values", "keep_names"},
              "a pack");
    Pack p;
    p.file = file_;
    if (!root["pack"]) refuse(root, "missing 'pack:' (the pack's name)");
    p.name = scalar(root["pack"], "pack");
    if (p.name.empty() || p.name.size() > 48 ||
        !std::all_of(p.name.begin(), p.name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }))
      refuse(root["pack"], "pack name '" + p.name + "' must be 1-48 of a-z 0-9 _ -");
    if (root["description"]) p.description = scalar(root["description"], "description");
    if (root["vendor"]) p.vendor = scalar(root["vendor"], "vendor");
    if (root["product"]) p.product = scalar(root["product"], "product");
    if (root["priority"]) p.priority = integer(root["priority"], "priority");
    if (root["null_values"]) p.null_values = scalars(root["null_values"], "null_values");
    for (const std::string& v : p.null_values) p.null_value_max = std::max(p.null_value_max, v.size());
    if (root["keep_names"]) p.keep_names = boolean(root["keep_names"], "keep_names");
    if (root["unmapped"]) p.keep_unmapped = boolean(root["unmapped"], "unmapped");
    if (const auto& pt = root["patterns"]) {
      if (!pt.IsMap()) refuse(pt, "patterns must map names to regexes");
      for (const auto& kv : pt) patterns_[kv.first.Scalar()] = scalar(kv.second, "pattern");
    }
    if (const auto& lk = root["lookups"]) {
      if (!lk.IsMap()) refuse(lk, "lookups must map table names to tables");
      for (const auto& t : lk) {
        if (!t.second.IsMap()) refuse(t.second, "lookup table '" + t.first.Scalar() + "' must map values to values");
        auto& table = p.lookups[t.first.Scalar()];
        for (const auto& kv : t.second) {
          std::string k = kv.first.Scalar();
          std::transform(k.begin(), k.end(), k.begin(), ::tolower);
          table[k] = scalar(kv.second, "lookup value");
        }
      }
    }
    lookups_ = &p.lookups;
    const YAML::Node& m = root["match"];
    if (!m) refuse(root, "missing 'match:' (how to recognize the pack's lines)");
    only_keys(m, {"program", "prefix", "contains", "contains_all", "regex", "json", "json_has", "require", "read", "syslog", "json_root"}, "match");
    if (m["json_root"]) p.match.json = true, p.match.json_roots = scalars(m["json_root"], "json_root");
    if (m["syslog"]) p.match.syslog = boolean(m["syslog"], "syslog");
    if (m["read"]) {
      std::string r = scalar(m["read"], "read");
      if (r != "line" && r != "message") refuse(m["read"], "read must be line or message, not '" + r + "'");
      p.match.whole_line = r == "line";
    }
    if (m["program"]) {
      p.match.programs = scalars(m["program"], "program");
      for (auto& s : p.match.programs) std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    }
    if (m["prefix"]) p.match.prefixes = scalars(m["prefix"], "prefix");
    if (m["contains"]) p.match.contains = scalars(m["contains"], "contains");
    if (m["contains_all"]) p.match.contains_all = scalars(m["contains_all"], "contains_all");
    if (m["regex"]) p.match.regex = regex(m["regex"], "match regex");
    if (m["json"]) p.match.json = boolean(m["json"], "json");
    if (m["json_has"]) p.match.json = true, p.match.json_has = scalars(m["json_has"], "json_has");
    if (m["require"]) p.match.require = conditions(m["require"], "require");
    if (p.match.programs.empty() && p.match.prefixes.empty() && p.match.contains.empty() && p.match.contains_all.empty() &&
        !p.match.regex && !p.match.json && !p.match.syslog)
      refuse(m, "match needs at least one of program, prefix, contains, contains_all, regex, json, json_has, syslog");
    if (root["extract"]) p.extract = steps(root["extract"]);
    if (const auto& ev = root["events"]) {
      if (!ev.IsSequence()) refuse(ev, "events must be a list of cases");
      for (const auto& c : ev) {
        only_keys(c, {"name", "when", "class", "extract", "fields", "set"}, "an event case");
        EventCase e;
        e.line = line_of(c);
        if (c["name"]) e.name = scalar(c["name"], "name");
        if (c["when"]) e.when = conditions(c["when"], "when");
        if (!c["class"]) refuse(c, "an event case needs class: (an OCSF class_uid, 0 for Base Event)");
        e.class_uid = integer(c["class"], "class");
        if (c["extract"]) e.extract = steps(c["extract"]);
        mappings(c["fields"], c["set"], e.fields);
        p.cases.push_back(std::move(e));
      }
    }
    mappings(root["fields"], root["set"], p.fields);
    return p;
  }

 private:
  std::string file_;
  PatternTable patterns_;
  const std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>>* lookups_ = nullptr;
};

// Numbers every key the pack reads by name (record.h KeySlots). Wildcards and [N]
// indexes keep their look-up by name.
void assign_slots(Pack& p) {
  KeySlots& ks = p.key_slots;
  auto mappings = [&](std::vector<FieldMapping>& list) {
    for (FieldMapping& m : list) {
      m.from_slot.clear();
      for (size_t i = 0; i < m.from.size(); ++i) {
        const bool by_name = m.from[i].find('*') != std::string::npos || (i < m.from_index.size() && m.from_index[i] >= 0);
        m.from_slot.push_back(by_name ? -1 : ks.add(m.from[i]));
      }
      m.join_slot.clear();
      for (const std::string& k : m.join) m.join_slot.push_back(ks.add(k));
      m.timezone_slot = m.timezone_from.empty() ? -1 : ks.add(m.timezone_from);
    }
  };
  auto conditions = [&](std::vector<Condition>& list) {
    for (Condition& c : list) c.slot = ks.add(c.key);
  };
  auto steps = [&](std::vector<ExtractStep>& list) {
    for (ExtractStep& st : list)
      st.input_slot = st.input.empty() || st.input == "_line" || st.input.find('*') != std::string::npos ? -1 : ks.add(st.input);
  };
  steps(p.extract);
  conditions(p.match.require);
  for (EventCase& c : p.cases) {
    conditions(c.when);
    steps(c.extract);
    mappings(c.fields);
  }
  mappings(p.fields);
}

}  // namespace

void load_pack_text(std::string_view yaml, const std::string& file, PackLoad& into) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    Loader loader(file);
    Pack p = loader.load(root);
    assign_slots(p);
    for (const auto& other : into.packs)
      if (other->name == p.name) throw Refused{file + ": pack name '" + p.name + "' is already used by " + other->file};
    into.packs.push_back(std::make_shared<const Pack>(std::move(p)));
  } catch (const Refused& r) {
    into.refusals.push_back(r.why);
  } catch (const YAML::Exception& e) {
    into.refusals.push_back(file + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
}

PackLoad load_pack_dir(const std::string& dir) {
  PackLoad out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.refusals.push_back(dir + ": no such directory of parser packs");
    return out;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      out.refusals.push_back(f.string() + ": cannot read");
      continue;
    }
    load_pack_text(text.str(), f.string(), out);
  }
  return out;
}

std::string default_parsers_dir() {
  if (const char* env = std::getenv("VIGIL_CONTENT"); env && *env) return std::string(env) + "/parsers";
#ifdef VIGIL_CONTENT_DIR
  std::error_code ec;
  if (fs::is_directory(VIGIL_CONTENT_DIR "/parsers", ec)) return VIGIL_CONTENT_DIR "/parsers";
#endif
  return "content/parsers";
}

}  // namespace vigil
