// Rules and Sigma content loaded one way for every command; see sigma_content.h.
#include "detect/sigma_content.h"

#include "detect/sigma_mapping.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vigil::detect {

namespace {

namespace fs = std::filesystem;

bool is_rule_test_file(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  for (const char* suffix : {".tests.yml", ".tests.yaml"})
    if (name.size() > std::strlen(suffix) && name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return true;
  return false;
}

// placeholders.yaml: `name: [value, ...]` for the `expand` modifier.
Status read_placeholders(const std::string& file, RuleSetOptions& o) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  try {
    const YAML::Node root = YAML::LoadFile(file);
    if (root.IsNull()) return {};
    if (!root.IsMap()) return Status::error(file + ":1: placeholders are a map of name -> list of values");
    for (const auto& kv : root) {
      auto& values = o.placeholders[kv.first.as<std::string>()];
      if (kv.second.IsScalar()) {
        values.push_back(kv.second.as<std::string>());
      } else if (kv.second.IsSequence()) {
        for (const auto& v : kv.second) values.push_back(v.as<std::string>());
      } else {
        return Status::error(file + ":" + std::to_string(kv.second.Mark().line + 1) + ": a placeholder's values are a list");
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::error(file + ":" + std::to_string(e.mark.line + 1) + ": YAML: " + e.msg);
  }
  return {};
}

}  // namespace

std::string default_content_dir() {
  if (const char* env = std::getenv("VIGIL_CONTENT"); env && *env) return env;
#ifdef VIGIL_CONTENT_DIR
  std::error_code ec;
  if (fs::is_directory(VIGIL_CONTENT_DIR, ec)) return VIGIL_CONTENT_DIR;
#endif
  return "content";
}

Result<std::shared_ptr<const RuleSet>> load_rules(const std::vector<std::string>& paths, const RuleSetOptions& options) {
  auto sources = read_rule_sources(paths);
  if (!sources.ok()) return sources.status();
  std::erase_if(*sources, [](const RuleSource& s) { return is_rule_test_file(s.file); });
  return build_rule_set(*sources, options);
}

}  // namespace vigil::detect

namespace vigil::detect {

Result<RuleSetOptions> load_sigma_content(const std::string& content_dir) {
  RuleSetOptions o;
  const std::string dir = content_dir + "/sigma";
  if (Status s = read_placeholders(dir + "/placeholders.yaml", o); !s.ok()) return s;
  auto loaded = load_sigma_mappings(dir);
  if (!loaded.ok()) return loaded.status();
  // The options outlive this call; the mappings live as long as the closures.
  auto m = std::make_shared<const SigmaMappings>(std::move(*loaded));
  o.resolve = [m](const LogSource& ls, std::string_view field) { return m->ocsf_paths(ls, field); };
  o.gate = [m](const LogSource& ls) -> std::optional<std::vector<std::vector<GateCondition>>> {
    const LogsourceEntry* e = m->logsource(ls);
    if (!e) return std::nullopt;
    std::vector<std::vector<GateCondition>> when;
    for (const auto& alternative : e->when) {
      std::vector<GateCondition> all;
      for (const FieldCondition& c : alternative) all.push_back({c.field, c.values});
      when.push_back(std::move(all));
    }
    return when;
  };
  return o;
}

}  // namespace vigil::detect
