// Sigma matching, value by value and modifier by modifier: wildcards and escapes,
// case folding, every string, encoding, numeric, network, time and field-reference
// modifier, null and empty values, keywords, conditions and filters. Each case is
// checked twice: through the prefilter (Matcher) and by evaluating every rule on
// every event, which must agree.
#include <gtest/gtest.h>

#include <set>

#include "detect/matcher.h"
#include "detect/sigma_pattern.h"
#include "parse/ndjson.h"

namespace vigil::detect {
namespace {

EventBatch events(std::string_view ndjson) {
  EventBatch b;
  read_ndjson(ndjson, Provenance{.receive_time = 1, .input = "test"}, b);
  return b;
}

std::shared_ptr<const RuleSet> rules(const std::string& yaml, RuleSetOptions options = {}) {
  auto set = build_rule_set({{"test.yml", yaml}}, options);
  for (const auto& r : set->report.refusals) ADD_FAILURE() << r;
  return set;
}

// For each event: the titles of the rules that match, via the prefilter; checked
// against evaluating every rule.
std::vector<std::set<std::string>> run(const std::shared_ptr<const RuleSet>& set, const EventBatch& b) {
  Matcher m(set);
  std::vector<RuleMatch> hits;
  m.match(b, hits);
  std::vector<std::set<std::string>> out(b.size());
  for (const RuleMatch& h : hits) out[h.event].insert(set->rules[h.rule].meta.title);
  EventView view;
  MatchScratch scratch;
  for (uint32_t e = 0; e < b.size(); ++e) {
    view.set(b, e);
    std::set<std::string> all;
    for (const DetectionRule& r : set->rules) {
      bool hit = evaluate(r.compiled, view, scratch);
      for (const auto& f : r.filters) hit = hit && !evaluate(f.condition, view, scratch);
      if (hit) all.insert(r.meta.title);
    }
    EXPECT_EQ(out[e], all) << "prefilter lost or added a match on event " << e;
  }
  return out;
}

// One rule (a detection map under `selection`), one event per line: which events match.
std::vector<bool> matches(const std::string& selection, std::string_view ndjson, const std::string& condition = "selection") {
  const std::string yaml = "title: t\nlogsource: {product: test}\ndetection:\n" + selection + "\n  condition: " + condition + "\n";
  auto set = rules(yaml);
  auto b = events(ndjson);
  std::vector<bool> out;
  for (const auto& s : run(set, b)) out.push_back(!s.empty());
  return out;
}

using V = std::vector<bool>;

TEST(SigmaMatch, PlainValuesMatchWholeValueIgnoringAsciiCase) {
  EXPECT_EQ(matches("  selection:\n    Image: 'C:\\Windows\\System32\\cmd.exe'",
                    R"({"Image":"c:\\windows\\system32\\CMD.EXE"}
{"Image":"C:\\Windows\\System32\\cmd.exe.bak"}
{"Other":"C:\\Windows\\System32\\cmd.exe"})"),
            (V{true, false, false}));
}

TEST(SigmaMatch, WildcardsAndEscapes) {
  // '*' any run, '?' one character; '\*' a literal star; '\\' one backslash.
  EXPECT_EQ(matches("  selection:\n    F: 'a*c?e'", R"({"F":"abbbcde"}
{"F":"ace"}
{"F":"acXe"}
{"F":"abcdef"})"),
            (V{true, false, true, false}));
  EXPECT_EQ(matches("  selection:\n    F: 'x\\*y'", R"({"F":"x*y"}
{"F":"xzzy"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F: 'C:\\\\temp\\\\*'", R"({"F":"C:\\temp\\a.exe"}
{"F":"C:\\tempa.exe"})"),
            (V{true, false}));
}

TEST(SigmaMatch, CasedAndStringModifiers) {
  EXPECT_EQ(matches("  selection:\n    F|cased: 'Evil'", R"({"F":"Evil"}
{"F":"evil"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|contains: 'mimi'", R"({"F":"x MIMIkatz y"}
{"F":"mim"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|startswith: 'pre'", R"({"F":"prefix"}
{"F":"xpre"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|endswith: '.exe'", R"({"F":"a.EXE"}
{"F":"a.exe.txt"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|contains|all: ['-nop', '-enc']", R"({"F":"powershell -nop -w hidden -enc AAA"}
{"F":"powershell -nop"})"),
            (V{true, false}));
}

TEST(SigmaMatch, RegexIsASearchCaseSensitiveUnlessI) {
  EXPECT_EQ(matches("  selection:\n    F|re: 'ab+c'", R"({"F":"xxabbbcxx"}
{"F":"ABC"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|re|i: '^ab+c$'", R"({"F":"ABBC"}
{"F":"xabc"})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|re|s: 'a.b'", "{\"F\":\"a\\nb\"}\n{\"F\":\"ab\"}"), (V{true, false}));
}

TEST(SigmaMatch, Base64AndOffsetsAndUtf16) {
  // "IEX (New-Object" at each of the three offsets inside a base64 stream.
  std::string lines;
  for (const char* prefix : {"", "a", "ab"})
    lines += "{\"F\":\"" + base64_encode(std::string(prefix) + "IEX (New-Object Net.WebClient)") + "\"}\n";
  lines += "{\"F\":\"" + base64_encode("no such thing here") + "\"}\n";
  EXPECT_EQ(matches("  selection:\n    F|base64offset|contains: 'IEX (New-Object'", lines), (V{true, true, true, false}));
  // PowerShell -EncodedCommand: UTF-16LE, then base64.
  std::string wide_lines;
  for (const char* prefix : {"", "x", "xy"})
    wide_lines += "{\"F\":\"powershell -enc " + base64_encode(utf16_encode(std::string(prefix) + "Invoke-Mimikatz -Dump", false, false)) +
                  "\"}\n";
  EXPECT_EQ(matches("  selection:\n    F|wide|base64offset|contains: 'Invoke-Mimikatz'", wide_lines), (V{true, true, true}));
  EXPECT_EQ(matches("  selection:\n    F|base64: 'abc'", "{\"F\":\"YWJj\"}\n{\"F\":\"abc\"}"), (V{true, false}));
  EXPECT_EQ(utf16_encode("cmd", false, true), std::string("\xff\xfe" "c\0m\0d\0", 8));
  EXPECT_EQ(utf16_encode("cmd", true, false), std::string("\0c\0m\0d", 6));
}

TEST(SigmaMatch, WindashMatchesEveryDash) {
  const std::string sel = "  selection:\n    F|windash|contains: ' -enc '";
  EXPECT_EQ(matches(sel, R"({"F":"ps -enc x"}
{"F":"ps /enc x"}
{"F":"ps –enc x"}
{"F":"ps —enc x"}
{"F":"ps ―enc x"}
{"F":"ps +enc x"})"),
            (V{true, true, true, true, true, false}));
}

TEST(SigmaMatch, NumbersNetworksExistence) {
  EXPECT_EQ(matches("  selection:\n    P|gte: 1024", R"({"P":1024}
{"P":"65000"}
{"P":80}
{"P":"x"})"),
            (V{true, true, false, false}));
  EXPECT_EQ(matches("  selection:\n    P|lt: 10.5", R"({"P":10.4}
{"P":11})"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    IP|cidr: ['10.0.0.0/8', 'fd00::/8']", R"({"IP":"10.1.2.3"}
{"IP":"11.0.0.1"}
{"IP":"fd12::1"}
{"IP":"not an ip"})"),
            (V{true, false, true, false}));
  EXPECT_EQ(matches("  selection:\n    F|exists: true", "{\"F\":\"\"}\n{\"G\":1}"), (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    F|exists: false", "{\"F\":\"\"}\n{\"G\":1}"), (V{false, true}));
  // neq: the field is there and is none of the values.
  EXPECT_EQ(matches("  selection:\n    F|neq: ['a', 'b']", "{\"F\":\"a\"}\n{\"F\":\"c\"}\n{\"G\":\"c\"}"), (V{false, true, false}));
}

TEST(SigmaMatch, NullEmptyAndNumbersAsText) {
  // null: missing or empty; '': present and empty.
  EXPECT_EQ(matches("  selection:\n    F: null", "{\"F\":\"\"}\n{\"G\":1}\n{\"F\":\"x\"}"), (V{true, true, false}));
  EXPECT_EQ(matches("  selection:\n    F: ''", "{\"F\":\"\"}\n{\"G\":1}\n{\"F\":\"x\"}"), (V{true, false, false}));
  // A number in the rule matches the number or its text in the event.
  EXPECT_EQ(matches("  selection:\n    EventID: 4688", "{\"EventID\":4688}\n{\"EventID\":\"4688\"}\n{\"EventID\":46880}"),
            (V{true, true, false}));
}

TEST(SigmaMatch, FieldRefAndTimeParts) {
  EXPECT_EQ(matches("  selection:\n    A|fieldref: B", "{\"A\":\"x\",\"B\":\"X\"}\n{\"A\":\"x\",\"B\":\"y\"}\n{\"A\":\"x\"}"),
            (V{true, false, false}));
  EXPECT_EQ(matches("  selection:\n    A|fieldref|startswith: B", "{\"A\":\"abc\",\"B\":\"ab\"}\n{\"A\":\"abc\",\"B\":\"bc\"}"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    T|hour: 3", "{\"T\":\"2026-12-04T03:15:00Z\"}\n{\"T\":\"2026-12-04T04:15:00Z\"}"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    T|week: 49", "{\"T\":\"2026-12-04T03:15:00Z\"}\n{\"T\":\"2026-01-01T00:00:00Z\"}"),
            (V{true, false}));
  EXPECT_EQ(matches("  selection:\n    T|month|gte: 10", "{\"T\":\"2026-12-04 03:15:00\"}\n{\"T\":\"2026-09-30T00:00:00Z\"}"),
            (V{true, false}));
}

TEST(SigmaMatch, KeywordsSearchEveryValue) {
  EXPECT_EQ(matches("  selection:\n    - 'failed password'\n    - 'invalid user'",
                    R"({"message":"Failed password for root"}
{"a":"x","b":"invalid USER bob"}
{"message":"Accepted password"})"),
            (V{true, true, false}));
}

TEST(SigmaMatch, ConditionsListsOfMapsAndQuantifiers) {
  const std::string sel =
      "  sel_a:\n    A: 1\n  sel_b:\n    - B: 2\n    - C: 3\n  filter_x:\n    X: bad\n  filter_y:\n    Y: bad";
  const std::string ev = R"({"A":1,"B":2}
{"A":1,"C":3,"X":"bad"}
{"A":1}
{"B":2})";
  EXPECT_EQ(matches(sel, ev, "all of sel_* and not 1 of filter_*"), (V{true, false, false, false}));
  EXPECT_EQ(matches(sel, ev, "1 of sel_*"), (V{true, true, true, true}));
  EXPECT_EQ(matches(sel, ev, "sel_a and not sel_b"), (V{false, false, true, false}));
}

TEST(SigmaMatch, FilterRuleSuppressesTheRulesItNames) {
  auto set = rules(R"(title: shell
id: 11111111-0000-0000-0000-000000000001
logsource: {product: test}
detection:
  selection:
    Image|endswith: '\cmd.exe'
  condition: selection
---
title: admins are fine
logsource: {product: test}
filter:
  rules: [11111111-0000-0000-0000-000000000001]
  selection:
    User|startswith: 'adm_'
  condition: selection
)");
  auto b = events(R"({"Image":"C:\\x\\cmd.exe","User":"adm_joe"}
{"Image":"C:\\x\\cmd.exe","User":"joe"})");
  auto out = run(set, b);
  EXPECT_TRUE(out[0].empty());
  EXPECT_EQ(out[1].size(), 1u);
}

TEST(SigmaMatch, ExpandUsesConfiguredPlaceholders) {
  RuleSetOptions o;
  o.placeholders["admins"] = {"root", "admin"};
  auto set = rules(R"(title: admin logon
logsource: {product: test}
detection:
  selection:
    User|expand: '%admins%'
  condition: selection
)",
                   o);
  auto out = run(set, events("{\"User\":\"ROOT\"}\n{\"User\":\"admin\"}\n{\"User\":\"bob\"}"));
  EXPECT_EQ(out[0].size(), 1u);
  EXPECT_EQ(out[1].size(), 1u);
  EXPECT_TRUE(out[2].empty());
  // Unconfigured: the value matches nothing and the load says so.
  auto none = build_rule_set({{"t.yml", "title: x\nlogsource: {product: t}\ndetection:\n  s:\n    U|expand: '%nope%'\n  condition: s\n"}});
  ASSERT_EQ(none->report.warnings.size(), 1u);
  EXPECT_NE(none->report.warnings[0].find("%nope%"), std::string::npos);
}

TEST(SigmaMatch, BrokenRuleIsRefusedAndTheOthersStillLoad) {
  auto set = build_rule_set({{"a.yml", "title: good\nlogsource: {product: t}\ndetection:\n  s:\n    A: 1\n  condition: s\n"},
                             {"b.yml", "title: bad\nlogsource: {product: t}\ndetection:\n  s:\n    A|contain: 1\n  condition: s\n"}});
  EXPECT_EQ(set->rules.size(), 1u);
  ASSERT_EQ(set->report.refusals.size(), 1u);
  EXPECT_NE(set->report.refusals[0].find("b.yml:5: unknown modifier 'contain'"), std::string::npos) << set->report.refusals[0];
}

TEST(SigmaMatch, PatternKindsAndRequiredLiterals) {
  auto p = finish_pattern(parse_sigma_wildcards("ab*cdef?g"), true, true, false);
  EXPECT_EQ(p.kind, SigmaPattern::Kind::Glob);
  EXPECT_EQ(required_literal(p), "cdef");
  EXPECT_EQ(finish_pattern(parse_sigma_wildcards("abc"), true, false, false).kind, SigmaPattern::Kind::Suffix);
  EXPECT_EQ(finish_pattern(parse_sigma_wildcards("abc*"), false, false, false).kind, SigmaPattern::Kind::Prefix);
  EXPECT_EQ(base64_offset_variants("http").size(), 3u);
}

}  // namespace
}  // namespace vigil::detect
