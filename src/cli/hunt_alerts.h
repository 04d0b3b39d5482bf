// The alerts of a hunt (`vigil hunt`, `vigil rules test`): every detection the engine
// raises, with the Detection Finding written for it and where in its file the event
// that raised it sits, kept until the end so they can be printed sorted by time.
// Findings stay in the batches the engine wrote them to (no copies per alert).
#pragma once

#include <cstdint>
#include <vector>

#include "cli/event_files.h"
#include "detect/engine.h"

namespace vigil {

struct HuntAlert {
  TimeNs time = 0;
  bool correlation = false;
  uint32_t index = 0;             // into RuleSet::rules or ::correlations
  uint32_t batch = 0, event = 0;  // the finding: HuntAlerts::findings[batch][event]
  PositionKind kind = PositionKind::None;
  uint64_t position = 0;          // line or record of the event, when kind says so
};

struct HuntAlerts {
  std::vector<EventBatch> findings;
  std::vector<HuntAlert> alerts;
};

// Runs `batch` through the engine and records its alerts. `positions` (one per event
// of the batch, or null) and `kind` say where the events came from.
void hunt_batch(detect::DetectionEngine& engine, const EventBatch& batch, const std::vector<uint64_t>* positions,
                PositionKind kind, HuntAlerts& out);
// The end of the stream: correlation windows still open are judged.
void hunt_finish(detect::DetectionEngine& engine, HuntAlerts& out);

// Oldest first; alerts of the same time keep the order they were raised in.
void sort_by_time(HuntAlerts& alerts);

// The rule or correlation that raised an alert.
const detect::RuleMeta& meta_of(const detect::RuleSet& rules, const HuntAlert& a);
const Event& finding_of(const HuntAlerts& alerts, const HuntAlert& a);

}  // namespace vigil
