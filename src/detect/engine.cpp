// DetectionEngine; see engine.h.
#include "detect/engine.h"

#include "detect/detection_finding.h"

namespace vigil::detect {

DetectionEngine::DetectionEngine(std::shared_ptr<const RuleSet> rules, CorrelatorLimits limits)
    : rules_(rules), limits_(limits), matcher_(rules), correlator_(rules, limits) {}

void DetectionEngine::replace(std::shared_ptr<const RuleSet> rules) {
  rules_ = rules;
  matcher_ = Matcher(rules);
  correlator_ = Correlator(rules, limits_);
}

void DetectionEngine::run(const EventBatch& batch, std::vector<Detection>& out, EventBatch* alerts) {
  matches_.clear();
  matcher_.match(batch, matches_);
  for (const RuleMatch& m : matches_) {
    const DetectionRule& rule = rules_->rules[m.rule];
    if (!rule.alerts) continue;
    out.push_back({.correlation = false, .index = m.rule, .time = batch[m.event].time, .event = m.event, .firing = {}});
    if (alerts) append_rule_finding(rule.meta, batch, m.event, *alerts);
    ++alerts_;
  }
  if (rules_->correlations.empty()) return;
  firings_.clear();
  correlator_.observe(batch, matches_, firings_);
  correlator_.advance(batch.max_time(), firings_);
  emit_firings(&batch, out, alerts);
}

void DetectionEngine::finish(std::vector<Detection>& out, EventBatch* alerts) {
  if (rules_->correlations.empty()) return;
  firings_.clear();
  correlator_.advance(kMaxTime, firings_);
  emit_firings(nullptr, out, alerts);
}

void DetectionEngine::advance(TimeNs watermark, std::vector<Detection>& out, EventBatch* alerts) {
  if (rules_->correlations.empty()) return;
  firings_.clear();
  correlator_.advance(watermark, firings_);
  emit_firings(nullptr, out, alerts);
}

void DetectionEngine::emit_firings(const EventBatch* batch, std::vector<Detection>& out, EventBatch* alerts) {
  for (CorrelationFiring& f : firings_) {
    const CompiledCorrelation& c = rules_->correlations[f.correlation];
    if (!c.alerts) continue;
    if (alerts) append_correlation_finding(c, f, batch, *alerts);
    ++alerts_;
    out.push_back({.correlation = true, .index = f.correlation, .time = f.last, .event = f.event, .firing = std::move(f)});
  }
}

EngineStats DetectionEngine::stats() { return {matcher_.stats(), correlator_.stats(), alerts_}; }

}  // namespace vigil::detect
