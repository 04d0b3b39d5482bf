// Expansion of %{NAME[:field]} references into RE2 syntax.
#include "normalize/grok.h"

namespace vigil {
namespace {

bool field_name_ok(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return !(s[0] >= '0' && s[0] <= '9');
}

bool expand(std::string_view regex, const PatternTable& extra, int depth, std::string& out, std::string& error) {
  if (depth > 10) {
    error = "patterns nest deeper than 10 levels (a pattern that uses itself?)";
    return false;
  }
  size_t i = 0;
  while (i < regex.size()) {
    size_t at = regex.find("%{", i);
    if (at == std::string_view::npos) {
      out.append(regex.substr(i));
      break;
    }
    out.append(regex.substr(i, at - i));
    size_t close = regex.find('}', at + 2);
    if (close == std::string_view::npos) {
      error = "'%{' without its '}'";
      return false;
    }
    std::string_view ref = regex.substr(at + 2, close - at - 2);
    std::string_view name = ref, field;
    if (size_t colon = ref.find(':'); colon != std::string_view::npos) {
      name = ref.substr(0, colon);
      field = ref.substr(colon + 1);
      if (!field_name_ok(field)) {
        error = "field name '" + std::string(field) + "' in %{" + std::string(ref) +
                "}: use letters, digits and _ (map it to a dotted OCSF name under fields:)";
        return false;
      }
    }
    const std::string* body = nullptr;
    if (auto it = extra.find(name); it != extra.end()) body = &it->second;
    else if (auto b = builtin_patterns().find(name); b != builtin_patterns().end()) body = &b->second;
    if (!body) {
      error = "unknown pattern %{" + std::string(name) + "}";
      return false;
    }
    out.append(field.empty() ? "(?:" : "(?P<" + std::string(field) + ">");
    if (!expand(*body, extra, depth + 1, out, error)) return false;
    out.push_back(')');
    i = close + 1;
  }
  return true;
}

}  // namespace

const PatternTable& builtin_patterns() {
  static const PatternTable kPatterns = {
      {"INT", R"([+-]?\d+)"},
      {"NUMBER", R"([+-]?(?:\d+(?:\.\d*)?|\.\d+))"},
      {"WORD", R"(\w+)"},
      {"NOTSPACE", R"(\S+)"},
      {"DATA", R"(.*?)"},
      {"GREEDYDATA", R"(.*)"},
      {"IPV4", R"((?:\d{1,3}\.){3}\d{1,3})"},
      // Eight groups, or fewer around "::" (so a clock time or a MAC is not one); the forms
      // ending in IPv4 come first so that "::ffff:10.0.0.1" is taken whole.
      {"IPV6", R"((?:(?:[0-9A-Fa-f]{1,4}:){6}|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,4})?::(?:[0-9A-Fa-f]{1,4}:){0,5})(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?:%\w+)?|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?(?:%\w+)?)"},
      {"IP", R"(%{IPV6}|%{IPV4})"},
      {"HOSTNAME", R"([0-9A-Za-z][0-9A-Za-z_.-]*)"},
      {"IPORHOST", R"(%{IP}|%{HOSTNAME})"},
      {"USER", R"([A-Za-z0-9._@$\\-]+)"},
      {"PORT", R"(\d{1,5})"},
      {"MAC", R"((?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2})"},
      {"PATH", R"((?:/[^\s]*)+|[A-Za-z]:\\[^\s]*)"},
      {"QS", R"("(?:[^"\\]|\\.)*")"},
      {"MONTH", R"([A-Z][a-z]{2})"},
      {"SYSLOGTIMESTAMP", R"([A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2})"},
      {"TIMESTAMP_ISO8601", R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)"},
      {"HTTPDATE", R"(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})"},
      {"URIPATH", R"(/[^\s?#]*)"},
      {"URIPARAM", R"(\?[^\s#]*)"},
      {"LOGLEVEL", R"([Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ee]merg(?:ency)?|EMERG(?:ENCY)?)"},
  };
  return kPatterns;
}

bool expand_patterns(std::string_view regex, const PatternTable& extra, std::string& out, std::string& error) {
  out.clear();
  return expand(regex, extra, 0, out, error);
}

}  // namespace vigil
