// DetectStage: detection at ingest — the BatchStage (ingest/batch_stage.h) that the
// server plugs into the Pipeline. One DetectionEngine behind a mutex: inputs submit
// from several threads, and correlation state must see batches one at a time. The
// findings a batch raises (OCSF Detection Findings, class 2004, each with the tenant
// of the event or correlation group that raised it) are appended to that batch, so
// they are written in its WAL record and acknowledged with it.
//
// replace() swaps in a reloaded rule set between two batches; open correlation
// windows start afresh with it (detect/engine.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "ingest/batch_stage.h"

namespace vigil {

struct DetectStats {
  // The rule set in use.
  size_t rules = 0;
  size_t correlations = 0;
  size_t refused = 0;
  // Since the server started, over every rule set it used.
  uint64_t batches = 0;            // batches run through the engine
  uint64_t events = 0;             // events in them
  uint64_t alerts = 0;             // findings appended (rule matches + correlation firings)
  uint64_t rule_alerts = 0;
  uint64_t correlation_alerts = 0;
  uint64_t errors = 0;             // batches the engine failed on (written without alerts)
  uint64_t rule_sets = 0;          // swapped in by replace(): the first load and every reload
  detect::MatcherStats matcher;        // summed
  detect::CorrelatorStats correlator;  // counters summed; groups and memory_bytes live now
};

class DetectStage final : public BatchStage {
 public:
  explicit DetectStage(std::shared_ptr<const detect::RuleSet> rules);

  size_t process(EventBatch& batch) override;

  void replace(std::shared_ptr<const detect::RuleSet> rules);
  std::shared_ptr<const detect::RuleSet> rules() const;
  DetectStats stats() const;

  // A stream gone quiet: when no batch came for `idle_after`, event time is moved on by
  // the time since the last batch, so that windows judged at their end ("fewer than N
  // in 10 minutes") close at ingest as they would with more events. Returns the alerts
  // to write (empty most of the time). Called from a timer.
  EventBatch idle_tick(std::chrono::steady_clock::time_point now, std::chrono::seconds idle_after);

  // Alerts per rule title since the last call, most first (for the periodic log line).
  std::vector<std::pair<std::string, uint64_t>> take_recent_alerts();

 private:
  mutable std::mutex mu_;
  // mutable: its stats() reads live correlation state and is not const; mu_ guards it.
  mutable detect::DetectionEngine engine_;
  std::vector<detect::Detection> detections_;
  DetectStats totals_;
  detect::MatcherStats matcher_before_;        // of rule sets replaced
  detect::CorrelatorStats correlator_before_;  // of rule sets replaced
  std::map<std::string, uint64_t> recent_;
  TimeNs newest_event_ = kMinTime;  // the newest event time seen
  std::chrono::steady_clock::time_point last_batch_at_ = std::chrono::steady_clock::now();
};

}  // namespace vigil
