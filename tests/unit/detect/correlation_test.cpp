// Correlation semantics against hand-computed cases: the window is [t - timespan, t]
// for the match at t, both ends inclusive; late matches judge the later windows
// they fall into; a group starts afresh after firing; upper bounds are judged on
// whole windows; chains, aliases, `generate`, bounded state and tenants.
#include <gtest/gtest.h>

#include "detect/engine.h"
#include "parse/ndjson.h"

namespace vigil::detect {
namespace {

// Events: one JSON object per line, `time` in seconds from 0 written as RFC 3339.
EventBatch at(std::initializer_list<std::pair<int, std::string>> events, std::string_view tenant = "default") {
  std::string lines;
  for (const auto& [sec, fields] : events) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-01-01T%02d:%02d:%02dZ", sec / 3600, sec / 60 % 60, sec % 60);
    lines += "{\"time\":\"" + std::string(ts) + "\"" + (fields.empty() ? "" : "," + fields) + "}\n";
  }
  EventBatch b;
  read_ndjson(lines, Provenance{.receive_time = 1, .input = "test", .tenant = tenant}, b);
  return b;
}

constexpr const char* kBase = R"(title: failed login
id: 00000000-0000-0000-0000-0000000000f1
name: failed
logsource: {product: test}
detection:
  s:
    outcome: failure
  condition: s
---
title: successful login
name: success
logsource: {product: test}
detection:
  s:
    outcome: success
  condition: s
)";

std::shared_ptr<const RuleSet> with(const std::string& correlation) {
  auto set = build_rule_set({{"c.yml", std::string(kBase) + "---\n" + correlation}});
  for (const auto& r : set->report.refusals) ADD_FAILURE() << r;
  return set;
}

template <typename... B>
std::vector<EventBatch> batches(B&&... b) {
  std::vector<EventBatch> v;
  (v.push_back(std::move(b)), ...);
  return v;
}

struct Fired {
  std::string title;
  TimeNs first, last;
  double value;
  uint32_t matches;
};

// Runs the batches through one engine (then finish) and lists correlation firings.
std::vector<Fired> fire(const std::shared_ptr<const RuleSet>& set, const std::vector<EventBatch>& batches,
                        DetectionEngine* engine_out = nullptr, bool finish = true) {
  DetectionEngine engine(set);
  std::vector<Detection> d;
  for (const auto& b : batches) engine.run(b, d);
  if (finish) engine.finish(d);
  std::vector<Fired> out;
  for (const auto& x : d)
    if (x.correlation)
      out.push_back({set->correlations[x.index].meta.title, x.firing->first / kNsPerSec % 86400,
                     x.firing->last / kNsPerSec % 86400, x.firing->value, x.firing->matches});
  if (engine_out) *engine_out = std::move(engine);
  return out;
}

const std::string kFail = R"("outcome":"failure","user":"bob","ip":"10.0.0.1")";
const std::string kOk = R"("outcome":"success","user":"bob","ip":"10.0.0.1")";

std::string count_rule(const std::string& condition, const std::string& span = "60s") {
  return "title: brute\ncorrelation:\n  type: event_count\n  rules: [failed]\n  group-by: [ip]\n  timespan: " + span +
         "\n  condition:\n" + condition;
}

TEST(Correlation, EventCountWindowIsInclusiveAtBothEnds) {
  auto set = with(count_rule("    gte: 3\n"));
  // 0, 30, 60: the window ending at 60 is [0, 60] and holds all three.
  auto f = fire(set, batches(at({{0, kFail}, {30, kFail}, {60, kFail}})));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first, 0);
  EXPECT_EQ(f[0].last, 60);
  EXPECT_EQ(f[0].value, 3);
  // 0, 30, 61: no window of 60 s holds three.
  EXPECT_TRUE(fire(set, batches(at({{0, kFail}, {30, kFail}, {61, kFail}}))).empty());
}

TEST(Correlation, GroupStartsAfreshAfterFiring) {
  auto set = with(count_rule("    gte: 2\n"));
  // 2 fire at 10; the next window starts after it: 20 alone does not; 20+25 fire.
  auto f = fire(set, batches(at({{0, kFail}, {10, kFail}, {20, kFail}, {25, kFail}})));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].last, 10);
  EXPECT_EQ(f[1].first, 20);
  EXPECT_EQ(f[1].last, 25);
}

TEST(Correlation, GroupsAreSeparateAndMissingGroupFieldIsNotCounted) {
  auto set = with(count_rule("    gte: 2\n"));
  auto f = fire(set, batches(at({{0, kFail}, {1, R"("outcome":"failure","ip":"10.0.0.2")"}, {2, R"("outcome":"failure")"}})));
  EXPECT_TRUE(f.empty());
}

TEST(Correlation, OutOfOrderMatchesCountInTheWindowsTheyBelongTo) {
  auto set = with(count_rule("    gte: 3\n"));
  // Arrive 20, 0, 10: when 10 arrives, the window ending at 20 ([-40, 20]) holds 0, 10, 20.
  auto f = fire(set, batches(at({{20, kFail}, {0, kFail}, {10, kFail}})));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first, 0);
  EXPECT_EQ(f[0].last, 20);
  // Across batches, too.
  auto g = fire(set, batches(at({{50, kFail}}), at({{0, kFail}, {45, kFail}})));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].first, 0);
  EXPECT_EQ(g[0].last, 50);
}

TEST(Correlation, LateMatchesBeyondTheWindowAreCounted) {
  auto set = with(count_rule("    gte: 2\n"));
  DetectionEngine engine(set);
  auto f = fire(set, batches(at({{1000, kFail}, {100, kFail}})), &engine, false);
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(engine.stats().correlator.late, 1u);
}

TEST(Correlation, UpperBoundsAreJudgedOnWholeWindows) {
  // Fewer than 3 failures in the 60 s after a first failure: decided once the window is over.
  auto set = with(count_rule("    lt: 3\n"));
  auto f = fire(set, batches(at({{0, kFail}, {10, kFail}, {100, kFail}, {110, kFail}, {120, kFail}, {300, kOk}})), nullptr, false);
  // [0,60] holds 2 -> fires; [100,160] holds 3 -> does not; 300 is a success (not an input).
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first, 0);
  EXPECT_EQ(f[0].last, 10);
  EXPECT_EQ(f[0].value, 2);
  // A range: 2..3 failures in a window.
  auto r = with(count_rule("    gte: 2\n    lte: 3\n"));
  auto g = fire(r, batches(at({{0, kFail}, {10, kFail}, {20, kFail}, {30, kFail}, {200, kFail}})));
  EXPECT_TRUE(g.empty());  // [0,60] holds 4; [200,260] holds 1
  auto h = fire(r, batches(at({{0, kFail}, {10, kFail}, {200, kFail}})));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].value, 2);
}

TEST(Correlation, ValueCountCountsDistinctValues) {
  auto set = with(
      "title: spray\ncorrelation:\n  type: value_count\n  rules: [failed]\n  group-by: [ip]\n  timespan: 5m\n"
      "  condition:\n    field: user\n    gte: 3\n");
  auto f = fire(set, batches(at({{0, R"("outcome":"failure","ip":"1.1.1.1","user":"a")"},
                          {1, R"("outcome":"failure","ip":"1.1.1.1","user":"a")"},
                          {2, R"("outcome":"failure","ip":"1.1.1.1","user":"b")"},
                          {3, R"("outcome":"failure","ip":"1.1.1.1")"},
                          {299, R"("outcome":"failure","ip":"1.1.1.1","user":"c")"}})));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].value, 3);
  EXPECT_EQ(f[0].last, 299);
  EXPECT_EQ(f[0].matches, 4u);  // the match without `user` is not a value
}

TEST(Correlation, TemporalOrderedNeedsTheOrder) {
  auto set = with(
      "title: fail then success\ncorrelation:\n  type: temporal_ordered\n  rules: [failed, success]\n  group-by: [user]\n"
      "  timespan: 10m\n");
  EXPECT_TRUE(fire(set, batches(at({{0, kOk}, {10, kFail}}))).empty());
  auto f = fire(set, batches(at({{0, kFail}, {10, kOk}})));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first, 0);
  EXPECT_EQ(f[0].last, 10);
  EXPECT_TRUE(fire(set, batches(at({{0, kFail}, {601, kOk}}))).empty());
  // Unordered temporal takes either order.
  auto t = with(
      "title: both\ncorrelation:\n  type: temporal\n  rules: [failed, success]\n  group-by: [user]\n  timespan: 10m\n");
  EXPECT_EQ(fire(t, batches(at({{0, kOk}, {10, kFail}}))).size(), 1u);
}

TEST(Correlation, ValueSumAvgAndPercentile) {
  const std::string ev0 = R"("outcome":"failure","ip":"9.9.9.9","bytes":600,"proc":"a")";
  const std::string ev1 = R"("outcome":"failure","ip":"9.9.9.9","bytes":"500","proc":"b")";
  auto sum = with(
      "title: exfil\ncorrelation:\n  type: value_sum\n  rules: [failed]\n  group-by: [ip]\n  timespan: 1h\n"
      "  condition:\n    field: bytes\n    gt: 1000\n");
  auto f = fire(sum, batches(at({{0, ev0}, {10, ev1}})));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].value, 1100);
  auto avg = with(
      "title: avg\ncorrelation:\n  type: value_avg\n  rules: [failed]\n  group-by: [ip]\n  timespan: 1h\n"
      "  condition:\n    field: bytes\n    gte: 550\n");
  auto g = fire(avg, batches(at({{0, ev0}, {10, ev1}})));
  ASSERT_EQ(g.size(), 1u);  // fires at the first (600), not after
  EXPECT_EQ(g[0].value, 600);
  auto pct = with(
      "title: rare proc\ncorrelation:\n  type: value_percentile\n  rules: [failed]\n  group-by: [ip]\n  timespan: 1h\n"
      "  condition:\n    field: proc\n    lte: 25\n");
  // a, a, a, b: b is 25% of the window.
  // Judged when b arrives (no finish): a percentile needs no whole window.
  auto h = fire(pct, batches(at({{0, ev0}, {1, ev0}, {2, ev0}, {3, ev1}})), nullptr, false);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].value, 25);
}

TEST(Correlation, ChainAliasesAndGenerate) {
  // The specification's example: many failures, then a success, same user.
  auto set = with(
      "title: many failures\nname: many_failed\ncorrelation:\n  type: event_count\n  rules: [failed]\n"
      "  group-by: [user]\n  timespan: 10m\n  condition:\n    gte: 3\n---\n"
      "title: brute force then success\ncorrelation:\n  type: temporal_ordered\n  rules: [many_failed, success]\n"
      "  group-by: [user]\n  timespan: 10m\n");
  auto f = fire(set, batches(at({{0, kFail}, {1, kFail}, {2, kFail}, {5, kOk}})));
  ASSERT_EQ(f.size(), 1u) << "the intermediate correlation feeds the chain and does not alert itself";
  EXPECT_EQ(f[0].title, "brute force then success");
  EXPECT_EQ(f[0].first, 2);
  EXPECT_EQ(f[0].last, 5);
  // Base rules consumed by a correlation do not alert alone unless `generate`.
  DetectionEngine e(set);
  std::vector<Detection> d;
  e.run(at({{0, kFail}}), d);
  EXPECT_TRUE(d.empty());
  auto gen = with(
      "title: brute\ncorrelation:\n  type: event_count\n  rules: [failed]\n  group-by: [ip]\n  timespan: 1m\n"
      "  generate: true\n  condition:\n    gte: 5\n");
  DetectionEngine e2(gen);
  e2.run(at({{0, kFail}}), d);
  EXPECT_EQ(d.size(), 1u);
  // Aliases: the failure's `ip` and the success's `src` are one key.
  auto alias = with(
      "title: aliased\ncorrelation:\n  type: temporal\n  rules: [failed, success]\n  group-by: [addr]\n  timespan: 1m\n"
      "  aliases:\n    addr:\n      failed: ip\n      success: src\n");
  auto a = fire(alias, batches(at({{0, R"("outcome":"failure","ip":"7.7.7.7")"}, {5, R"("outcome":"success","src":"7.7.7.7")"}})));
  EXPECT_EQ(a.size(), 1u);
}

TEST(Correlation, StateIsBoundedAndEvictionsCounted) {
  auto set = with(count_rule("    gte: 2\n"));
  DetectionEngine engine(set, CorrelatorLimits{.max_groups = 2, .max_matches_per_group = 3});
  std::vector<Detection> d;
  engine.run(at({{0, R"("outcome":"failure","ip":"1")"}, {1, R"("outcome":"failure","ip":"2")"},
                 {2, R"("outcome":"failure","ip":"3")"}}),
             d);
  auto s = engine.stats().correlator;
  EXPECT_EQ(s.evicted_groups, 1u);
  EXPECT_EQ(s.groups, 2u);
  // The evicted group (ip 1, oldest) lost its match: a second one does not fire yet.
  engine.run(at({{3, R"("outcome":"failure","ip":"1")"}}), d);
  EXPECT_TRUE(d.empty());
}

TEST(Correlation, TenantsNeverShareAGroup) {
  auto set = with(count_rule("    gte: 2\n"));
  EXPECT_TRUE(fire(set, batches(at({{0, kFail}}, "a"), at({{1, kFail}}, "b"))).empty());
  EXPECT_EQ(fire(set, batches(at({{0, kFail}}, "a"), at({{1, kFail}}, "a"))).size(), 1u);
}

TEST(Correlation, RefusalsNameTheProblem) {
  auto set = build_rule_set({{"x.yml", std::string(kBase) + "---\ntitle: loop\nname: loop\ncorrelation:\n  type: event_count\n"
                                                           "  rules: [loop]\n  group-by: [ip]\n  timespan: 1m\n  condition:\n    gte: 2\n"
                                                           "---\ntitle: missing\ncorrelation:\n  type: event_count\n  rules: [nope]\n"
                                                           "  group-by: [ip]\n  timespan: 1m\n  condition:\n    gte: 2\n"
                                                           "---\ntitle: bad span\ncorrelation:\n  type: event_count\n  rules: [failed]\n"
                                                           "  group-by: [ip]\n  timespan: 5 minutes\n  condition:\n    gte: 2\n"}});
  ASSERT_EQ(set->report.refusals.size(), 3u);
  EXPECT_NE(set->report.refusals[0].find("timespan '5 minutes'"), std::string::npos) << set->report.refusals[0];
  EXPECT_NE(set->report.refusals[1].find("refers to itself"), std::string::npos) << set->report.refusals[1];
  EXPECT_NE(set->report.refusals[2].find("names rule 'nope'"), std::string::npos) << set->report.refusals[2];
  EXPECT_TRUE(set->correlations.empty());
}

}  // namespace
}  // namespace vigil::detect
