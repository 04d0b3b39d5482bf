// Sigma rule YAML -> SigmaRule; see sigma_rule.h and docs/sigma.md.
#include "detect/sigma_rule.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/ip_address.h"

namespace vigil::detect {

namespace {

struct ModifierName {
  std::string_view name;
  Modifier modifier;
};
constexpr ModifierName kModifiers[] = {
    {"contains", Modifier::Contains},   {"startswith", Modifier::StartsWith}, {"endswith", Modifier::EndsWith},
    {"all", Modifier::All},             {"re", Modifier::Re},                 {"i", Modifier::ReI},
    {"m", Modifier::ReM},               {"s", Modifier::ReS},                 {"base64", Modifier::Base64},
    {"base64offset", Modifier::Base64Offset}, {"utf16le", Modifier::Utf16le}, {"utf16be", Modifier::Utf16be},
    {"utf16", Modifier::Utf16},         {"wide", Modifier::Wide},             {"windash", Modifier::Windash},
    {"cidr", Modifier::Cidr},           {"exists", Modifier::Exists},         {"gt", Modifier::Gt},
    {"gte", Modifier::Gte},             {"lt", Modifier::Lt},                 {"lte", Modifier::Lte},
    {"neq", Modifier::Neq},             {"fieldref", Modifier::FieldRef},     {"expand", Modifier::Expand},
    {"cased", Modifier::Cased},         {"minute", Modifier::Minute},         {"hour", Modifier::Hour},
    {"day", Modifier::Day},             {"week", Modifier::Week},             {"month", Modifier::Month},
    {"year", Modifier::Year},
};

// A refusal: the message carries file and line.
struct Refused {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  [[noreturn]] void refuse(const YAML::Node& at, const std::string& why) const {
    const int line = at.IsDefined() && !at.Mark().is_null() ? at.Mark().line + 1 + line_offset_ : 0;
    throw Refused{file_ + (line ? ":" + std::to_string(line) : std::string()) + ": " + why};
  }

  SigmaRule read(const YAML::Node& root) {
    if (!root.IsMap()) refuse(root, "a rule is a YAML map (title, logsource, detection ...)");
    SigmaRule r;
    read_metadata(root, r);
    r.falsepositives = texts(root, "falsepositives");
    r.fields = texts(root, "fields");
    const YAML::Node ls = root["logsource"];
    if (!ls || !ls.IsMap()) refuse(ls ? ls : root, "'logsource' must be a map (product, category, service)");
    r.logsource = {text(ls, "product", false), text(ls, "category", false), text(ls, "service", false)};
    const YAML::Node det = root["detection"];
    if (!det || !det.IsMap()) refuse(det ? det : root, "'detection' must be a map of search identifiers and a condition");
    read_detection(det, r.selections, r.condition, "detection");
    return r;
  }

  SigmaFilter read_filter(const YAML::Node& root) {
    SigmaFilter f;
    f.file = file_;
    f.line = line_offset_ + 1;
    f.title = text(root, "title", true);
    f.id = text(root, "id", false);
    const YAML::Node ls = root["logsource"];
    if (ls && ls.IsMap()) f.logsource = {text(ls, "product", false), text(ls, "category", false), text(ls, "service", false)};
    const YAML::Node body = root["filter"];
    if (!body.IsMap()) refuse(body, "'filter' must be a map of rules, search identifiers and a condition");
    f.rules = texts(body, "rules");
    if (f.rules.empty()) refuse(body, "'filter' needs 'rules': the ids or names of the rules it applies to");
    read_detection(body, f.selections, f.condition, "filter", "rules");
    return f;
  }

  SigmaCorrelation read_correlation(const YAML::Node& root) {
    SigmaCorrelation c;
    read_metadata(root, c);
    const YAML::Node body = root["correlation"];
    if (!body.IsMap()) refuse(body, "'correlation' must be a map (type, rules, group-by, timespan, condition)");
    const std::string type = text(body, "type", true);
    static constexpr std::pair<std::string_view, SigmaCorrelation::Type> kTypes[] = {
        {"event_count", SigmaCorrelation::Type::EventCount},   {"value_count", SigmaCorrelation::Type::ValueCount},
        {"temporal", SigmaCorrelation::Type::Temporal},        {"temporal_ordered", SigmaCorrelation::Type::TemporalOrdered},
        {"value_sum", SigmaCorrelation::Type::ValueSum},       {"value_avg", SigmaCorrelation::Type::ValueAvg},
        {"value_percentile", SigmaCorrelation::Type::ValuePercentile}};
    const auto* t = std::find_if(std::begin(kTypes), std::end(kTypes), [&](const auto& x) { return x.first == type; });
    if (t == std::end(kTypes))
      refuse(body["type"], "unknown correlation type '" + type +
                               "' (event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile)");
    c.type = t->second;
    c.rules = texts(body, "rules");
    if (c.rules.empty()) refuse(body, "'rules' must name at least one rule (by id or name)");
    c.group_by = texts(body, "group-by");
    const std::string span = text(body, "timespan", true);
    const auto ns = parse_timespan(span);
    if (!ns) refuse(body["timespan"], "timespan '" + span + "' is not a number followed by s, m, h, d or w");
    c.timespan = *ns;
    if (const YAML::Node g = body["generate"]; g && g.IsScalar()) c.generate = g.as<std::string>() == "true";
    if (const YAML::Node g = root["generate"]; g && g.IsScalar()) c.generate = g.as<std::string>() == "true";
    if (const YAML::Node a = body["aliases"]; a) {
      if (!a.IsMap()) refuse(a, "'aliases' must map an alias to a map of rule name -> field");
      for (const auto& kv : a) {
        if (!kv.second.IsMap()) refuse(kv.second, "alias '" + kv.first.as<std::string>() + "' must map rule names to fields");
        auto& m = c.aliases[kv.first.as<std::string>()];
        for (const auto& rf : kv.second) m[rf.first.as<std::string>()] = rf.second.as<std::string>();
      }
    }
    const YAML::Node cond = body["condition"];
    const bool temporal = c.type == SigmaCorrelation::Type::Temporal || c.type == SigmaCorrelation::Type::TemporalOrdered;
    if (!cond && !temporal) refuse(body, "'condition' is required for " + type + " (e.g. gte: 10)");
    if (cond) {
      if (!cond.IsMap()) refuse(cond, "a correlation condition is a map (gt, gte, lt, lte, eq, neq, and field)");
      for (const auto& kv : cond) {
        const std::string k = kv.first.as<std::string>();
        if (k == "field") {
          c.field = texts(cond, "field");
          continue;
        }
        static constexpr std::pair<std::string_view, SigmaCorrelation::Op> kOps[] = {
            {"gt", SigmaCorrelation::Op::Gt}, {"gte", SigmaCorrelation::Op::Gte}, {"lt", SigmaCorrelation::Op::Lt},
            {"lte", SigmaCorrelation::Op::Lte}, {"eq", SigmaCorrelation::Op::Eq}, {"neq", SigmaCorrelation::Op::Neq}};
        const auto* op = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& x) { return x.first == k; });
        if (op == std::end(kOps)) refuse(kv.first, "unknown correlation condition '" + k + "' (gt, gte, lt, lte, eq, neq, field)");
        double d = 0;
        const std::string v = kv.second.IsScalar() ? kv.second.as<std::string>() : std::string();
        auto r = std::from_chars(v.data(), v.data() + v.size(), d);
        if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) refuse(kv.second, "'" + k + "' needs a number");
        c.condition.push_back({op->second, d});
      }
    }
    const bool needs_field = c.type == SigmaCorrelation::Type::ValueCount || c.type == SigmaCorrelation::Type::ValueSum ||
                             c.type == SigmaCorrelation::Type::ValueAvg || c.type == SigmaCorrelation::Type::ValuePercentile;
    if (needs_field && c.field.empty()) refuse(cond, type + " needs 'field' in its condition");
    if (cond && c.condition.empty()) refuse(cond, "the condition has no comparison (gt, gte, lt, lte, eq, neq)");
    return c;
  }

  int line_offset_ = 0;

 private:
  // What detection and correlation rules both say of themselves.
  template <typename R>
  void read_metadata(const YAML::Node& root, R& r) const {
    r.file = file_;
    r.line = line_offset_ + 1;
    r.title = text(root, "title", true);
    r.id = text(root, "id", false);
    r.name = text(root, "name", false);
    r.status = text(root, "status", false);
    r.level = text(root, "level", false);
    r.description = text(root, "description", false);
    r.tags = texts(root, "tags");
  }

  // Search identifiers and the condition of a detection (or filter) map. Keys in
  // `skip` are not search identifiers.
  void read_detection(const YAML::Node& det, std::vector<Selection>& selections, Condition& out,
                      const std::string& what, std::string_view skip = {}) {
    YAML::Node condition;
    bool has_condition = false;
    std::vector<std::string> names;
    for (const auto& kv : det) {
      const std::string key = kv.first.as<std::string>();
      if (key == skip) continue;
      if (key == "condition") {
        condition = kv.second;
        has_condition = true;
        continue;
      }
      if (key == "timeframe") refuse(kv.first, "'timeframe' in detection is the old aggregation form: write a correlation rule");
      selections.push_back(selection(key, kv.second));
      names.push_back(key);
    }
    if (!has_condition) refuse(det, "'" + what + "' has no 'condition'");
    std::vector<std::string> conditions;
    if (condition.IsScalar()) {
      conditions.push_back(condition.as<std::string>());
    } else if (condition.IsSequence() && condition.size() > 0) {
      for (const auto& c : condition) {
        if (!c.IsScalar()) refuse(c, "a condition is a string");
        conditions.push_back(c.as<std::string>());
      }
    } else {
      refuse(condition, "'condition' must be a string or a list of strings");
    }
    Condition any{.kind = Condition::Kind::Or};
    for (const std::string& text : conditions) {
      if (text.find('|') != std::string::npos)
        refuse(condition, "'|' in a condition is the old aggregation form: write a correlation rule");
      auto c = parse_condition(text, names);
      if (!c.ok()) refuse(condition, "condition '" + text + "': " + c.status().message());
      any.children.push_back(std::move(*c));
    }
    out = any.children.size() == 1 ? std::move(any.children[0]) : std::move(any);
  }

 private:
  std::string text(const YAML::Node& map, const char* key, bool required) const {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) {
      if (required) refuse(map, std::string("'") + key + "' is required");
      return {};
    }
    if (!n.IsScalar()) refuse(n, std::string("'") + key + "' must be a single value");
    return n.as<std::string>();
  }
  std::vector<std::string> texts(const YAML::Node& map, const char* key) const {
    std::vector<std::string> out;
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) return out;
    if (n.IsScalar()) return {n.as<std::string>()};
    if (!n.IsSequence()) refuse(n, std::string("'") + key + "' must be a list");
    for (const auto& x : n) {
      if (x.IsScalar()) out.push_back(x.as<std::string>());
    }
    return out;
  }

  Selection selection(const std::string& name, const YAML::Node& n) const {
    Selection s;
    s.name = name;
    s.line = n.Mark().line + 1 + line_offset_;
    bool plain = true;
    for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
    if (!plain || name.empty())
      refuse(n, "search identifier '" + name + "' must be letters, digits, '_', '.' and '-' (a modifier belongs on a field)");
    if (n.IsMap()) {
      s.alternatives.push_back(all_of(n));
    } else if (n.IsSequence()) {
      FieldMatch keywords{.line = s.line};
      for (const auto& item : n) {
        if (item.IsMap()) {
          s.alternatives.push_back(all_of(item));
        } else if (item.IsScalar() || item.IsNull()) {
          keywords.values.push_back(value(item));
        } else {
          refuse(item, "an item of '" + name + "' must be a value or a map of fields");
        }
      }
      if (!keywords.values.empty()) s.alternatives.push_back({std::move(keywords)});
      if (s.alternatives.empty()) refuse(n, "search identifier '" + name + "' is an empty list");
    } else if (n.IsScalar()) {
      s.alternatives.push_back({FieldMatch{.values = {value(n)}, .line = s.line}});
    } else {
      refuse(n, "search identifier '" + name + "' must be a map, a list or a value");
    }
    return s;
  }

  // A map: every field matches (AND).
  std::vector<FieldMatch> all_of(const YAML::Node& map) const {
    std::vector<FieldMatch> out;
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      FieldMatch m;
      m.line = kv.first.Mark().line + 1 + line_offset_;
      size_t bar = key.find('|');
      m.field = key.substr(0, bar);
      while (bar != std::string::npos) {
        const size_t next = key.find('|', bar + 1);
        const std::string mod = key.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1);
        const auto* found = std::find_if(std::begin(kModifiers), std::end(kModifiers),
                                         [&](const ModifierName& x) { return x.name == mod; });
        if (found == std::end(kModifiers)) refuse(kv.first, "unknown modifier '" + mod + "' in '" + key + "'");
        m.modifiers.push_back(found->modifier);
        bar = next;
      }
      const YAML::Node v = kv.second;
      if (v.IsSequence()) {
        for (const auto& x : v) {
          if (!x.IsScalar() && !x.IsNull()) refuse(x, "the values of '" + key + "' must be plain values");
          m.values.push_back(value(x));
        }
        if (m.values.empty()) refuse(v, "'" + key + "' has an empty list of values");
      } else if (v.IsScalar() || v.IsNull()) {
        m.values.push_back(value(v));
      } else {
        refuse(v, "the value of '" + key + "' must be a value or a list of values");
      }
      check(m, kv.first, key);
      out.push_back(std::move(m));
    }
    return out;
  }

  static SigmaValue value(const YAML::Node& n) {
    SigmaValue v;
    if (n.IsNull()) {
      v.kind = SigmaValue::Kind::Null;
      return v;
    }
    v.text = n.Scalar();
    v.quoted = n.Tag() == "!";
    if (v.quoted) return v;
    if (v.text == "true" || v.text == "false" || v.text == "True" || v.text == "False") {
      v.kind = SigmaValue::Kind::Bool;
      v.boolean = v.text[0] == 't' || v.text[0] == 'T';
      return v;
    }
    double d = 0;
    auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
    if (!v.text.empty() && r.ec == std::errc() && r.ptr == v.text.data() + v.text.size() && std::isfinite(d)) {
      v.kind = SigmaValue::Kind::Number;
      v.number = d;
    }
    return v;
  }

  // What a modifier needs of its values.
  void check(const FieldMatch& m, const YAML::Node& at, const std::string& key) const {
    auto count = [&](std::initializer_list<Modifier> ms) {
      size_t n = 0;
      for (Modifier x : m.modifiers) n += std::find(ms.begin(), ms.end(), x) != ms.end();
      return n;
    };
    if (count({Modifier::Contains, Modifier::StartsWith, Modifier::EndsWith}) > 1)
      refuse(at, "'" + key + "': contains, startswith and endswith exclude each other");
    if (count({Modifier::ReI, Modifier::ReM, Modifier::ReS}) && !m.has(Modifier::Re))
      refuse(at, "'" + key + "': i, m and s are flags of 're'");
    const bool numeric = count({Modifier::Gt, Modifier::Gte, Modifier::Lt, Modifier::Lte, Modifier::Minute, Modifier::Hour,
                                Modifier::Day, Modifier::Week, Modifier::Month, Modifier::Year}) > 0;
    for (const SigmaValue& v : m.values) {
      if (v.kind == SigmaValue::Kind::Null && m.values.size() > 1)
        refuse(at, "'" + key + "': null cannot be one of several values (give it its own search identifier)");
      if (m.has(Modifier::Exists) && v.kind != SigmaValue::Kind::Bool)
        refuse(at, "'" + key + "': exists takes true or false");
      if (numeric && v.kind != SigmaValue::Kind::Number)
        refuse(at, "'" + key + "': '" + v.text + "' is not a number");
      if (m.has(Modifier::Cidr)) {
        const size_t slash = v.text.find('/');
        auto ip = IpAddress::parse(v.text.substr(0, slash));
        int bits = -1;
        if (slash != std::string::npos) {
          auto r = std::from_chars(v.text.data() + slash + 1, v.text.data() + v.text.size(), bits);
          if (r.ec != std::errc() || r.ptr != v.text.data() + v.text.size()) bits = -1;
        } else if (ip) {
          bits = ip->is_v4 ? 32 : 128;
        }
        if (!ip || bits < 0 || bits > (ip->is_v4 ? 32 : 128)) refuse(at, "'" + key + "': '" + v.text + "' is not a network");
      }
      if (m.has(Modifier::Re)) {
        RE2::Options o;
        o.set_log_errors(false);
        RE2 re(v.text, o);
        if (!re.ok()) refuse(at, "'" + key + "': regular expression '" + v.text + "': " + re.error());
      }
      if (m.has(Modifier::Expand) && v.text.find('%') == std::string::npos)
        refuse(at, "'" + key + "': expand needs a %placeholder%");
    }
  }

  std::string file_;
};

}  // namespace

std::string_view modifier_name(Modifier m) {
  for (const ModifierName& x : kModifiers)
    if (x.modifier == m) return x.name;
  return "?";
}

bool FieldMatch::has(Modifier m) const { return std::find(modifiers.begin(), modifiers.end(), m) != modifiers.end(); }

namespace {

// The documents of a file, split at '---' lines, with the line each starts on
// (0-based). Comments and blank lines alone are no document.
struct DocumentText {
  std::string_view text;
  int first_line = 0;
};
std::vector<DocumentText> split_documents(std::string_view yaml) {
  std::vector<DocumentText> docs;
  size_t start = 0;
  int line = 0, start_line = 0;
  bool content = false;
  auto flush = [&](size_t end) {
    if (content) docs.push_back({yaml.substr(start, end - start), start_line});
    content = false;
  };
  for (size_t at = 0; at < yaml.size();) {
    size_t end = yaml.find('\n', at);
    if (end == std::string_view::npos) end = yaml.size();
    const std::string_view l = yaml.substr(at, end - at);
    const bool marker = l.substr(0, 3) == "---" && (l.size() == 3 || l[3] == ' ' || l[3] == '\r');
    if (marker) {
      flush(at);
      start = end + 1 > yaml.size() ? yaml.size() : end + 1;
      start_line = line + 1;
    } else if (!l.empty() && l[0] != '#' && l.find_first_not_of(" \t\r") != std::string_view::npos) {
      content = true;
    }
    at = end + 1;
    ++line;
  }
  flush(yaml.size());
  return docs;
}

Result<SigmaDocument> parse_document(std::string_view yaml, std::string_view file, int first_line) {
  // One document read with YAML::Load: yaml-cpp 0.7's LoadAll allocates without end
  // on a stray ',' at the top level (found by detect_sigma_rule_fuzz).
  Reader reader(file);
  reader.line_offset_ = first_line;
  try {
    const YAML::Node doc = YAML::Load(std::string(yaml));
    if (!doc.IsDefined() || doc.IsNull()) return Status::error(std::string(file) + ": empty file");
    SigmaDocument d;
    if (doc.IsMap() && doc["correlation"]) {
      d.kind = SigmaDocument::Kind::Correlation;
      d.correlation = reader.read_correlation(doc);
    } else if (doc.IsMap() && doc["filter"]) {
      d.kind = SigmaDocument::Kind::Filter;
      d.filter = reader.read_filter(doc);
    } else if (doc.IsMap() && doc["action"] && !doc["detection"]) {
      reader.refuse(doc["action"], "'action: " + doc["action"].Scalar() + "' documents are the old multi-document form (Sigma 1.0), not supported");
    } else {
      d.rule = reader.read(doc);
    }
    return d;
  } catch (const Refused& r) {
    return Status::error(r.message);
  } catch (const YAML::Exception& e) {
    return Status::error(std::string(file) + ":" + std::to_string(e.mark.line + 1 + first_line) + ": YAML: " + e.msg);
  }
}

}  // namespace

std::optional<TimeNs> parse_timespan(std::string_view s) {
  const auto d = parse_duration(s);
  if (!d || *d == 0) return std::nullopt;
  return d;
}

std::vector<Result<SigmaDocument>> parse_sigma_file(std::string_view yaml, std::string_view file) {
  std::vector<Result<SigmaDocument>> out;
  for (const DocumentText& d : split_documents(yaml)) out.push_back(parse_document(d.text, file, d.first_line));
  if (out.empty()) out.push_back(Status::error(std::string(file) + ": empty file"));
  return out;
}

Result<SigmaRule> parse_sigma_rule(std::string_view yaml, std::string_view file) {
  auto docs = parse_sigma_file(yaml, file);
  if (docs.size() > 1)
    return Status::error(std::string(file) + ": several YAML documents in one rule (a correlation file?): read it with parse_sigma_file");
  if (!docs[0].ok()) return docs[0].status();
  if (docs[0]->kind != SigmaDocument::Kind::Rule)
    return Status::error(std::string(file) + ": a " + (docs[0]->kind == SigmaDocument::Kind::Filter ? "filter" : "correlation") +
                         " rule, not a detection rule");
  return std::move(docs[0]->rule);
}

}  // namespace vigil::detect
