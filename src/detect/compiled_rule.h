// A Sigma rule compiled for matching: every value turned into its test once
// (patterns, RE2 regexes, networks, numbers, time parts, field references), every
// field name resolved to the event field ids it may be found under, the condition
// over selection indexes, and the literals one of which any matching event holds
// (for the rule set's prefilter).
#pragma once

#include <map>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "detect/event_view.h"
#include "detect/sigma_pattern.h"
#include "detect/sigma_rule.h"

namespace re2 {
class RE2;
}

namespace vigil::detect {

struct ValueTest {
  enum class Kind : uint8_t { Pattern, Regex, Cidr, Compare, TimePart, FieldRef, Never };
  enum class Op : uint8_t { Eq, Gt, Gte, Lt, Lte };
  Kind kind = Kind::Pattern;
  SigmaPattern pattern;              // Pattern; FieldRef: its kind says equal/prefix/suffix/contains
  std::shared_ptr<re2::RE2> regex;   // Regex
  IpAddress network;                 // Cidr
  int prefix_bits = 0;
  Op op = Op::Eq;                    // Compare, TimePart
  double number = 0;
  Modifier part = Modifier::Hour;    // TimePart
  std::vector<FieldId> other;        // FieldRef: the referenced field's candidates
};

struct CompiledFieldMatch {
  std::vector<FieldId> fields;  // candidates in order, the first the event has is used; empty: keywords
  std::vector<ValueTest> tests;  // OR (AND with `all`)
  bool all = false;
  bool neq = false;                       // the field exists and no test matches
  enum class Presence : uint8_t { Any, MustExist, MustNotExist, NullOrEmpty } presence = Presence::Any;
  bool keywords() const { return fields.empty(); }
};

struct CompiledSelection {
  std::vector<std::vector<CompiledFieldMatch>> alternatives;  // OR of ANDs
};

struct CondNode {
  Condition::Kind kind = Condition::Kind::Ref;
  uint32_t selection = 0;  // Ref
  std::vector<CondNode> children;
};

// A literal one of which a matching event holds: in a value of a field the rules
// read, or, for keywords, anywhere in the event.
struct Literal {
  std::string text;  // folded
  bool anywhere = false;
  auto operator<=>(const Literal&) const = default;
};

struct CompiledRule {
  std::vector<CompiledSelection> selections;
  CondNode condition;
  // One of these (folded) literals is in the text of any event the rule matches;
  // nullopt when the rule can match without any literal (negations, numbers, ...).
  std::optional<std::vector<Literal>> literals;
  std::vector<FieldId> fields_read;  // every field a field match may read (all candidates)
  // One of these fields is in any event the rule matches (nullopt: none is needed):
  // a cheap test before evaluating, e.g. a rule on Okta's eventType and a Windows event.
  std::optional<std::vector<FieldId>> required_fields;
  std::vector<std::string> warnings;  // e.g. an unresolved %placeholder%
};

// Names a Sigma field may have in events of a log source, most specific first.
using FieldResolver = std::function<std::vector<std::string>(const LogSource&, std::string_view field)>;

struct CompileOptions {
  FieldResolver resolve;  // unset: the Sigma name only
  // `expand` placeholders ("%admins%" -> values); an unknown one matches nothing.
  const std::map<std::string, std::vector<std::string>, std::less<>>* placeholders = nullptr;
};

CompiledRule compile_rule(const SigmaRule& rule, const CompileOptions& options = {});

// Scratch space for evaluate(): keep one per thread and reuse it.
struct MatchScratch {
  std::string text;
  std::string text2;
  SigmaPattern pattern;  // fieldref: the other field's value as a pattern
  std::vector<int8_t> memo;
};

// Whether the rule's condition holds for the event.
bool evaluate(const CompiledRule& rule, const EventView& event, MatchScratch& scratch);

// One field match against the event (exposed for filters and tests).
bool evaluate(const CompiledFieldMatch& m, const EventView& event, MatchScratch& scratch);

}  // namespace vigil::detect
