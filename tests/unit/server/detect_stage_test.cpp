// The server's detect stage and its rule plumbing without a network: findings are
// appended to the batch that raised them (with its tenant) and counted; rule sets
// swap without losing counts; the alerts request becomes the right query; the config
// reads the detect section; the files' fingerprint notices changes and only those.
#include "server/detect_stage.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "parse/ndjson.h"
#include "server/config.h"
#include "server/detect_api.h"
#include "server/rule_sources.h"

namespace vigil {

namespace {

constexpr const char* kRules = R"(title: failed login
id: r-failed
name: failed
level: high
tags: [attack.credential_access, attack.t1110]
logsource: {product: test}
detection:
  s:
    outcome: failure
  condition: s
---
title: brute
id: c-brute
level: critical
correlation:
  type: event_count
  rules: [failed]
  group-by: [ip]
  timespan: 60s
  condition: {gte: 2}
  generate: true
)";

EventBatch events(const std::string& ndjson, std::string_view tenant) {
  EventBatch b;
  read_ndjson(ndjson, Provenance{.receive_time = 1, .source = "10.9.9.9:1", .input = "test", .tenant = tenant}, b);
  return b;
}

std::string string_field(const EventBatch& b, const Event& e, std::string_view name) {
  const Value* v = b.find(e, field_id(name));
  return v && v->type == FieldType::String ? std::string(v->as_string()) : std::string();
}

struct TempTree {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("vigil-detect-stage-" + std::to_string(getpid()) + "-" +
                                std::to_string(reinterpret_cast<uintptr_t>(this)));
  TempTree() { std::filesystem::create_directories(path); }
  ~TempTree() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST(DetectStage, AppendsFindingsToTheBatchWithTheEventsTenant) {
  auto set = detect::build_rule_set({{"r.yml", kRules}});
  ASSERT_TRUE(set->report.refusals.empty());
  DetectStage stage(set);
  EventBatch b = events(R"({"time":"2026-01-01T00:00:00Z","outcome":"failure","ip":"10.0.0.1","user":{"name":"bob"}}
{"time":"2026-01-01T00:00:01Z","outcome":"success","ip":"10.0.0.1"}
{"time":"2026-01-01T00:00:02Z","outcome":"failure","ip":"10.0.0.1"}
)",
                        "acme");
  const std::string first_raw(b[0].raw);
  ASSERT_EQ(stage.process(b), 3u);  // two matches and the correlation
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b[0].raw, first_raw);  // the input's events stay as they were
  EXPECT_EQ(b.find(b[1], field_id("class_uid")), nullptr);
  for (size_t i = 3; i < 6; ++i) {
    EXPECT_EQ(b.find(b[i], field_id("class_uid"))->i64, 2004);
    EXPECT_EQ(b[i].tenant, "acme");
    EXPECT_EQ(b[i].input, "detect");
  }
  EXPECT_EQ(string_field(b, b[3], "finding_info.analytic.uid"), "r-failed");
  EXPECT_EQ(string_field(b, b[3], "actor.user.name"), "bob");
  EXPECT_EQ(b[3].raw, first_raw);
  EXPECT_EQ(string_field(b, b[5], "finding_info.analytic.uid"), "c-brute");

  DetectStats s = stage.stats();
  EXPECT_EQ(s.alerts, 3u);
  EXPECT_EQ(s.rule_alerts, 2u);
  EXPECT_EQ(s.correlation_alerts, 1u);
  EXPECT_EQ(s.events, 3u);
  EXPECT_EQ(s.matcher.matches, 2u);
  auto recent = stage.take_recent_alerts();
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0], (std::pair<std::string, uint64_t>{"failed login", 2}));
  EXPECT_TRUE(stage.take_recent_alerts().empty());

  // A new rule set: counts carry over, correlation state starts afresh.
  stage.replace(set);
  EventBatch c = events(R"({"time":"2026-01-01T00:00:03Z","outcome":"failure","ip":"10.0.0.1"}
)",
                        "acme");
  EXPECT_EQ(stage.process(c), 1u);  // a match; one failure alone is no brute force
  s = stage.stats();
  EXPECT_EQ(s.matcher.matches, 3u);
  EXPECT_EQ(s.alerts, 4u);
  EXPECT_EQ(s.rule_sets, 1u);
}

// "Fewer than 3 failures in a minute" is judged when its window ends; at ingest a
// quiet stream must still end it, by the clock.
TEST(DetectStage, AQuietStreamStillClosesWindowsByTheClock) {
  auto set = detect::build_rule_set({{"r.yml", R"(title: failed login
name: failed
logsource: {product: test}
detection:
  s:
    outcome: failure
  condition: s
---
title: few failures
id: c-few
level: low
correlation:
  type: event_count
  rules: [failed]
  group-by: [ip]
  timespan: 5m
  condition: {lt: 3}
)"}});
  ASSERT_TRUE(set->report.refusals.empty()) << set->report.refusals[0];
  DetectStage stage(set);
  EventBatch b = events(R"({"time":"2026-01-01T00:00:00Z","outcome":"failure","ip":"1.2.3.4"})" "\n", "default");
  EXPECT_EQ(stage.process(b), 0u);  // the window [0 s, 300 s] is still open
  const auto now = std::chrono::steady_clock::now();
  EXPECT_TRUE(stage.idle_tick(now + std::chrono::seconds(30), std::chrono::seconds(60)).empty());   // not idle yet
  EXPECT_TRUE(stage.idle_tick(now + std::chrono::seconds(120), std::chrono::seconds(60)).empty());  // idle, window not over
  EventBatch alerts = stage.idle_tick(now + std::chrono::seconds(301), std::chrono::seconds(60));   // 301 s on: it is
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(string_field(alerts, alerts[0], "finding_info.analytic.uid"), "c-few");
  EXPECT_EQ(stage.stats().correlation_alerts, 1u);
  EXPECT_TRUE(stage.idle_tick(now + std::chrono::seconds(400), std::chrono::seconds(60)).empty());  // once
}

TEST(DetectStage, NoRulesLeavesBatchesAlone) {
  DetectStage stage(std::make_shared<const detect::RuleSet>());
  EventBatch b = events("{\"outcome\":\"failure\"}\n", "default");
  EXPECT_EQ(stage.process(b), 0u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(stage.stats().batches, 0u);
}

TEST(DetectStage, ConcurrentBatchesAreSeenOneAtATime) {
  DetectStage stage(detect::build_rule_set({{"r.yml", kRules}}));
  std::vector<std::thread> threads;
  std::atomic<size_t> added{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        EventBatch b = events("{\"time\":\"2026-01-01T00:00:00Z\",\"outcome\":\"failure\",\"ip\":\"10.0.1." +
                                  std::to_string(t) + "\"}\n",
                              "default");
        added += stage.process(b);
      }
    });
  for (auto& th : threads) th.join();
  const DetectStats s = stage.stats();
  EXPECT_EQ(s.rule_alerts, 200u);
  EXPECT_EQ(s.correlation_alerts, 4u * 25);  // per address: every second failure fires, then starts afresh
  EXPECT_EQ(added.load(), s.alerts);
}

TEST(AlertsApi, RequestIsAQueryForFindingsWithTheFilters) {
  auto r = alerts_search_request({{"level", "high,Critical"}, {"rule", "a \"b\" \\c"}, {"tenant", "acme"},
                                  {"limit", "7"}, {"from", "2026-01-01T00:00:00Z"}},
                                 0);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->query,
            "class_uid:2004 (severity_id:4 OR severity_id:5) (finding_info.analytic.uid:\"a \\\"b\\\" \\\\c\" OR "
            "finding_info.title:\"a \\\"b\\\" \\\\c\") tenant:\"acme\"");
  EXPECT_EQ(r->limit, 7u);
  EXPECT_EQ(r->from, *parse_rfc3339("2026-01-01T00:00:00Z"));
  EXPECT_EQ(alerts_search_request({}, 0)->query, "class_uid:2004");
  EXPECT_NE(alerts_search_request({{"level", "urgent"}}, 0).error().find("bad 'level' 'urgent'"), std::string::npos);
  EXPECT_FALSE(alerts_search_request({{"q", "x | stats count()"}}, 0).ok());
  EXPECT_FALSE(alerts_search_request({{"limit", "lots"}}, 0).ok());
}

TEST(AlertsApi, ReloadAnswers) {
  ReloadReport ok{.ok = true, .files = 2, .rules = 3, .correlations = 1, .refusals = {"x.yml:5: bad"}};
  EXPECT_EQ(reload_to_json(ok),
            R"({"ok":true,"loaded":4,"rules":3,"correlations":1,"files":2,"refused":1,"refusals":["x.yml:5: bad"],)"
            R"("warnings":[],"elapsed_ms":0E0})");
  ReloadReport failed{.ok = false, .error = "rules: no such rule file or folder", .rules = 3, .correlations = 1};
  EXPECT_EQ(reload_to_json(failed),
            R"({"ok":false,"error":"rules: no such rule file or folder","kept":{"rules":3,"correlations":1},)"
            R"("elapsed_ms":0E0})");
}

TEST(RuleSources, ConfigAndDefaults) {
  TempTree t;
  const auto cfg = t.path / "c.yaml";
  std::ofstream(cfg) << "detect:\n  content: " << t.path.string() << "\n  rules: [a, b]\n  poll_interval_s: 0\n";
  ServerConfig c;
  ASSERT_TRUE(load_server_config(cfg, c).ok());
  EXPECT_EQ(c.content_dir, t.path.string());
  EXPECT_EQ(c.rule_paths, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.rules_poll_interval_s, 0);
  std::ofstream(cfg) << "detect:\n  rules: off\n";
  ServerConfig off;
  ASSERT_TRUE(load_server_config(cfg, off).ok());
  ASSERT_TRUE(off.rule_paths.has_value());
  EXPECT_TRUE(off.rule_paths->empty());
  std::ofstream(cfg) << "detect:\n  rule: x\n";
  EXPECT_NE(load_server_config(cfg, off).message().find("unknown key 'detect.rule'"), std::string::npos);

  // <content>/rules is the default when it exists.
  std::vector<std::string> notes;
  ServerConfig d;
  d.content_dir = t.path.string();
  EXPECT_TRUE(resolve_rule_sources(d, notes).paths.empty());
  std::filesystem::create_directories(t.path / "rules");
  EXPECT_EQ(resolve_rule_sources(d, notes).paths, (std::vector<std::string>{(t.path / "rules").string()}));
  d.rule_paths = std::vector<std::string>{};
  EXPECT_TRUE(resolve_rule_sources(d, notes).paths.empty());
  // An explicit content folder that is not there is an error when loading.
  EXPECT_FALSE(load_rule_sources({.content_dir = (t.path / "nope").string(), .paths = {}}).ok());
}

TEST(RuleSources, FingerprintChangesWithTheYamlFilesOnly) {
  TempTree t;
  std::filesystem::create_directories(t.path / "rules" / "sub");
  RuleSources s{.content_dir = "", .paths = {(t.path / "rules").string()}};
  const uint64_t empty = rule_sources_fingerprint(s);
  EXPECT_EQ(rule_sources_fingerprint(s), empty);
  std::ofstream(t.path / "rules" / "sub" / "a.yml") << "title: a\n";
  const uint64_t one = rule_sources_fingerprint(s);
  EXPECT_NE(one, empty);
  std::ofstream(t.path / "rules" / "sub" / ".a.yml.swp") << "editor state";
  EXPECT_EQ(rule_sources_fingerprint(s), one);
  std::ofstream(t.path / "rules" / "sub" / "a.yml") << "title: a, longer\n";
  const uint64_t changed = rule_sources_fingerprint(s);
  EXPECT_NE(changed, one);
  std::filesystem::rename(t.path / "rules", t.path / "gone");
  EXPECT_NE(rule_sources_fingerprint(s), changed);
}

}  // namespace vigil
