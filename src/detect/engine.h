// DetectionEngine: the detect stage as one piece — rule matching, correlation and
// the alerts they raise — used alike at ingest, over stored history and over files,
// so the same rules give the same answers in all three. Not thread-safe: one engine
// per stream (the server serializes its ingest batches through one).
//
// Reload: replace() swaps in a new RuleSet between batches; correlation state
// starts afresh with the new set (docs/sigma.md).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/event_batch.h"
#include "detect/correlator.h"
#include "detect/matcher.h"
#include "detect/rule_set.h"

namespace vigil::detect {

// One alert, before it is written as a finding: a rule match or a correlation firing.
struct Detection {
  bool correlation = false;
  uint32_t index = 0;  // into RuleSet::rules or ::correlations
  TimeNs time = 0;
  uint32_t event = UINT32_MAX;  // batch index of the matching event (rules; correlations when known)
  std::optional<CorrelationFiring> firing;
};

struct EngineStats {
  MatcherStats matcher;
  CorrelatorStats correlator;
  uint64_t alerts = 0;
};

class DetectionEngine {
 public:
  explicit DetectionEngine(std::shared_ptr<const RuleSet> rules, CorrelatorLimits limits = {});

  void replace(std::shared_ptr<const RuleSet> rules);
  const RuleSet& rules() const { return *rules_; }
  std::shared_ptr<const RuleSet> rule_set() const { return rules_; }

  // Runs one batch: every alerting match and firing is appended to `out`, and as a
  // Detection Finding to `alerts` when given.
  void run(const EventBatch& batch, std::vector<Detection>& out, EventBatch* alerts = nullptr);
  // End of the stream: judges every open correlation window.
  void finish(std::vector<Detection>& out, EventBatch* alerts = nullptr);
  // Moves event time on without events (a stream gone quiet): judges the windows that
  // end before `watermark`.
  void advance(TimeNs watermark, std::vector<Detection>& out, EventBatch* alerts = nullptr);

  EngineStats stats();

 private:
  void emit_firings(const EventBatch* batch, std::vector<Detection>& out, EventBatch* alerts);

  std::shared_ptr<const RuleSet> rules_;
  CorrelatorLimits limits_;
  Matcher matcher_;
  Correlator correlator_;
  std::vector<RuleMatch> matches_;
  std::vector<CorrelationFiring> firings_;
  uint64_t alerts_ = 0;
};

}  // namespace vigil::detect
