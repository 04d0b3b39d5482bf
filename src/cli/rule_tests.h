// Rule tests for `vigil rules test`: an X.tests.yml file beside a rule file X.yml
// lists small sets of events and the alerts that the whole rule directory must raise
// on them — exactly: a missing alert, a different count, or an alert nobody listed
// fails the test. Each test runs in a fresh engine that is finished at the end, so a
// correlation's window is judged whole.
//
//   tests:
//     - name: five failures then a success from one address fire once
//       format: syslog            # syslog | ndjson | windows-json (default syslog)
//       events: |                 # the events as text, or `file: sample.evtx`
//         <38>Dec  4 03:00:01 web1 sshd[100]: Failed password for root from 203.0.113.5 ...
//       expect:                   # rule id, name or title -> count (count defaults to 1)
//         - rule: ssh-brute-force-then-success
//           count: 1
//     - name: a success alone is quiet
//       events: ...
//       expect: []
//
// `file:` is read relative to the tests file, its format detected like `vigil hunt`
// does unless `format` says. Events are read as received at kRuleTestReceiveTime
// (2026-12-25T00:00:00Z; `received:` in a test overrides it), so a syslog date without
// a year is in 2026 and the results do not depend on the day the tests run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/event_files.h"
#include "core/status.h"
#include "detect/rule_set.h"

namespace vigil {

// 2026-12-25T00:00:00Z.
constexpr TimeNs kRuleTestReceiveTime = 1'798'156'800LL * kNsPerSec;

struct RuleTestExpect {
  std::string rule;  // id, name or title
  uint64_t count = 1;
  int line = 0;
};

struct RuleTestCase {
  std::string file;  // the tests file
  int line = 0;      // where the test starts
  std::string name;
  std::optional<EventFormat> format;  // unset: syslog for `events`, detected for `file`
  std::string events;                 // text, or...
  std::string events_file;            // ...a file (resolved against the tests file's folder)
  TimeNs received = kRuleTestReceiveTime;
  std::vector<RuleTestExpect> expect;
};

// Reads a tests file. Errors name "file:line: reason".
Result<std::vector<RuleTestCase>> parse_rule_tests(std::string_view yaml, const std::string& file);

struct RuleTestResult {
  bool passed = false;
  std::vector<std::string> differences;  // why it failed, one line each
  std::vector<std::string> notes;        // events that did not parse: worth knowing, not a failure
  uint64_t events = 0;
  uint64_t alerts = 0;
};

// Runs one test with every rule of `rules`.
RuleTestResult run_rule_test(const std::shared_ptr<const detect::RuleSet>& rules, const RuleTestCase& test);

// Whether a file name is a tests file (X.tests.yml / X.tests.yaml), and the rule file
// it belongs to (X.yml / X.yaml beside it).
bool is_rule_tests_file(std::string_view path);
std::string rule_file_of_tests(const std::string& tests_path);

}  // namespace vigil
