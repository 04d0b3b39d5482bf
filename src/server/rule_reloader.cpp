// Loading and reloading the server's rules; see rule_reloader.h.
#include "server/rule_reloader.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace vigil {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(no rule paths)" : out;
}

void fill_counts(const detect::RuleSet& set, ReloadReport& r) {
  r.files = set.report.files;
  r.rules = set.rules.size();
  r.correlations = set.correlations.size();
  r.refusals = set.report.refusals;
  r.warnings = set.report.warnings;
}

}  // namespace

ReloadReport RuleReloader::reload(std::string_view why) {
  std::lock_guard lock(reload_mu_);
  const auto started = std::chrono::steady_clock::now();
  // Taken before reading, so that a change made while loading is seen by the next poll.
  fingerprint_ = rule_sources_fingerprint(sources_);
  auto loaded = load_rule_sources(sources_);
  ReloadReport r;
  r.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!loaded.ok()) {
    r.error = loaded.error();
    fill_counts(*stage_.rules(), r);
    r.refusals.clear();
    r.warnings.clear();
    {
      std::lock_guard s(state_mu_);
      ++state_.failures;
      state_.last_error = r.error;
      state_.last_error_at = now_ns();
    }
    if (loaded_once_)
      spdlog::error("rules: reload ({}) failed, the {} rules and {} correlations in use stay: {}", why, r.rules,
                    r.correlations, r.error);
    else
      spdlog::error("rules: cannot load ({}): {}", why, r.error);
    return r;
  }
  std::shared_ptr<const detect::RuleSet> set = std::move(*loaded);
  r.ok = true;
  fill_counts(*set, r);
  stage_.replace(set);
  {
    std::lock_guard s(state_mu_);
    state_.reloads += loaded_once_ ? 1 : 0;
    state_.loaded_at = now_ns();
    state_.last_error.clear();
  }
  spdlog::info("rules: {} {} rules and {} correlations from {} files under {} (content: {}) in {:.0f} ms ({}); {} refused",
               loaded_once_ ? "reloaded" : "loaded", r.rules, r.correlations, r.files, joined(sources_.paths),
               sources_.content_dir.empty() ? "none" : sources_.content_dir, r.elapsed_ms, why, r.refusals.size());
  for (const std::string& refusal : r.refusals) spdlog::warn("rules: refused {}", refusal);
  for (const std::string& warning : r.warnings) spdlog::warn("rules: {}", warning);
  loaded_once_ = true;
  return r;
}

bool RuleReloader::reload_if_changed() {
  {
    std::lock_guard lock(reload_mu_);
    if (rule_sources_fingerprint(sources_) == fingerprint_) return false;
  }
  spdlog::info("rules: files changed under {}: reloading", joined(sources_.paths));
  reload("files changed");
  return true;
}

ReloaderState RuleReloader::state() const {
  std::lock_guard s(state_mu_);
  return state_;
}

}  // namespace vigil
