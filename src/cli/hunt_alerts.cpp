// Collecting a hunt's alerts; see hunt_alerts.h.
#include "cli/hunt_alerts.h"

#include <algorithm>
#include <cassert>

namespace vigil {

namespace {

// The engine appends one finding per detection, in the same order (engine.cpp), so
// the k-th new detection of a call is the k-th new finding.
void record(const std::vector<detect::Detection>& detections, EventBatch&& findings, const std::vector<uint64_t>* positions,
            PositionKind kind, HuntAlerts& out) {
  if (detections.empty()) return;
  assert(detections.size() == findings.size());
  const auto batch = static_cast<uint32_t>(out.findings.size());
  for (size_t i = 0; i < detections.size() && i < findings.size(); ++i) {
    const detect::Detection& d = detections[i];
    HuntAlert a{.time = d.time, .correlation = d.correlation, .index = d.index, .batch = batch,
                .event = static_cast<uint32_t>(i)};
    if (positions && d.event < positions->size()) {
      a.kind = kind;
      a.position = (*positions)[d.event];
    }
    out.alerts.push_back(a);
  }
  out.findings.push_back(std::move(findings));
}

}  // namespace

void hunt_batch(detect::DetectionEngine& engine, const EventBatch& batch, const std::vector<uint64_t>* positions,
                PositionKind kind, HuntAlerts& out) {
  std::vector<detect::Detection> detections;
  EventBatch findings;
  engine.run(batch, detections, &findings);
  record(detections, std::move(findings), positions, kind, out);
}

void hunt_finish(detect::DetectionEngine& engine, HuntAlerts& out) {
  std::vector<detect::Detection> detections;
  EventBatch findings;
  engine.finish(detections, &findings);
  record(detections, std::move(findings), nullptr, PositionKind::None, out);
}

void sort_by_time(HuntAlerts& alerts) {
  std::stable_sort(alerts.alerts.begin(), alerts.alerts.end(),
                   [](const HuntAlert& a, const HuntAlert& b) { return a.time < b.time; });
}

const detect::RuleMeta& meta_of(const detect::RuleSet& rules, const HuntAlert& a) {
  return a.correlation ? rules.correlations[a.index].meta : rules.rules[a.index].meta;
}

const Event& finding_of(const HuntAlerts& alerts, const HuntAlert& a) { return alerts.findings[a.batch][a.event]; }

}  // namespace vigil
