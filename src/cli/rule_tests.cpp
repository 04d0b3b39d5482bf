// Reading and running rule tests; see rule_tests.h.
#include "cli/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>

#include "cli/hunt_alerts.h"

namespace vigil {

namespace {

namespace fs = std::filesystem;

std::string where(const std::string& file, const YAML::Node& n) {
  return file + ":" + std::to_string(n.Mark().line + 1);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<RuleTestExpect> parse_expect(const YAML::Node& n, const std::string& file) {
  RuleTestExpect e;
  e.line = n.Mark().line + 1;
  if (n.IsScalar()) {  // `- rule-id`: once
    e.rule = n.as<std::string>();
    return e;
  }
  if (!n.IsMap()) return Status::error(where(file, n) + ": an expected alert is `rule: ID` with an optional `count: N`");
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key == "rule") {
      if (!kv.second.IsScalar()) return Status::error(where(file, kv.second) + ": `rule` is an id, name or title");
      e.rule = kv.second.as<std::string>();
    } else if (key == "count") {
      int64_t c = -1;
      if (!kv.second.IsScalar() || !YAML::convert<int64_t>::decode(kv.second, c) || c < 0)
        return Status::error(where(file, kv.second) + ": `count` is a number of alerts, 0 or more");
      e.count = static_cast<uint64_t>(c);
    } else {
      return Status::error(where(file, kv.first) + ": unknown key '" + key + "' in an expected alert (rule, count)");
    }
  }
  if (e.rule.empty()) return Status::error(where(file, n) + ": an expected alert needs `rule:` (an id, name or title)");
  return e;
}

Result<RuleTestCase> parse_case(const YAML::Node& n, const std::string& file) {
  RuleTestCase t;
  t.file = file;
  t.line = n.Mark().line + 1;
  if (!n.IsMap()) return Status::error(where(file, n) + ": a test is a map with name, events and expect");
  bool has_expect = false;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      t.name = v.as<std::string>();
    } else if (key == "format") {
      const std::string name = v.as<std::string>();
      t.format = parse_event_format(name);
      if (!t.format) return Status::error(where(file, v) + ": unknown format '" + name + "' (syslog, ndjson, windows-json, evtx)");
    } else if (key == "events") {
      if (!v.IsScalar()) return Status::error(where(file, v) + ": `events` is text (use `events: |` and one event per line)");
      t.events = v.as<std::string>();
    } else if (key == "file") {
      t.events_file = v.as<std::string>();
    } else if (key == "received") {
      const std::string text = v.as<std::string>();
      auto r = parse_rfc3339(text);
      if (!r) return Status::error(where(file, v) + ": `received` is an RFC 3339 time, not '" + text + "'");
      t.received = *r;
    } else if (key == "expect") {
      has_expect = true;
      if (v.IsNull()) continue;
      if (!v.IsSequence()) return Status::error(where(file, v) + ": `expect` is a list of alerts (`[]` for none)");
      for (const auto& e : v) {
        auto parsed = parse_expect(e, file);
        if (!parsed.ok()) return parsed.status();
        t.expect.push_back(std::move(*parsed));
      }
    } else {
      return Status::error(where(file, kv.first) + ": unknown key '" + key +
                           "' in a test (name, format, events, file, received, expect)");
    }
  }
  const std::string at = file + ":" + std::to_string(t.line);
  if (t.name.empty()) return Status::error(at + ": a test needs a `name`");
  if (t.events.empty() == t.events_file.empty())
    return Status::error(at + ": test '" + t.name + "' needs either `events` (text) or `file`");
  if (!has_expect) return Status::error(at + ": test '" + t.name + "' needs `expect` (`expect: []` when no alert is wanted)");
  if (t.format == EventFormat::Evtx && t.events_file.empty())
    return Status::error(at + ": test '" + t.name + "': EVTX is binary; give it as `file:`");
  if (!t.events_file.empty() && fs::path(t.events_file).is_relative())
    t.events_file = (fs::path(file).parent_path() / t.events_file).lexically_normal().string();
  return t;
}

// "id (title)" — how a rule or correlation is named in differences.
std::string label(const detect::RuleMeta& m) {
  const std::string& ref = m.id.empty() ? m.name : m.id;
  if (ref.empty() || ref == m.title) return m.title;
  return ref + " (" + m.title + ")";
}

using Target = std::pair<bool, uint32_t>;  // correlation?, index

// The rules and correlations an expected reference names: by id or name, else by title.
std::vector<Target> resolve(const detect::RuleSet& rs, const std::string& ref) {
  std::vector<Target> out;
  for (int pass = 0; pass < 2 && out.empty(); ++pass) {
    auto matches = [&](const detect::RuleMeta& m) {
      return pass == 0 ? (m.id == ref || m.name == ref) : m.title == ref;
    };
    for (uint32_t i = 0; i < rs.rules.size(); ++i)
      if (matches(rs.rules[i].meta)) out.push_back({false, i});
    for (uint32_t i = 0; i < rs.correlations.size(); ++i)
      if (matches(rs.correlations[i].meta)) out.push_back({true, i});
  }
  return out;
}

}  // namespace

bool is_rule_tests_file(std::string_view path) {
  const std::string name = fs::path(path).filename().string();
  return ends_with(name, ".tests.yml") || ends_with(name, ".tests.yaml");
}

std::string rule_file_of_tests(const std::string& tests_path) {
  std::string base = tests_path;
  const std::string_view suffix = ends_with(base, ".tests.yaml") ? ".tests.yaml" : ".tests.yml";
  base.resize(base.size() - suffix.size());
  for (const char* ext : {".yml", ".yaml"}) {
    std::error_code ec;
    if (fs::exists(base + ext, ec)) return base + ext;
  }
  return base + ".yml";
}

Result<std::vector<RuleTestCase>> parse_rule_tests(std::string_view yaml, const std::string& file) {
  std::vector<RuleTestCase> out;
  try {
    // One document with Load: yaml-cpp 0.7's LoadAll can loop on malformed input.
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["tests"])
      return Status::error(file + ":1: a tests file is a map with `tests:`, a list of tests");
    const YAML::Node tests = root["tests"];
    if (!tests.IsSequence()) return Status::error(where(file, tests) + ": `tests` is a list of tests");
    for (const auto& kv : root)
      if (kv.first.as<std::string>() != "tests")
        return Status::error(where(file, kv.first) + ": unknown key '" + kv.first.as<std::string>() + "' (only `tests`)");
    std::set<std::string> names;
    for (const auto& n : tests) {
      auto t = parse_case(n, file);
      if (!t.ok()) return t.status();
      if (!names.insert(t->name).second)
        return Status::error(file + ":" + std::to_string(t->line) + ": a second test named '" + t->name + "'");
      out.push_back(std::move(*t));
    }
  } catch (const YAML::Exception& e) {
    return Status::error(file + ":" + std::to_string(e.mark.line + 1) + ": YAML: " + e.msg);
  }
  return out;
}

RuleTestResult run_rule_test(const std::shared_ptr<const detect::RuleSet>& rules, const RuleTestCase& test) {
  RuleTestResult r;
  const detect::RuleSet& rs = *rules;
  detect::DetectionEngine engine(rules);
  HuntAlerts alerts;
  EventReadStats stats;
  const Provenance base{.receive_time = test.received, .source = test.file, .input = "test"};
  auto each = [&](EventChunk& chunk) { hunt_batch(engine, chunk.events, &chunk.positions, chunk.kind, alerts); };
  if (!test.events_file.empty()) {
    std::string head;
    if (std::FILE* f = std::fopen(test.events_file.c_str(), "rb")) {
      head.resize(64 * 1024);
      head.resize(std::fread(head.data(), 1, head.size(), f));
      std::fclose(f);
    }
    const EventFormat format = test.format.value_or(sniff_event_format(test.events_file, head));
    if (Status s = read_event_file(test.events_file, format, base, 4096, each, stats); !s.ok()) {
      r.differences.push_back("cannot read events: " + s.message());
      return r;
    }
  } else {
    read_event_text(test.events, test.format.value_or(EventFormat::Syslog), base, 4096, each, stats);
  }
  hunt_finish(engine, alerts);
  r.events = stats.events;
  r.alerts = alerts.alerts.size();
  if (stats.parse_errors)
    r.notes.push_back(std::to_string(stats.parse_errors) + " of " + std::to_string(stats.events) +
                      " events did not parse (first: " +
                      (test.events_file.empty() ? "line " + std::to_string(stats.first_error_line) + " of `events`: " +
                                                     stats.first_error
                                               : first_error_at(test.events_file, stats)) +
                      ")");

  std::map<Target, uint64_t> got;
  for (const HuntAlert& a : alerts.alerts) ++got[{a.correlation, a.index}];
  std::map<Target, std::pair<uint64_t, std::string>> want;  // count, as written
  for (const RuleTestExpect& e : test.expect) {
    const std::vector<Target> targets = resolve(rs, e.rule);
    const std::string at = "line " + std::to_string(e.line) + ": ";
    if (targets.empty()) {
      r.differences.push_back(at + "expects '" + e.rule + "', which no loaded rule has as id, name or title");
    } else if (targets.size() > 1) {
      r.differences.push_back(at + "'" + e.rule + "' is the title of " + std::to_string(targets.size()) +
                              " rules; name one by its id");
    } else if (!want.emplace(targets[0], std::pair{e.count, e.rule}).second) {
      r.differences.push_back(at + "'" + e.rule + "' is listed twice");
    }
  }
  auto meta = [&](const Target& t) -> const detect::RuleMeta& {
    return t.first ? rs.correlations[t.second].meta : rs.rules[t.second].meta;
  };
  for (const auto& [target, expected] : want) {
    const auto it = got.find(target);
    const uint64_t n = it == got.end() ? 0 : it->second;
    if (n != expected.first)
      r.differences.push_back(label(meta(target)) + ": expected " + std::to_string(expected.first) + ", got " +
                              std::to_string(n));
  }
  for (const auto& [target, n] : got)
    if (!want.count(target))
      r.differences.push_back("unexpected: " + label(meta(target)) + " fired " + std::to_string(n) +
                              (n == 1 ? " time" : " times"));
  r.passed = r.differences.empty();
  return r;
}

}  // namespace vigil
