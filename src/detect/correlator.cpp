// Correlation state and judgement; see correlator.h and docs/sigma.md.
#include "detect/correlator.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>

namespace vigil::detect {

namespace {

using Type = SigmaCorrelation::Type;
using Op = SigmaCorrelation::Op;

bool holds(const std::vector<SigmaCorrelation::Bound>& bounds, double v) {
  for (const auto& b : bounds) {
    switch (b.op) {
      case Op::Gt: if (!(v > b.value)) return false; break;
      case Op::Gte: if (!(v >= b.value)) return false; break;
      case Op::Lt: if (!(v < b.value)) return false; break;
      case Op::Lte: if (!(v <= b.value)) return false; break;
      case Op::Eq: if (!(v == b.value)) return false; break;
      case Op::Neq: if (!(v != b.value)) return false; break;
    }
  }
  return true;
}

const Value* first_value(const EventView& e, const std::vector<FieldId>& candidates) {
  for (FieldId id : candidates) {
    const Value* found = nullptr;
    if (e.any_value(id, [&](const Value& v) {
          found = &v;
          return true;
        }))
      return found;
  }
  return nullptr;
}


size_t entry_bytes(const std::string& key) { return sizeof(std::pair<const std::string, int>) + key.size() + 96; }

}  // namespace

Correlator::Correlator(std::shared_ptr<const RuleSet> rules, CorrelatorLimits limits)
    : rules_(std::move(rules)), limits_(limits), groups_(rules_->correlations.size()) {}

const CorrelatorStats& Correlator::stats() {
  stats_.groups = 0;
  stats_.memory_bytes = 0;
  for (const auto& m : groups_) {
    stats_.groups += m.size();
    for (const auto& [k, g] : m) {
      stats_.memory_bytes += entry_bytes(k);
      for (const Entry& e : g.entries) stats_.memory_bytes += sizeof(Entry) + e.value.capacity();
    }
  }
  return stats_;
}

void Correlator::observe(const EventBatch& batch, const std::vector<RuleMatch>& matches,
                         std::vector<CorrelationFiring>& out) {
  if (rules_->correlations.empty()) return;
  EventView view;
  std::string text;
  for (const RuleMatch& m : matches) {
    const DetectionRule& rule = rules_->rules[m.rule];
    if (rule.correlations.empty()) continue;
    view.set(batch, m.event);
    const TimeNs time = batch[m.event].time;
    watermark_ = std::max(watermark_, time);
    for (uint32_t ci : rule.correlations) {
      const CompiledCorrelation& c = rules_->correlations[ci];
      for (uint32_t pos = 0; pos < c.inputs.size(); ++pos) {
        const CorrelationInput& in = c.inputs[pos];
        if (in.is_correlation || in.index != m.rule) continue;
        ++stats_.observed;
        std::string key(batch[m.event].tenant);
        key.push_back('\x1e');
        std::vector<std::pair<std::string, std::string>> key_values;
        bool missing = false;
        for (size_t g = 0; g < in.group_fields.size(); ++g) {
          const Value* v = first_value(view, in.group_fields[g]);
          if (!v) {
            missing = true;
            break;
          }
          const std::string_view t = value_text(*v, text);
          key.append(t);
          key.push_back('\x1f');
          key_values.emplace_back(c.group_by[g], std::string(t));
        }
        if (missing) {
          ++stats_.missing_group_field;
          continue;
        }
        Entry entry{.time = time, .input = pos, .value = {}, .number = std::nan("")};
        for (const auto& candidates : in.value_fields) {
          const Value* v = first_value(view, candidates);
          if (!v) continue;
          if (!entry.value.empty()) entry.value.push_back('\x1f');
          entry.value.append(value_text(*v, text));
          entry.number = value_number(*v).value_or(std::nan(""));
        }
        if ((c.type == Type::ValueCount || c.type == Type::ValuePercentile) && entry.value.empty()) continue;
        add(ci, std::move(entry), batch[m.event].tenant, std::move(key), std::move(key_values), m.event, out);
      }
    }
  }
}

void Correlator::add(uint32_t ci, Entry entry, std::string_view tenant, std::string key,
                     std::vector<std::pair<std::string, std::string>> key_values, uint32_t event,
                     std::vector<CorrelationFiring>& out) {
  const CompiledCorrelation& c = rules_->correlations[ci];
  auto& groups = groups_[ci];
  auto it = groups.find(key);
  if (it == groups.end()) {
    if (groups.size() >= limits_.max_groups) {
      // The group that saw nothing for longest goes; its partial window is lost, counted.
      auto oldest = groups.begin();
      for (auto g = groups.begin(); g != groups.end(); ++g)
        if (g->second.newest < oldest->second.newest) oldest = g;
      groups.erase(oldest);
      ++stats_.evicted_groups;
    }
    it = groups.emplace(std::move(key), Group{}).first;
    it->second.key = std::move(key_values);
    it->second.tenant = std::string(tenant);
  }
  Group& g = it->second;
  if (g.newest != kMinTime && entry.time < g.newest - c.timespan) {
    ++stats_.late;
    return;
  }
  const TimeNs t = entry.time;
  auto at = std::upper_bound(g.entries.begin(), g.entries.end(), t, [](TimeNs x, const Entry& e) { return x < e.time; });
  size_t pos = static_cast<size_t>(at - g.entries.begin());
  g.entries.insert(at, std::move(entry));
  g.newest = std::max(g.newest, t);
  // Matches that no window ending at or after the newest can hold.
  while (!c.decided_at_window_end && !g.entries.empty() && g.entries.front().time < g.newest - c.timespan) {
    g.entries.pop_front();
    if (pos > 0) --pos;
  }
  while (g.entries.size() > limits_.max_matches_per_group) {
    g.entries.pop_front();
    ++stats_.evicted_matches;
    if (pos > 0) --pos;
  }
  if (c.decided_at_window_end) return;  // judged in advance()
  // Windows that end at the new match or, when it came late, at a later one.
  for (size_t end = pos; end < g.entries.size() && g.entries[end].time <= t + c.timespan; ++end) {
    const TimeNs end_time = g.entries[end].time;
    size_t lo = end;
    while (lo > 0 && g.entries[lo - 1].time >= end_time - c.timespan) --lo;
    double value = 0;
    if (judge(c, g, lo, end, value)) {
      fire(ci, g, lo, end, value, event, out);
      break;
    }
  }
}

bool Correlator::judge(const CompiledCorrelation& c, const Group& g, size_t lo, size_t hi, double& value) const {
  const size_t n = hi - lo + 1;
  switch (c.type) {
    case Type::EventCount:
      value = static_cast<double>(n);
      break;
    case Type::ValueCount: {
      std::set<std::string_view> distinct;
      for (size_t i = lo; i <= hi; ++i) distinct.insert(g.entries[i].value);
      value = static_cast<double>(distinct.size());
      break;
    }
    case Type::Temporal: {
      std::vector<bool> seen(c.inputs.size(), false);
      for (size_t i = lo; i <= hi; ++i) seen[g.entries[i].input] = true;
      value = static_cast<double>(std::count(seen.begin(), seen.end(), true));
      if (c.condition.empty()) return value == static_cast<double>(c.inputs.size());
      break;
    }
    case Type::TemporalOrdered: {
      // The inputs in their listed order, each at or after the one before.
      size_t next = 0;
      for (size_t i = lo; i <= hi && next < c.inputs.size(); ++i)
        if (g.entries[i].input == next) ++next;
      value = static_cast<double>(next);
      if (c.condition.empty()) return next == c.inputs.size();
      break;
    }
    case Type::ValueSum:
    case Type::ValueAvg: {
      double sum = 0;
      size_t count = 0;
      for (size_t i = lo; i <= hi; ++i) {
        if (std::isnan(g.entries[i].number)) continue;
        sum += g.entries[i].number;
        ++count;
      }
      if (count == 0) return false;
      value = c.type == Type::ValueSum ? sum : sum / static_cast<double>(count);
      break;
    }
    case Type::ValuePercentile: {
      // The share (in %) of the window's matches that have the last match's value.
      const std::string& v = g.entries[hi].value;
      size_t same = 0;
      for (size_t i = lo; i <= hi; ++i) same += g.entries[i].value == v;
      value = 100.0 * static_cast<double>(same) / static_cast<double>(n);
      break;
    }
  }
  return holds(c.condition, value);
}

void Correlator::fire(uint32_t ci, Group& g, size_t lo, size_t hi, double value, uint32_t event,
                      std::vector<CorrelationFiring>& out) {
  const CompiledCorrelation& c = rules_->correlations[ci];
  CorrelationFiring f;
  f.correlation = ci;
  f.tenant = g.tenant;
  f.first = g.entries[lo].time;
  f.last = g.entries[hi].time;
  f.group = g.key;
  f.value = value;
  f.matches = static_cast<uint32_t>(hi - lo + 1);
  f.event = event;
  ++stats_.fired;
  // The group starts afresh after the window that fired; a percentile keeps its window,
  // which is the baseline its rare values are measured against, and drops only the
  // match that fired.
  if (c.type == Type::ValuePercentile)
    g.entries.erase(g.entries.begin() + static_cast<std::ptrdiff_t>(hi));
  else
    g.entries.erase(g.entries.begin(), g.entries.begin() + static_cast<std::ptrdiff_t>(hi + 1));
  // A chained correlation sees the firing as one match of its own.
  for (uint32_t parent : c.parents) {
    const CompiledCorrelation& p = rules_->correlations[parent];
    for (uint32_t pos = 0; pos < p.inputs.size(); ++pos) {
      if (!p.inputs[pos].is_correlation || p.inputs[pos].index != ci) continue;
      ++stats_.observed;
      std::string key = f.tenant;
      key.push_back('\x1e');
      std::vector<std::pair<std::string, std::string>> key_values;
      bool missing = false;
      for (const std::string& name : p.group_by) {
        auto kv = std::find_if(f.group.begin(), f.group.end(), [&](const auto& x) { return x.first == name; });
        if (kv == f.group.end()) {
          missing = true;
          break;
        }
        key.append(kv->second);
        key.push_back('\x1f');
        key_values.push_back(*kv);
      }
      if (missing) {
        ++stats_.missing_group_field;
        continue;
      }
      add(parent, Entry{.time = f.last, .input = pos, .value = {}, .number = std::nan("")}, f.tenant, std::move(key),
          std::move(key_values), event, out);
    }
  }
  out.push_back(std::move(f));
}

void Correlator::advance(TimeNs watermark, std::vector<CorrelationFiring>& out) {
  watermark_ = std::max(watermark_, watermark);
  for (uint32_t ci = 0; ci < groups_.size(); ++ci) {
    const CompiledCorrelation& c = rules_->correlations[ci];
    auto& groups = groups_[ci];
    for (auto it = groups.begin(); it != groups.end();) {
      Group& g = it->second;
      if (c.decided_at_window_end) {
        // Whole windows, each starting at the oldest match still held.
        while (!g.entries.empty() && (watermark_ == kMaxTime || g.entries.front().time + c.timespan < watermark_)) {
          const TimeNs end_time = g.entries.front().time + c.timespan;
          size_t hi = 0;
          while (hi + 1 < g.entries.size() && g.entries[hi + 1].time <= end_time) ++hi;
          double value = 0;
          if (judge(c, g, 0, hi, value)) {
            fire(ci, g, 0, hi, value, UINT32_MAX, out);
          } else {
            g.entries.erase(g.entries.begin(), g.entries.begin() + static_cast<std::ptrdiff_t>(hi + 1));
          }
        }
      } else if (!g.entries.empty() && (watermark_ == kMaxTime || g.newest + c.timespan < watermark_)) {
        g.entries.clear();  // nothing can still join these matches
      }
      if (g.entries.empty() && (watermark_ == kMaxTime || g.newest + c.timespan < watermark_)) {
        ++stats_.expired_groups;
        it = groups.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace vigil::detect
