// Detection at ingest; see detect_stage.h.
#include "server/detect_stage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace vigil {

namespace {

void add_matcher(detect::MatcherStats& to, const detect::MatcherStats& s) {
  to.events += s.events;
  to.evaluated += s.evaluated;
  to.matches += s.matches;
  to.prefilter_errors += s.prefilter_errors;
}

void add_correlator_counts(detect::CorrelatorStats& to, const detect::CorrelatorStats& s) {
  to.observed += s.observed;
  to.fired += s.fired;
  to.evicted_groups += s.evicted_groups;
  to.evicted_matches += s.evicted_matches;
  to.expired_groups += s.expired_groups;
  to.late += s.late;
  to.missing_group_field += s.missing_group_field;
}

}  // namespace


DetectStage::DetectStage(std::shared_ptr<const detect::RuleSet> rules) : engine_(std::move(rules)) {}

size_t DetectStage::process(EventBatch& batch) {
  std::lock_guard lock(mu_);
  const detect::RuleSet& set = engine_.rules();
  if (batch.empty() || (set.rules.empty() && set.correlations.empty())) return 0;
  ++totals_.batches;
  totals_.events += batch.size();
  if (!batch.empty()) {
    newest_event_ = std::max(newest_event_, batch.max_time());
    last_batch_at_ = std::chrono::steady_clock::now();
  }
  detections_.clear();
  EventBatch alerts;
  try {
    engine_.run(batch, detections_, &alerts);
  } catch (const std::exception& e) {
    // The events are written all the same; only their alerts are lost, and counted.
    if (totals_.errors++ % 1000 == 0)
      spdlog::error("detect: a batch of {} events failed ({} so far; written without alerts): {}", batch.size(),
                    totals_.errors, e.what());
    return 0;
  }
  for (const detect::Detection& d : detections_) {
    ++(d.correlation ? totals_.correlation_alerts : totals_.rule_alerts);
    const detect::RuleMeta& meta = d.correlation ? set.correlations[d.index].meta : set.rules[d.index].meta;
    ++recent_[meta.title];
  }
  totals_.alerts += alerts.size();
  for (const Event& e : alerts.events()) copy_event(alerts, e, batch);
  return alerts.size();
}

EventBatch DetectStage::idle_tick(std::chrono::steady_clock::time_point now, std::chrono::seconds idle_after) {
  std::lock_guard lock(mu_);
  EventBatch alerts;
  const auto idle = now - last_batch_at_;
  if (newest_event_ == kMinTime || idle < idle_after) return alerts;
  const TimeNs watermark = newest_event_ + std::chrono::duration_cast<std::chrono::nanoseconds>(idle).count();
  detections_.clear();
  engine_.advance(watermark, detections_, &alerts);
  const detect::RuleSet& set = engine_.rules();
  for (const detect::Detection& d : detections_) {
    ++totals_.correlation_alerts;
    ++recent_[set.correlations[d.index].meta.title];
  }
  totals_.alerts += alerts.size();
  return alerts;
}

void DetectStage::replace(std::shared_ptr<const detect::RuleSet> rules) {
  std::lock_guard lock(mu_);
  const detect::EngineStats s = engine_.stats();
  add_matcher(matcher_before_, s.matcher);
  add_correlator_counts(correlator_before_, s.correlator);
  engine_.replace(std::move(rules));
  ++totals_.rule_sets;
}

std::shared_ptr<const detect::RuleSet> DetectStage::rules() const {
  std::lock_guard lock(mu_);
  return engine_.rule_set();
}

DetectStats DetectStage::stats() const {
  std::lock_guard lock(mu_);
  DetectStats out = totals_;
  const detect::RuleSet& set = engine_.rules();
  out.rules = set.rules.size();
  out.correlations = set.correlations.size();
  out.refused = set.report.refusals.size();
  const detect::EngineStats s = engine_.stats();
  out.matcher = matcher_before_;
  add_matcher(out.matcher, s.matcher);
  out.correlator = correlator_before_;
  add_correlator_counts(out.correlator, s.correlator);
  out.correlator.groups = s.correlator.groups;
  out.correlator.memory_bytes = s.correlator.memory_bytes;
  return out;
}

std::vector<std::pair<std::string, uint64_t>> DetectStage::take_recent_alerts() {
  std::map<std::string, uint64_t> recent;
  {
    std::lock_guard lock(mu_);
    recent.swap(recent_);
  }
  std::vector<std::pair<std::string, uint64_t>> out(recent.begin(), recent.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace vigil
