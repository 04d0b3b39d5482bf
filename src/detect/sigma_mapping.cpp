// content/sigma/{logsources,fields}.yaml -> SigmaMappings, and its lookups; see
// sigma_mapping.h and the files' header comments.
#include "detect/sigma_mapping.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace vigil::detect {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

LogSource lowered(const LogSource& ls) { return {lower(ls.product), lower(ls.category), lower(ls.service)}; }

// More keys set is more specific; among as many keys, category > service > product.
int specificity(const LogSource& ls) {
  const int p = !ls.product.empty(), c = !ls.category.empty(), s = !ls.service.empty();
  return (p + c + s) * 8 + c * 4 + s * 2 + p;
}

std::string describe(const LogSource& ls) {
  std::string out = "{";
  auto add = [&](const char* key, const std::string& v) {
    if (v.empty()) return;
    if (out.size() > 1) out += ", ";
    out += key;
    out += ": ";
    out += v;
  };
  add("product", ls.product);
  add("category", ls.category);
  add("service", ls.service);
  return out + "}";
}

// A logsources.yaml entry's empty product is any product; its category and service
// must be the rule's (both empty included), so that an unknown category never falls
// back to the product's entry. `rule` is lower-cased.
bool entry_matches(const LogSource& entry, const LogSource& rule) {
  if (!entry.product.empty() && entry.product != rule.product) return false;
  return entry.category == rule.category && entry.service == rule.service;
}

// A fields.yaml block's empty key is any value.
bool block_matches(const LogSource& block, const LogSource& rule) {
  return (block.product.empty() || block.product == rule.product) &&
         (block.category.empty() || block.category == rule.category) &&
         (block.service.empty() || block.service == rule.service);
}

struct Resolved {
  std::vector<std::string> paths;
  bool declared_none = false;  // a `~` was met
};

Resolved resolve(const SigmaMappings& m, const LogSource& ls, std::string_view field) {
  const LogSource rule = lowered(ls);
  std::vector<const FieldBlock*> matching;
  for (const FieldBlock& b : m.blocks) {
    if (block_matches(b.match, rule)) matching.push_back(&b);
  }
  std::stable_sort(matching.begin(), matching.end(), [](const FieldBlock* a, const FieldBlock* b) {
    return specificity(a->match) > specificity(b->match);
  });
  Resolved r;
  const std::string key(field);
  for (const FieldBlock* b : matching) {
    auto it = b->fields.find(key);
    if (it == b->fields.end()) continue;
    if (it->second.paths.empty()) {
      r.declared_none = true;
      break;
    }
    for (const std::string& p : it->second.paths) {
      if (std::find(r.paths.begin(), r.paths.end(), p) == r.paths.end()) r.paths.push_back(p);
    }
  }
  return r;
}

struct Refused {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  [[noreturn]] void refuse(const YAML::Node& at, const std::string& why) const {
    const int line = at.IsDefined() && !at.Mark().is_null() ? at.Mark().line + 1 : 0;
    throw Refused{file_ + (line ? ":" + std::to_string(line) : std::string()) + ": " + why};
  }
  [[noreturn]] void refuse_line(int line, const std::string& why) const {
    throw Refused{file_ + ":" + std::to_string(line) + ": " + why};
  }

  // The root map's one list, `key`.
  YAML::Node root_list(const YAML::Node& root, const char* key) const {
    if (!root.IsMap()) refuse(root, std::string("the file is a map with one key, '") + key + "' (a list)");
    for (const auto& kv : root) {
      const std::string k = kv.first.as<std::string>();
      if (k != key) refuse(kv.first, "unknown key '" + k + "' (the file has only '" + key + "')");
    }
    const YAML::Node list = root[key];
    if (!list || !list.IsSequence()) refuse(list ? list : root, std::string("'") + key + "' must be a list");
    return list;
  }

  std::string text(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) refuse(n, what + " must be a single value");
    return n.as<std::string>();
  }

  // A value or a non-empty list of values.
  std::vector<std::string> texts(const YAML::Node& n, const std::string& what) const {
    if (n.IsScalar()) return {n.as<std::string>()};
    if (!n.IsSequence() || n.size() == 0) refuse(n, what + " must be a value or a non-empty list of values");
    std::vector<std::string> out;
    for (const auto& x : n) {
      if (!x.IsScalar()) refuse(x, what + " must be a value or a non-empty list of values");
      out.push_back(x.as<std::string>());
    }
    return out;
  }

  int line(const YAML::Node& n) const { return n.Mark().is_null() ? 0 : n.Mark().line + 1; }

 private:
  std::string file_;
};

// ---- logsources.yaml ----------------------------------------------------------------

std::vector<LogsourceEntry> read_logsources(const YAML::Node& root, const Reader& r) {
  std::vector<LogsourceEntry> out;
  std::map<std::string, int> seen;  // describe(match) -> line
  for (const YAML::Node& e : r.root_list(root, "logsources")) {
    if (!e.IsMap()) r.refuse(e, "an entry is a map (product, category, service, when, ocsf_classes)");
    LogsourceEntry entry;
    entry.line = r.line(e);
    for (const auto& kv : e) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node v = kv.second;
      if (key == "product" || key == "category" || key == "service") {
        std::string value = v.IsNull() ? std::string() : lower(r.text(v, "'" + key + "'"));
        (key == "product" ? entry.match.product : key == "category" ? entry.match.category : entry.match.service) = value;
      } else if (key == "when") {
        if (v.IsNull()) continue;
        if (!v.IsSequence()) r.refuse(v, "'when' is a list of alternatives, each a map of field: value(s)");
        for (const auto& alt : v) {
          if (!alt.IsMap()) r.refuse(alt, "an alternative of 'when' is a map of field: value(s)");
          if (alt.size() == 0) r.refuse(alt, "an empty alternative matches any event: leave 'when' out instead");
          std::vector<FieldCondition> all;
          for (const auto& c : alt) {
            const std::string field = c.first.as<std::string>();
            if (field.empty()) r.refuse(c.first, "a condition needs a field name");
            for (const FieldCondition& prev : all) {
              if (prev.field == field) r.refuse(c.first, "'" + field + "' twice in one alternative");
            }
            all.push_back({field, r.texts(c.second, "the value of '" + field + "'")});
          }
          entry.when.push_back(std::move(all));
        }
      } else if (key == "ocsf_classes") {
        if (v.IsNull()) continue;
        if (!v.IsSequence()) r.refuse(v, "'ocsf_classes' must be a list of class_uid integers");
        for (const auto& x : v) {
          const std::string t = x.IsScalar() ? x.as<std::string>() : std::string();
          int uid = -1;
          const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), uid);
          if (t.empty() || ec != std::errc() || end != t.data() + t.size() || uid < 0)
            r.refuse(x, "'ocsf_classes' must be a list of class_uid integers, not '" + t + "'");
          entry.ocsf_classes.push_back(uid);
        }
      } else {
        r.refuse(kv.first, "unknown key '" + key + "' (an entry has product, category, service, when, ocsf_classes)");
      }
    }
    if (entry.match.product.empty() && entry.match.category.empty() && entry.match.service.empty())
      r.refuse(e, "an entry needs a product, a category or a service");
    const std::string id = describe(entry.match);
    if (auto [it, fresh] = seen.emplace(id, entry.line); !fresh)
      r.refuse(e, id + " already has an entry at line " + std::to_string(it->second));
    out.push_back(std::move(entry));
  }
  return out;
}

// ---- fields.yaml --------------------------------------------------------------------

std::vector<FieldBlock> read_fields(const YAML::Node& root, const Reader& r) {
  std::vector<FieldBlock> out;
  std::map<std::string, size_t> by_source;  // describe(match) -> index in out
  for (const YAML::Node& b : r.root_list(root, "mappings")) {
    if (!b.IsMap()) r.refuse(b, "a block is a map with 'logsource' and 'fields'");
    for (const auto& kv : b) {
      const std::string key = kv.first.as<std::string>();
      if (key != "logsource" && key != "fields")
        r.refuse(kv.first, "unknown key '" + key + "' (a block has 'logsource' and 'fields')");
    }
    const YAML::Node ls = b["logsource"], fields = b["fields"];
    if (!ls || !ls.IsMap()) r.refuse(ls ? ls : b, "a block needs 'logsource', a map of product, category, service");
    if (!fields || !fields.IsMap() || fields.size() == 0)
      r.refuse(fields ? fields : b, "a block needs 'fields', a map of Sigma field: OCSF path(s)");

    std::vector<std::string> keys[3] = {{""}, {""}, {""}};  // product, category, service
    for (const auto& kv : ls) {
      const std::string key = kv.first.as<std::string>();
      const int i = key == "product" ? 0 : key == "category" ? 1 : key == "service" ? 2 : -1;
      if (i < 0) r.refuse(kv.first, "unknown key '" + key + "' in 'logsource' (product, category, service)");
      keys[i] = r.texts(kv.second, "'" + key + "'");
      for (std::string& k : keys[i]) k = lower(k);
    }

    // The block's fields, checked once.
    std::vector<std::pair<std::string, FieldBlock::Paths>> mapped;
    for (const auto& kv : fields) {
      const std::string field = kv.first.as<std::string>();
      if (field.empty()) r.refuse(kv.first, "a Sigma field name is needed");
      FieldBlock::Paths p;
      p.line = r.line(kv.first);
      if (!kv.second.IsNull()) {
        p.paths = r.texts(kv.second, "the path of '" + field + "'");
        for (const std::string& path : p.paths) {
          // A source's own name may hold spaces (Defender's "Threat Name"); tabs and
          // line breaks are never part of a field name.
          if (path.empty() || path.find_first_of("\t\r\n") != std::string::npos || path.front() == ' ' ||
              path.back() == ' ')
            r.refuse(kv.second, "'" + path + "' is not a field name (for '" + field + "')");
        }
      }
      mapped.emplace_back(field, std::move(p));
    }

    for (const std::string& product : keys[0]) {
      for (const std::string& category : keys[1]) {
        for (const std::string& service : keys[2]) {
          const LogSource match{product, category, service};
          const std::string id = describe(match);
          auto [it, fresh] = by_source.emplace(id, out.size());
          if (fresh) out.push_back(FieldBlock{.match = match, .line = r.line(b)});
          FieldBlock& block = out[it->second];
          for (const auto& [field, paths] : mapped) {
            auto [f, added] = block.fields.emplace(field, paths);
            if (!added)
              r.refuse_line(paths.line, "'" + field + "' for " + id + " is already mapped at line " +
                                            std::to_string(f->second.line));
          }
        }
      }
    }
  }
  return out;
}

// One document read with YAML::Load (yaml-cpp 0.7's LoadAll can hang on bad input).
template <typename T, typename Read>
T read_file(std::string_view text, std::string_view name, Read read) {
  const Reader r(name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    throw Refused{std::string(name) + (line ? ":" + std::to_string(line) : std::string()) + ": " + e.msg};
  }
  try {
    return read(root, r);
  } catch (const YAML::Exception& e) {  // a conversion the checks above did not foresee
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    throw Refused{std::string(name) + (line ? ":" + std::to_string(line) : std::string()) + ": " + e.msg};
  }
}

Result<SigmaMappings> parse_named(std::string_view logsources_yaml, std::string_view logsources_name,
                                  std::string_view fields_yaml, std::string_view fields_name) {
  try {
    SigmaMappings m;
    m.logsources = read_file<std::vector<LogsourceEntry>>(logsources_yaml, logsources_name, read_logsources);
    m.blocks = read_file<std::vector<FieldBlock>>(fields_yaml, fields_name, read_fields);
    return m;
  } catch (const Refused& r) {
    return Status::error(r.message);
  }
}

}  // namespace

const LogsourceEntry* SigmaMappings::logsource(const LogSource& ls) const {
  const LogSource rule = lowered(ls);
  const LogsourceEntry* best = nullptr;
  for (const LogsourceEntry& e : logsources) {
    if (entry_matches(e.match, rule) && (!best || specificity(e.match) > specificity(best->match))) best = &e;
  }
  return best;
}

std::vector<std::string> SigmaMappings::ocsf_paths(const LogSource& ls, std::string_view sigma_field) const {
  return resolve(*this, ls, sigma_field).paths;
}

bool SigmaMappings::no_ocsf_home(const LogSource& ls, std::string_view sigma_field) const {
  const Resolved r = resolve(*this, ls, sigma_field);
  return r.paths.empty() && r.declared_none;
}

Result<SigmaMappings> parse_sigma_mappings(std::string_view logsources_yaml, std::string_view fields_yaml) {
  return parse_named(logsources_yaml, "logsources.yaml", fields_yaml, "fields.yaml");
}

Result<SigmaMappings> load_sigma_mappings(const std::string& dir) {
  std::string texts[2];
  const std::string names[2] = {dir + "/logsources.yaml", dir + "/fields.yaml"};
  for (int i = 0; i < 2; ++i) {
    std::ifstream in(names[i], std::ios::binary);
    if (!in) return Status::error(names[i] + ": cannot read the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    texts[i] = ss.str();
  }
  return parse_named(texts[0], names[0], texts[1], names[1]);
}

bool event_is_of(const LogsourceEntry& entry, const EventFieldValues& values) {
  if (entry.when.empty()) return true;
  for (const auto& all : entry.when) {
    bool ok = true;
    for (const FieldCondition& c : all) {
      const std::vector<std::string> have = values(c.field);
      bool met = false;
      for (const std::string& h : have) {
        for (const std::string& want : c.values) met = met || want == "*" || iequals(h, want);
      }
      if (!met) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

std::vector<UnmappedField> unmapped_fields(const std::vector<SigmaRule>& rules, const SigmaMappings& m) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, UnmappedField> found;
  for (const SigmaRule& rule : rules) {
    std::set<std::string> used;
    for (const Selection& s : rule.selections) {
      for (const auto& alt : s.alternatives) {
        for (const FieldMatch& f : alt) {
          if (!f.field.empty()) used.insert(f.field);
        }
      }
    }
    const LogSource ls = lowered(rule.logsource);
    for (const std::string& field : used) {
      const Resolved r = resolve(m, ls, field);
      if (!r.paths.empty()) continue;
      UnmappedField& u = found[{ls.product, ls.category, ls.service, field}];
      u.logsource = ls;
      u.field = field;
      u.no_ocsf_home = r.declared_none;
      ++u.rules;
    }
  }
  std::vector<UnmappedField> out;
  out.reserve(found.size());
  for (auto& [key, u] : found) out.push_back(std::move(u));
  std::stable_sort(out.begin(), out.end(), [](const UnmappedField& a, const UnmappedField& b) { return a.rules > b.rules; });
  return out;
}

}  // namespace vigil::detect
