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
    const int line = at.IsDefined() && !at.Mark().is_null() ? at.Mark().line + 1 : 0;
    throw Refused{file_ + (line ? ":" + std::to_string(line) : std::string()) + ": " + why};
  }

  SigmaRule read(const YAML::Node& root) {
    if (!root.IsMap()) refuse(root, "a rule is a YAML map (title, logsource, detection ...)");
    if (root["correlation"]) refuse(root["correlation"], "correlation rules are not loaded yet");
    if (root["filter"]) refuse(root["filter"], "filter (meta) rules are not loaded yet");
    SigmaRule r;
    r.file = file_;
    r.title = text(root, "title", true);
    r.id = text(root, "id", false);
    r.status = text(root, "status", false);
    r.level = text(root, "level", false);
    r.description = text(root, "description", false);
    r.tags = texts(root, "tags");
    r.falsepositives = texts(root, "falsepositives");
    r.fields = texts(root, "fields");
    const YAML::Node ls = root["logsource"];
    if (!ls || !ls.IsMap()) refuse(ls ? ls : root, "'logsource' must be a map (product, category, service)");
    r.logsource = {text(ls, "product", false), text(ls, "category", false), text(ls, "service", false)};
    const YAML::Node det = root["detection"];
    if (!det || !det.IsMap()) refuse(det ? det : root, "'detection' must be a map of search identifiers and a condition");
    YAML::Node condition;
    bool has_condition = false;
    std::vector<std::string> names;
    for (const auto& kv : det) {
      const std::string key = kv.first.as<std::string>();
      if (key == "condition") {
        condition = kv.second;
        has_condition = true;
        continue;
      }
      if (key == "timeframe") refuse(kv.first, "'timeframe' in detection is the old aggregation form: write a correlation rule");
      r.selections.push_back(selection(key, kv.second));
      names.push_back(key);
    }
    if (!has_condition) refuse(det, "'detection' has no 'condition'");
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
    r.condition = any.children.size() == 1 ? std::move(any.children[0]) : std::move(any);
    return r;
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
    s.line = n.Mark().line + 1;
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
      m.line = kv.first.Mark().line + 1;
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

// A '---' line after the first document's content starts another document.
bool several_documents(std::string_view yaml) {
  bool content = false;
  for (size_t at = 0; at < yaml.size();) {
    size_t end = yaml.find('\n', at);
    if (end == std::string_view::npos) end = yaml.size();
    const std::string_view line = yaml.substr(at, end - at);
    const bool marker = line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ' || line[3] == '\r');
    if (marker && content) return true;
    if (!marker && !line.empty() && line[0] != '#' && line.find_first_not_of(" \t\r") != std::string_view::npos)
      content = true;
    at = end + 1;
  }
  return false;
}

Result<SigmaRule> parse_sigma_rule(std::string_view yaml, std::string_view file) {
  // One document read with YAML::Load: yaml-cpp 0.7's LoadAll allocates without end
  // on a stray ',' at the top level (found by detect_sigma_rule_fuzz).
  if (several_documents(yaml))
    return Status::error(std::string(file) + ": several YAML documents in one rule (the old 'action: global' form)");
  try {
    const YAML::Node doc = YAML::Load(std::string(yaml));
    if (!doc.IsDefined() || doc.IsNull()) return Status::error(std::string(file) + ": empty file");
    return Reader(file).read(doc);
  } catch (const Refused& r) {
    return Status::error(r.message);
  } catch (const YAML::Exception& e) {
    return Status::error(std::string(file) + ":" + std::to_string(e.mark.line + 1) + ": YAML: " + e.msg);
  }
}

}  // namespace vigil::detect
