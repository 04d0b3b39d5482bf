// Matcher: runs a RuleSet's detection rules over batches of events. Per event it
// finds the log-source gates the event opens (one lookup per gate key field), builds
// the event's text once, scans it with the prefilter of each open gate's rules (and of
// the rules without a gate), and evaluates only the rules one of whose literals the
// text holds, plus the rules without literals. One Matcher per thread; the RuleSet is
// shared.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/event_batch.h"
#include "detect/rule_set.h"

namespace vigil::detect {

struct RuleMatch {
  uint32_t rule = 0;   // index into RuleSet::rules
  uint32_t event = 0;  // index into the batch
};

struct MatcherStats {
  uint64_t events = 0;
  uint64_t evaluated = 0;  // rule evaluations after the prefilter
  uint64_t matches = 0;
  uint64_t prefilter_errors = 0;
};

class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const RuleSet> rules);

  // Appends every (rule, event) whose rule matches, in event order, rules ascending.
  void match(const EventBatch& batch, std::vector<RuleMatch>& out);

  const RuleSet& rules() const { return *rules_; }
  const MatcherStats& stats() const { return stats_; }

 private:
  bool gate_open(int gate);
  void find_open_gates();
  void scan_part(const RuleSet::Part& part);

  std::shared_ptr<const RuleSet> rules_;
  MatcherStats stats_;
  EventView view_;
  MatchScratch scratch_;
  Prefilter::Scratch prefilter_scratch_;
  // The event's values for the prefilter: first those of fields rules read (field
  // literals are looked for there), then the others (keywords' literals look in all).
  std::string text_;
  size_t read_size_ = 0;  // bytes of text_ that hold the values of fields rules read
  bool keywords_open_ = false;  // some open part has keywords' literals: text_ holds every value
  std::string value_scratch_;
  std::vector<uint32_t> hits_;       // prefilter owners, with repeats
  std::vector<uint32_t> seen_;       // by rule: stamp of the event that last listed it
  uint32_t stamp_ = 0;
  std::vector<uint32_t> candidates_;
  std::vector<int8_t> gate_memo_;    // by gate: -1 unknown, 0 closed, 1 open
  std::vector<uint32_t> open_parts_;  // parts to scan for this event
  std::string key_text_;             // a gate key value, folded
};

}  // namespace vigil::detect
