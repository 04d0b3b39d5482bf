// Resolving, loading and fingerprinting the server's rules; see rule_sources.h.
#include "server/rule_sources.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "core/hash.h"
#include "detect/sigma_content.h"

namespace vigil {

namespace {

namespace fs = std::filesystem;

bool is_yaml(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yml" || ext == ".yaml";
}

struct FileStamp {
  std::string path;
  uintmax_t size = 0;
  int64_t mtime = 0;
  auto operator<=>(const FileStamp&) const = default;
};

void stamp(const fs::path& p, std::vector<FileStamp>& out) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(p, ec);
  if (ec) return;  // gone between listing and stat: the next poll sees it
  const auto mtime = fs::last_write_time(p, ec);
  if (ec) return;
  out.push_back({p.string(), size, static_cast<int64_t>(mtime.time_since_epoch().count())});
}

// Every YAML file under `root` (a file or a folder), or a marker saying it is missing.
void collect(const std::string& root, std::vector<FileStamp>& out) {
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st)) {
    out.push_back({"missing:" + root});
    return;
  }
  if (!fs::is_directory(st)) {
    stamp(root, out);
    return;
  }
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_yaml(it->path())) stamp(it->path(), out);
  }
  if (ec) out.push_back({"unreadable:" + root});
}


}  // namespace

RuleSources resolve_rule_sources(const ServerConfig& config, std::vector<std::string>& notes) {
  RuleSources s;
  std::error_code ec;
  if (!config.content_dir.empty()) {
    s.content_dir = config.content_dir;
  } else {
    const std::string dflt = detect::default_content_dir();
    if (fs::is_directory(dflt, ec)) {
      s.content_dir = dflt;
    } else {
      notes.push_back("no Sigma content folder (looked for " + dflt +
                      "; set --content or VIGIL_CONTENT): rules use Sigma field names as written, without log-source "
                      "conditions");
    }
  }
  if (config.rule_paths) {
    s.paths = *config.rule_paths;
  } else if (!s.content_dir.empty() && fs::is_directory(s.content_dir + "/rules", ec)) {
    s.paths.push_back(s.content_dir + "/rules");
  }
  return s;
}

Result<std::shared_ptr<const detect::RuleSet>> load_rule_sources(const RuleSources& sources) {
  detect::RuleSetOptions options;
  if (!sources.content_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(sources.content_dir, ec))
      return Status::error("content folder " + sources.content_dir + " does not exist (--content)");
    auto content = detect::load_sigma_content(sources.content_dir);
    if (!content.ok()) return Status::error("Sigma content: " + content.error());
    options = std::move(*content);
  }
  if (sources.paths.empty()) return std::shared_ptr<const detect::RuleSet>(std::make_shared<detect::RuleSet>());
  return detect::load_rules(sources.paths, options);
}

uint64_t rule_sources_fingerprint(const RuleSources& sources) {
  std::vector<FileStamp> files;
  for (const std::string& p : sources.paths) collect(p, files);
  if (!sources.content_dir.empty()) collect(sources.content_dir + "/sigma", files);
  std::sort(files.begin(), files.end());
  uint64_t h = kFnv1aSeed;
  for (const FileStamp& f : files) {
    h = fnv1a(h, f.path);
    h = fnv1a(h, std::string_view(reinterpret_cast<const char*>(&f.size), sizeof f.size));
    h = fnv1a(h, std::string_view(reinterpret_cast<const char*>(&f.mtime), sizeof f.mtime));
  }
  return h;
}

}  // namespace vigil
