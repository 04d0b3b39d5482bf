// distinct_rule_paths; see rule_paths.h.
#include "cli/rule_paths.h"

#include <filesystem>

namespace vigil {

namespace {

namespace fs = std::filesystem;

// Whether `inner` is `outer` or lies under it (both canonical).
bool within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // a trailing separator
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> distinct_rule_paths(const std::vector<std::string>& paths) {
  std::vector<fs::path> canonical;
  std::vector<bool> is_dir;
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    canonical.push_back(ec ? fs::path(p) : c);
    is_dir.push_back(fs::is_directory(p, ec));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < paths.size(); ++i) {
    bool drop = false;
    for (size_t j = 0; j < paths.size() && !drop; ++j) {
      if (i == j) continue;
      if (canonical[i] == canonical[j]) {
        drop = j < i;  // keep the first of equals
      } else if (is_dir[j] && within(canonical[i], canonical[j])) {
        drop = true;
      }
    }
    if (!drop) out.push_back(paths[i]);
  }
  return out;
}

}  // namespace vigil
