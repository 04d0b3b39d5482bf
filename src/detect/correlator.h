// Correlator: the state of a RuleSet's correlation rules over a stream of rule
// matches. Per correlation and group-by key it keeps the matches of the last
// timespan, sorted by event time, and judges the window that ends at each match:
// a correlation whose condition has only lower bounds (gt, gte) fires as soon as a
// window holds it; one with an upper bound (lt, lte, eq, neq) can only be judged on
// a whole window, so it is judged when the watermark (the newest event time seen)
// passes the end of the window that starts at the group's oldest match. After a
// firing the group starts afresh. A chained correlation reads the firings of the
// one below as its matches. Semantics and choices: docs/sigma.md.
//
// Memory is bounded: groups per correlation and matches per group are capped; the
// oldest go first and are counted. Matches older than a group's window are counted
// as late and not used.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detect/matcher.h"
#include "detect/rule_set.h"

namespace vigil::detect {

struct CorrelationFiring {
  uint32_t correlation = 0;  // index into RuleSet::correlations
  std::string tenant;        // groups never mix tenants
  TimeNs first = 0, last = 0;  // event times of the window's first and last match
  std::vector<std::pair<std::string, std::string>> group;  // group-by name -> value
  double value = 0;   // what the condition judged: count, distinct values, sum, average, share in %
  uint32_t matches = 0;  // matches in the window
  uint32_t event = UINT32_MAX;  // batch index of the match that completed it, when fired in observe()
};

struct CorrelatorLimits {
  size_t max_groups = 200'000;          // per correlation
  size_t max_matches_per_group = 10'000;
};

struct CorrelatorStats {
  uint64_t observed = 0;         // matches fed in (incl. chained firings)
  uint64_t fired = 0;
  uint64_t evicted_groups = 0;   // dropped for the group cap, oldest first
  uint64_t evicted_matches = 0;  // dropped for the per-group cap, oldest first
  uint64_t expired_groups = 0;   // groups whose window passed without firing
  uint64_t late = 0;             // matches older than their group's window
  uint64_t missing_group_field = 0;  // matches without a group-by field: not counted
  size_t groups = 0;             // live now
  size_t memory_bytes = 0;       // approximate, live now
};

class Correlator {
 public:
  explicit Correlator(std::shared_ptr<const RuleSet> rules, CorrelatorLimits limits = {});

  // Feeds the matches of one batch (from Matcher::match) and appends the firings.
  void observe(const EventBatch& batch, const std::vector<RuleMatch>& matches, std::vector<CorrelationFiring>& out);
  // Judges windows that end before `watermark` and expires groups that can no
  // longer fire. Call after each batch with its newest event time; at the end of a
  // hunt with kMaxTime so that every window is judged.
  void advance(TimeNs watermark, std::vector<CorrelationFiring>& out);

  const CorrelatorStats& stats();

 private:
  struct Entry {
    TimeNs time = 0;
    uint32_t input = 0;  // position in the correlation's inputs
    std::string value;   // value_count / percentile: the field's text
    double number = 0;   // value_sum / avg: the field's number (NaN when none)
  };
  struct Group {
    std::string tenant;
    std::vector<std::pair<std::string, std::string>> key;
    std::deque<Entry> entries;  // by time
    TimeNs newest = kMinTime;
  };

  void add(uint32_t correlation, Entry entry, std::string_view tenant, std::string key,
           std::vector<std::pair<std::string, std::string>> key_values, uint32_t event, std::vector<CorrelationFiring>& out);
  bool judge(const CompiledCorrelation& c, const Group& g, size_t lo, size_t hi, double& value) const;
  void fire(uint32_t correlation, Group& g, size_t lo, size_t hi, double value, uint32_t event,
            std::vector<CorrelationFiring>& out);

  std::shared_ptr<const RuleSet> rules_;
  CorrelatorLimits limits_;
  CorrelatorStats stats_;
  std::vector<std::unordered_map<std::string, Group>> groups_;  // by correlation
  TimeNs watermark_ = kMinTime;
  std::string scratch_;
};

}  // namespace vigil::detect
