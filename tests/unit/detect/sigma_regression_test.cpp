// The public rule set against its regression data (../shared/corpus/sigma/
// regression_data): for every positive test, the event (from its JSON and from its
// EVTX) must fire the rule its info.yml names. All public rules are loaded at once
// with the project's Sigma content, so the prefilter, the log-source gates and the
// field mappings are the ones ingest uses. Also checks, on these events, that the
// prefilter never loses a match that evaluating every rule finds.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "detect/matcher.h"
#include "detect/sigma_content.h"
#include "parse/evtx.h"
#include "parse/windows_event_json.h"

namespace vigil::detect {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

struct Case {
  fs::path info;
  std::string rule_id;
  fs::path evtx, json;
};

std::vector<Case> cases(const fs::path& root) {
  std::vector<Case> out;
  std::vector<fs::path> infos;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename() == "info.yml") infos.push_back(e.path());
  std::sort(infos.begin(), infos.end());
  for (const auto& info : infos) {
    const YAML::Node y = YAML::LoadFile(info.string());
    for (const auto& t : y["regression_tests_info"]) {
      if (t["name"] && t["name"].as<std::string>().find("Positive") == std::string::npos) continue;
      Case c;
      c.info = info;
      c.rule_id = y["rule_metadata"][0]["id"].as<std::string>();
      const std::string rel = t["path"].as<std::string>();  // regression_data/...
      c.evtx = root.parent_path() / rel;
      c.json = c.evtx;
      c.json.replace_extension(".json");
      out.push_back(c);
    }
  }
  return out;
}

TEST(SigmaRegression, PublicRulesFireOnTheirRegressionEvents) {
  const fs::path corpus = VIGIL_CORPUS_DIR;
  const fs::path sigma = corpus / "sigma";
  if (!fs::is_directory(sigma / "regression_data"))
    GTEST_SKIP() << "corpus not found at " << sigma << " (needs ../shared/corpus): regression data not checked";
  auto options = load_sigma_content(default_content_dir());
  ASSERT_TRUE(options.ok()) << options.error();
  auto set = load_rules({(sigma / "rules").string(), (sigma / "rules-emerging-threats").string(),
                         (sigma / "rules-threat-hunting").string()},
                        *options);
  ASSERT_TRUE(set.ok()) << set.error();
  const RuleSet& rs = **set;
  std::printf("rule set: %zu rules, %zu correlations, %zu refused, %zu literals in the prefilter, %zu rules without one\n",
              rs.rules.size(), rs.correlations.size(), rs.report.refusals.size(), rs.literal_count(),
              rs.unfiltered_count());

  const auto all = cases(sigma / "regression_data");
  ASSERT_GT(all.size(), 150u);
  size_t fired_json = 0, fired_evtx = 0, missing_rule = 0;
  std::vector<std::string> misses;
  Matcher matcher(*set);
  EventView view;
  MatchScratch scratch;
  size_t prefilter_checked = 0;
  for (const Case& c : all) {
    auto it = rs.rule_by_ref.find(c.rule_id);
    if (it == rs.rule_by_ref.end()) {
      ++missing_rule;
      misses.push_back(c.info.parent_path().filename().string() + ": rule " + c.rule_id + " is not loaded");
      continue;
    }
    const uint32_t want = it->second;
    for (int source = 0; source < 2; ++source) {
      EventBatch b;
      const Provenance base{.receive_time = 1, .input = "regression"};
      if (source == 0) {
        read_windows_event_json(slurp(c.json), base, b);
      } else {
        read_evtx_file(c.evtx.string(), base, b);
      }
      std::vector<RuleMatch> hits;
      matcher.match(b, hits);
      const bool fired = std::any_of(hits.begin(), hits.end(), [&](const RuleMatch& m) { return m.rule == want; });
      (source == 0 ? fired_json : fired_evtx) += fired;
      if (!fired) {
        std::string why = "gate closed";
        view.set(b, 0);
        if (b.size() && evaluate(rs.rules[want].compiled, view, scratch)) why = "detection matches, gate closed";
        else why = "detection does not match";
        misses.push_back(c.info.parent_path().filename().string() + " (" + (source == 0 ? "json" : "evtx") + ", " +
                         std::to_string(b.size()) + " events): " + why);
      }
      // The prefilter against evaluating every rule, on the JSON events.
      if (source == 0) {
        std::set<std::pair<uint32_t, uint32_t>> via;
        for (const RuleMatch& m : hits) via.insert({m.event, m.rule});
        for (uint32_t e = 0; e < b.size(); ++e) {
          view.set(b, e);
          for (uint32_t r = 0; r < rs.rules.size(); ++r) {
            const DetectionRule& rule = rs.rules[r];
            if (rule.gate >= 0) {
              bool open = false;
              for (const auto& alt : rs.gates[rule.gate].alternatives) {
                bool a = true;
                for (const auto& m : alt) a = a && evaluate(m, view, scratch);
                open = open || a;
              }
              if (!open) continue;
            }
            bool hit = evaluate(rule.compiled, view, scratch);
            for (const auto& f : rule.filters) hit = hit && !evaluate(f.condition, view, scratch);
            EXPECT_EQ(hit, via.count({e, r}) == 1) << "prefilter disagrees on rule " << rule.meta.file << " in " << c.json;
            ++prefilter_checked;
          }
        }
      }
    }
  }
  const size_t n = all.size();
  std::printf("regression positives: %zu; fired from JSON: %zu (%.1f%%), from EVTX: %zu (%.1f%%); rule not loaded: %zu\n", n,
              fired_json, 100.0 * fired_json / n, fired_evtx, 100.0 * fired_evtx / n, missing_rule);
  std::printf("prefilter checked against full evaluation: %zu (rule, event) pairs\n", prefilter_checked);
  for (const auto& m : misses) std::printf("  miss: %s\n", m.c_str());
  EXPECT_GE(fired_json * 100, n * 95);
  EXPECT_GE(fired_evtx * 100, n * 95);
}

}  // namespace
}  // namespace vigil::detect

namespace vigil::detect {
namespace {

// Security 4688 is process_creation with its own names (NewProcessName,
// ParentProcessName): a rule on Image and ParentImage still reads them, through
// content/sigma/fields.yaml, and a Sysmon record keeps reading its own Image.
TEST(SigmaContent, Security4688ReadsAsProcessCreation) {
  auto options = load_sigma_content(default_content_dir());
  ASSERT_TRUE(options.ok()) << options.error();
  auto set = build_rule_set({{"whoami.yml", R"(title: whoami from cmd
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\whoami.exe'
    ParentImage|endswith: '\cmd.exe'
  condition: selection
)"}},
                            *options);
  ASSERT_EQ(set->rules.size(), 1u) << (set->report.refusals.empty() ? "" : set->report.refusals[0]);
  EventBatch b;
  read_windows_event_json(
      R"({"Event":{"System":{"EventID":4688,"Channel":"Security","Computer":"ws1"},"EventData":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe","ParentProcessName":"C:\\Windows\\System32\\cmd.exe"}}}
{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws1"},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","ParentImage":"C:\\Windows\\System32\\cmd.exe"}}}
{"Event":{"System":{"EventID":4688,"Channel":"Security","Computer":"ws1"},"EventData":{"NewProcessName":"C:\\Windows\\System32\\hostname.exe","ParentProcessName":"C:\\Windows\\System32\\cmd.exe"}}})",
      Provenance{.receive_time = 1, .input = "test"}, b);
  ASSERT_EQ(b.size(), 3u);
  Matcher m(set);
  std::vector<RuleMatch> hits;
  m.match(b, hits);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].event, 0u);
  EXPECT_EQ(hits[1].event, 1u);
}

}  // namespace
}  // namespace vigil::detect
