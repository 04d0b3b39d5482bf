// Matcher: prefilter, gates, evaluation; see matcher.h.
#include "detect/matcher.h"

#include <algorithm>

namespace vigil::detect {

Matcher::Matcher(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {
  seen_.assign(rules_->rules.size(), 0);
  gate_memo_.assign(rules_->gates.size(), -1);
  for (const RuleSet::Part& p : rules_->parts)
    if (!p.prefilter.reserve(prefilter_scratch_).ok()) ++stats_.prefilter_errors;
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

void Matcher::find_open_gates() {
  const RuleSet& set = *rules_;
  std::fill(gate_memo_.begin(), gate_memo_.end(), -1);
  open_parts_.clear();
  open_parts_.push_back(0);  // the rules without a gate
  auto consider = [&](uint32_t g) {
    if (gate_memo_[g] < 0 && gate_open(static_cast<int>(g))) open_parts_.push_back(g + 1);
  };
  for (const RuleSet::GateKey& key : set.gate_keys) {
    view_.any_value(key.field, [&](const Value& v) {
      key_text_ = value_text(v, value_scratch_);
      for (char& c : key_text_) c = fold(c);
      if (auto it = key.gates.find(key_text_); it != key.gates.end())
        for (uint32_t g : it->second) consider(g);
      return false;
    });
  }
  for (const auto& [field, gates] : set.field_gates)
    if (view_.has(field))
      for (uint32_t g : gates) consider(g);
  for (uint32_t g : set.keyless_gates) consider(g);
}

void Matcher::scan_part(const RuleSet::Part& part) {
  auto scan = [&](const Prefilter& pre, std::string_view text) {
    if (pre.empty()) return;
    hits_.clear();
    if (!pre.scan(text, prefilter_scratch_, hits_).ok()) {
      // Without the prefilter's answer every rule is a candidate: slower, never a miss.
      ++stats_.prefilter_errors;
      for (uint32_t r = 0; r < rules_->rules.size(); ++r) hits_.push_back(r);
    }
    for (uint32_t r : hits_) {
      if (seen_[r] != stamp_) {
        seen_[r] = stamp_;
        candidates_.push_back(r);
      }
    }
  };
  scan(part.prefilter, std::string_view(text_).substr(0, read_size_));
  scan(part.keyword_prefilter, text_);
  candidates_.insert(candidates_.end(), part.unfiltered.begin(), part.unfiltered.end());
}

void Matcher::match(const EventBatch& batch, std::vector<RuleMatch>& out) {
  const RuleSet& set = *rules_;
  for (uint32_t e = 0; e < batch.size(); ++e) {
    ++stats_.events;
    view_.set(batch, e);
    if (++stamp_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      stamp_ = 1;
    }
    find_open_gates();
    // One buffer, one scan per open part: the values of fields rules read first, then
    // (only when an open part has keywords) the others.
    text_.clear();
    auto read = [&](FieldId id) {
      for (uint32_t p : open_parts_)
        if (set.parts[p].read(id)) return true;
      return false;
    };
    for (const Field& f : view_.fields()) {
      if (!read(f.id)) continue;
      text_.append(value_text(f.value, value_scratch_));
      text_.push_back('\n');
    }
    read_size_ = text_.size();
    keywords_open_ = std::any_of(open_parts_.begin(), open_parts_.end(),
                                 [&](uint32_t p) { return !set.parts[p].keyword_prefilter.empty(); });
    if (keywords_open_) {
      for (const Field& f : view_.fields()) {
        if (read(f.id)) continue;
        text_.append(value_text(f.value, value_scratch_));
        text_.push_back('\n');
      }
      if (batch[e].flags & kFlagParseError) text_.append(batch[e].raw);
    }
    candidates_.clear();
    for (uint32_t p : open_parts_) scan_part(set.parts[p]);
    std::sort(candidates_.begin(), candidates_.end());
    candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
    for (uint32_t r : candidates_) {
      const DetectionRule& rule = set.rules[r];
      if (!gate_open(rule.gate)) continue;  // a prefilter fallback may list any rule
      if (const auto& need = rule.compiled.required_fields;
          need && std::none_of(need->begin(), need->end(), [&](FieldId id) { return view_.has(id); }))
        continue;
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
