// Rules and Sigma content loaded one way for every command; see sigma_content.h.
#include "detect/sigma_content.h"

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
  if (Status s = read_placeholders(content_dir + "/sigma/placeholders.yaml", o); !s.ok()) return s;
  return o;
}

}  // namespace vigil::detect
