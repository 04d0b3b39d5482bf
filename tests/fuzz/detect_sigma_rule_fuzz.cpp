// Fuzz target: bytes as a Sigma rule file — every document through the loader (rules,
// correlations, filters, with every check of modifiers, regexes, networks and the
// condition), then compiled into a rule set (patterns, encodings, the Vectorscan
// prefilter) and run with correlation over a few fixed events — and as a condition
// over fixed search identifiers.
// Checks: no crash, bounded recursion, that a parsed condition prints to text that
// parses back to the same condition, and that the prefilter never loses a match that
// evaluating every rule finds.
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/engine.h"
#include "detect/sigma_rule.h"
#include "parse/ndjson.h"

namespace {

const vigil::EventBatch& events() {
  static const vigil::EventBatch b = [] {
    vigil::EventBatch out;
    vigil::read_ndjson(
        "{\"time\":\"2026-01-01T00:00:00Z\",\"EventID\":4688,\"Image\":\"C:\\\\Windows\\\\cmd.exe\",\"CommandLine\":\"cmd /c whoami -all\",\"User\":\"bob\",\"ip\":\"10.0.0.1\"}\n"
        "{\"time\":\"2026-01-01T00:00:05Z\",\"selection\":\"a\",\"A\":1,\"B\":\"x\",\"CommandLine\":\"powershell -enc SQBFAFgA\",\"ip\":\"10.0.0.1\"}\n"
        "{\"time\":\"2026-01-01T00:01:00Z\",\"class_uid\":3002,\"status_id\":2,\"user\":{\"name\":\"root\"},\"src_endpoint\":{\"ip\":\"203.0.113.5\"}}\n"
        "not json at all: Failed password for root\n",
        vigil::Provenance{.receive_time = 1, .input = "fuzz"}, out);
    return out;
  }();
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::detect;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_sigma_rule(text, "fuzz.yml");
  auto set = build_rule_set({{"fuzz.yml", std::string(text)}});
  if (!set->rules.empty()) {
    const vigil::EventBatch& b = events();
    Matcher m(set);
    std::vector<RuleMatch> hits;
    m.match(b, hits);
    EventView view;
    MatchScratch scratch;
    size_t all = 0;
    for (uint32_t e = 0; e < b.size(); ++e) {
      view.set(b, e);
      for (const DetectionRule& r : set->rules) {
        bool hit = evaluate(r.compiled, view, scratch);
        for (const auto& f : r.filters) hit = hit && !evaluate(f.condition, view, scratch);
        all += hit;
      }
    }
    if (all != hits.size()) __builtin_trap();  // the prefilter lost or invented a match
    DetectionEngine engine(set);
    std::vector<Detection> d;
    vigil::EventBatch alerts;
    engine.run(b, d, &alerts);
    engine.finish(d, &alerts);
  }
  static const std::vector<std::string> ids = {"selection", "sel_a", "sel-b", "filter.x", "_hidden", "keywords"};
  auto c = parse_condition(text, ids);
  if (c.ok()) {
    const std::string printed = to_string(*c);
    auto again = parse_condition(printed, ids);
    if (!again.ok() || to_string(*again) != printed) __builtin_trap();
  }
  return 0;
}
