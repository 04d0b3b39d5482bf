// RuleSet: a whole set of Sigma files compiled once, immutable afterwards so that
// matchers on several threads share it and a reload swaps in a new one. It holds
// the detection rules (with the filters that apply to them and the log-source gate
// each needs), the correlations over them, the one prefilter of all their
// literals, and every refusal: a broken rule is reported with file, line and
// reason and never stops the others.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/compiled_rule.h"
#include "detect/prefilter.h"
#include "detect/sigma_rule.h"

namespace vigil::detect {

// What an alert says about the rule that raised it.
struct RuleMeta {
  std::string id, name, title, level, status, description, file;
  int line = 0;
  std::vector<std::string> tags;
  LogSource logsource;
};

struct CompiledFilter {
  CompiledRule condition;  // the rule matches only where this does not hold
};

struct DetectionRule {
  RuleMeta meta;
  CompiledRule compiled;
  int gate = -1;  // index into RuleSet::gates, -1: any event
  std::vector<CompiledFilter> filters;
  bool alerts = true;  // false: only feeds correlations that do not `generate`
  std::vector<uint32_t> correlations;  // correlations fed by this rule's matches
};

// Where a correlation reads a field in the matches of one of its inputs.
struct CorrelationInput {
  bool is_correlation = false;  // a chained correlation
  uint32_t index = 0;           // into rules or correlations
  std::vector<std::vector<FieldId>> group_fields;  // per group-by entry: candidates (rule inputs)
  std::vector<std::vector<FieldId>> value_fields;  // per `field` entry: candidates (rule inputs)
};

struct CompiledCorrelation {
  RuleMeta meta;
  SigmaCorrelation::Type type = SigmaCorrelation::Type::EventCount;
  std::vector<CorrelationInput> inputs;  // in `rules` order
  std::vector<std::string> group_by;     // names, as written (the key of a chained firing)
  TimeNs timespan = 0;
  std::vector<SigmaCorrelation::Bound> condition;
  bool decided_at_window_end = false;  // an upper bound: only a whole window can be judged
  bool alerts = true;                  // false when a correlation above consumes it without `generate`
  std::vector<uint32_t> parents;       // correlations fed by this one's firings
};

struct LoadReport {
  size_t files = 0;
  size_t documents = 0;
  std::vector<std::string> refusals;  // "file:line: reason"
  std::vector<std::string> warnings;
};

// A log source's conditions on events: an OR of ANDs of "field is one of values"
// (exact, ASCII case folded). Empty: any event; nullopt: a source Vigil cannot tell
// apart from others (its rules are refused, saying so).
struct GateCondition {
  std::string field;
  std::vector<std::string> values;
};
using GateResolver = std::function<std::optional<std::vector<std::vector<GateCondition>>>(const LogSource&)>;

struct RuleSetOptions {
  FieldResolver resolve;  // OCSF names of Sigma fields (content/sigma/fields.yaml); unset: Sigma names only
  GateResolver gate;      // log-source conditions (content/sigma/logsources.yaml); unset: no gates
  std::map<std::string, std::vector<std::string>, std::less<>> placeholders;  // for `expand`
};

struct RuleSet {
  std::vector<DetectionRule> rules;
  std::vector<CompiledCorrelation> correlations;
  std::vector<CompiledSelection> gates;  // log-source conditions, shared by the rules of one source

  // The rules split by gate, each part with its own prefilter: an event is scanned
  // only with the parts of the gates it opens, each far smaller than all rules'
  // literals together. parts[0]: rules without a gate; parts[g + 1]: gate g.
  struct Part {
    Prefilter prefilter;          // literals in the values of read_fields
    Prefilter keyword_prefilter;  // keywords' literals: anywhere in the event
    std::vector<uint32_t> unfiltered;  // rules without a literal: evaluated for every event of the part
    std::vector<bool> reads;  // by FieldId: a rule of the part reads the field
    bool read(FieldId id) const { return id < reads.size() && reads[id]; }
  };
  std::vector<Part> parts;
  // Only the values of fields that a rule of an open part reads are scanned for field
  // literals (an event's long message or bookkeeping fields are not): Part::reads.
  // Which gates an event may open, found by one lookup per key field instead of
  // trying every gate: each gate alternative's first condition is its key.
  struct GateKey {
    FieldId field = kNoField;
    std::unordered_map<std::string, std::vector<uint32_t>> gates;  // folded value -> gates
  };
  std::vector<GateKey> gate_keys;
  std::vector<uint32_t> keyless_gates;  // a gate with an alternative of no conditions
  // Gates that open when the event has a field (see build_rule_set: the sources that
  // match any event get one from the fields their rules need).
  std::vector<std::pair<FieldId, std::vector<uint32_t>>> field_gates;

  size_t literal_count() const;
  size_t unfiltered_count() const;

  LoadReport report;

  // Rules (and correlations) by id and by name, for references.
  std::map<std::string, uint32_t, std::less<>> rule_by_ref;
  std::map<std::string, uint32_t, std::less<>> correlation_by_ref;
};

// Sources: (text, file name) pairs, or files and folders on disk (*.yml, *.yaml,
// searched recursively in a stable order).
struct RuleSource {
  std::string file;
  std::string text;
};
std::shared_ptr<const RuleSet> build_rule_set(const std::vector<RuleSource>& sources, const RuleSetOptions& options = {});
Result<std::vector<RuleSource>> read_rule_sources(const std::vector<std::string>& paths);

}  // namespace vigil::detect
