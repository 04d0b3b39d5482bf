// RuleReloader: keeps the detect stage's rules in step with the files — the first
// load at start, then a reload on SIGHUP, on POST /api/v1/rules/reload, and when
// polling sees the files change. A reload that cannot read the files (a folder gone,
// a malformed content file) keeps the rules in use and says why; a broken rule is
// reported (file:line: reason) and never keeps the others out. Every load is logged.
// Reloads run one at a time, on the caller's thread: call it off the I/O threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "server/detect_stage.h"
#include "server/rule_sources.h"

namespace vigil {

struct ReloadReport {
  bool ok = false;
  std::string error;  // when !ok: why, and the rules in use stayed
  // The rule set in use after the call (the new one when ok).
  size_t files = 0;
  size_t rules = 0;
  size_t correlations = 0;
  std::vector<std::string> refusals;  // "file:line: reason"
  std::vector<std::string> warnings;
  double elapsed_ms = 0;
};

struct ReloaderState {
  TimeNs loaded_at = 0;       // when the rule set in use was loaded
  uint64_t reloads = 0;       // successful loads after the first
  uint64_t failures = 0;      // loads that kept the old rules
  std::string last_error;     // of the latest load, "" when it succeeded
  TimeNs last_error_at = 0;
};

class RuleReloader {
 public:
  RuleReloader(RuleSources sources, DetectStage& stage) : sources_(std::move(sources)), stage_(stage) {}

  // Loads the rules and swaps them in; `why` says who asked ("start", "SIGHUP", ...) in the log.
  ReloadReport reload(std::string_view why);
  // Reloads when the files changed since the last load (or failed load); true if it did.
  bool reload_if_changed();

  const RuleSources& sources() const { return sources_; }
  ReloaderState state() const;

 private:
  const RuleSources sources_;
  DetectStage& stage_;
  std::mutex reload_mu_;  // one reload at a time
  uint64_t fingerprint_ = 0;  // of the files at the latest load attempt; guarded by reload_mu_
  bool loaded_once_ = false;  // guarded by reload_mu_
  mutable std::mutex state_mu_;
  ReloaderState state_;
};

}  // namespace vigil
