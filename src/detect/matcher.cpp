// Matcher: prefilter, gates, evaluation; see matcher.h.
#include "detect/matcher.h"

#include <algorithm>

namespace vigil::detect {

Matcher::Matcher(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {
  seen_.assign(rules_->rules.size(), 0);
  gate_memo_.assign(rules_->gates.size(), -1);
}

bool Matcher::gate_open(int gate) {
  if (gate < 0) return true;
  int8_t& memo = gate_memo_[gate];
  if (memo < 0) {
    memo = 0;
    for (const auto& alternative : rules_->gates[gate].alternatives) {
      bool all = true;
      for (const CompiledFieldMatch& m : alternative) all = all && evaluate(m, view_, scratch_);
      if (all) {
        memo = 1;
        break;
      }
    }
  }
  return memo == 1;
}

void Matcher::match(const EventBatch& batch, std::vector<RuleMatch>& out) {
  const RuleSet& set = *rules_;
  for (uint32_t e = 0; e < batch.size(); ++e) {
    ++stats_.events;
    view_.set(batch, e);
    std::fill(gate_memo_.begin(), gate_memo_.end(), -1);
    if (++stamp_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      stamp_ = 1;
    }
    candidates_.clear();
    if (!set.prefilter.empty()) {
      // All values' text in one buffer: one scan finds every rule's literals.
      text_.clear();
      for (const Field& f : view_.fields()) {
        text_.append(value_text(f.value, value_scratch_));
        text_.push_back('\n');
      }
      if (batch[e].flags & kFlagParseError) text_.append(batch[e].raw);
      hits_.clear();
      if (!set.prefilter.scan(text_, prefilter_scratch_, hits_).ok()) {
        // Without the prefilter's answer every rule is a candidate: slower, never a miss.
        ++stats_.prefilter_errors;
        hits_.resize(set.rules.size());
        for (uint32_t i = 0; i < hits_.size(); ++i) hits_[i] = i;
      }
      for (uint32_t r : hits_) {
        if (seen_[r] != stamp_) {
          seen_[r] = stamp_;
          candidates_.push_back(r);
        }
      }
    }
    candidates_.insert(candidates_.end(), set.unfiltered.begin(), set.unfiltered.end());
    std::sort(candidates_.begin(), candidates_.end());
    for (uint32_t r : candidates_) {
      const DetectionRule& rule = set.rules[r];
      if (!gate_open(rule.gate)) continue;
      ++stats_.evaluated;
      if (!evaluate(rule.compiled, view_, scratch_)) continue;
      bool filtered = false;
      for (const CompiledFilter& f : rule.filters) filtered = filtered || evaluate(f.condition, view_, scratch_);
      if (filtered) continue;
      ++stats_.matches;
      out.push_back({r, e});
    }
  }
}

}  // namespace vigil::detect
