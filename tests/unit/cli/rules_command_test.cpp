// `vigil rules lint` and `vigil rules test` through the real binary: a broken rule is
// reported as file:line: reason with exit 1; tests files pass, fail with the
// difference (a missing alert, a wrong count, an alert nobody listed), and a malformed
// one is a failure naming its line. Also the tests-file reader on its own, and the
// project's own content/rules tests.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/rule_tests.h"
#include "detect/sigma_content.h"
#include "vigil_process.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using namespace vigil::test;

constexpr const char* kFailedRule = R"(title: SSH failed password
id: 8c3f0000-0000-4000-8000-000000000001
name: ssh_failed_password
level: low
logsource: {product: linux, service: sshd}
detection:
  selection:
    class_uid: 3002
    status_id: 2
  condition: selection
)";
constexpr const char* kBruteRule = R"(title: SSH brute force then success
id: 8c3f0000-0000-4000-8000-000000000002
name: ssh-brute-force-then-success
level: high
correlation:
  type: temporal_ordered
  rules: [ssh_many_failures, ssh_success]
  group-by: [src_endpoint.ip]
  timespan: 10m
---
title: SSH many failures
id: 8c3f0000-0000-4000-8000-000000000003
name: ssh_many_failures
correlation:
  type: event_count
  rules: [ssh_failed_password]
  group-by: [src_endpoint.ip]
  timespan: 5m
  condition: {gte: 3}
  generate: true
---
title: SSH success
id: 8c3f0000-0000-4000-8000-000000000004
name: ssh_success
logsource: {product: linux, service: sshd}
detection:
  selection:
    class_uid: 3002
    status_id: 1
  condition: selection
)";
// Line 9 holds the typo.
constexpr const char* kBrokenRule = R"(title: Broken
id: 8c3f0000-0000-4000-8000-000000000009
level: low
logsource: {product: linux, service: sshd}
detection:
  selection:
    class_uid: 3002
  filter:
    process.name|contain: sshd
  condition: selection and not filter
)";

constexpr const char* kFailures =
    "      <38>Dec  4 03:00:01 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50001 ssh2\n"
    "      <38>Dec  4 03:00:02 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50002 ssh2\n"
    "      <38>Dec  4 03:00:03 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50003 ssh2\n";
constexpr const char* kSuccess =
    "      <38>Dec  4 03:01:00 web1 sshd[100]: Accepted password for root from 203.0.113.5 port 50009 ssh2\n";

// Rules and a tests file in `dir`; `tests` is the body of the list.
void write_rule_dir(const fs::path& dir, const std::string& tests) {
  write(dir / "ssh_failed.yml", kFailedRule);
  write(dir / "ssh_brute.yml", kBruteRule);
  write(dir / "ssh_brute.tests.yml", "tests:\n" + tests);
}

const std::string kPassingTests = std::string(
    "  - name: three failures then a success fire once\n"
    "    format: syslog\n"
    "    events: |\n") + kFailures + kSuccess +
    "    expect:\n"
    "      - rule: 8c3f0000-0000-4000-8000-000000000001\n"
    "        count: 3\n"
    "      - rule: SSH brute force then success\n"
    "        count: 1\n"
    "  - name: a success alone is quiet\n"
    "    events: |\n" + kSuccess +
    "    expect: []\n"
    "  - name: the same as OCSF JSON lines\n"
    "    format: ndjson\n"
    "    events: |\n"
    "      {\"time\":\"2026-12-04T03:00:01Z\",\"class_uid\":3002,\"status_id\":2,\"process\":{\"name\":\"sshd\"},\"src_endpoint\":{\"ip\":\"203.0.113.5\"}}\n"
    "    expect:\n"
    "      - ssh_failed_password\n";

TEST(RulesLint, BrokenRuleIsReportedWithFileAndLine) {
  TempDir dir;
  write(dir.path / "good.yml", kFailedRule);
  write(dir.path / "sub/broken.yml", kBrokenRule);
  write(dir.path / "good.tests.yml", "tests: []\n");  // not a rule: skipped
  const VigilRun r = vigil({"rules", "lint", dir.path.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string broken = (dir.path / "sub/broken.yml").string();
  EXPECT_NE(r.out.find(broken + ":9: unknown modifier 'contain'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lint: 2 files, 2 documents, 1 rule, 0 correlations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 1 refused"), std::string::npos) << r.out;
}

TEST(RulesLint, CleanRulesExitZero) {
  TempDir dir;
  write(dir.path / "ssh_failed.yml", kFailedRule);
  write(dir.path / "ssh_brute.yml", kBruteRule);
  const VigilRun r = vigil({"rules", "lint", dir.path.string(), (dir.path / "ssh_brute.yml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The file inside the folder given is not loaded twice.
  EXPECT_NE(r.out.find("lint: 2 files, 4 documents, 2 rules, 2 correlations, 0 filters applied to 0 rules, 0 refused, "
                       "0 warnings"),
            std::string::npos)
      << r.out;
}

TEST(RulesLint, FieldsListsWhatHasNoOcsfPath) {
  TempDir dir;
  write(dir.path / "odd.yml", R"(title: Odd field
id: 8c3f0000-0000-4000-8000-000000000010
logsource: {product: linux, service: sshd}
detection:
  selection:
    SomeVendorField: x
  condition: selection
)");
  const VigilRun r = vigil({"rules", "lint", "--fields", dir.path.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("without an OCSF path"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("linux/*/sshd"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SomeVendorField"), std::string::npos) << r.out;
}

TEST(RulesLint, UsageErrors) {
  const VigilRun none = vigil({"rules", "lint"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("give one or more rule folders or files"), std::string::npos) << none.err;
  const VigilRun missing = vigil({"rules", "lint", "/nonexistent/rules"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/rules: no such rule file or folder"), std::string::npos) << missing.err;
}

TEST(RulesTest, PassingTests) {
  TempDir dir;
  write_rule_dir(dir.path, kPassingTests);
  const VigilRun r = vigil({"rules", "test", dir.path.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string file = (dir.path / "ssh_brute.tests.yml").string();
  EXPECT_NE(r.out.find("PASS  " + file + ":2: three failures then a success fire once"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS  " + file + ":14: a success alone is quiet"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS  " + file + ":18: the same as OCSF JSON lines"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rules test: 3 tests in 1 file: 3 passed, 0 failed"), std::string::npos) << r.out;

  // One rule file: its own tests, with only the rules of that file (ssh_failed_password
  // is then not loaded, so the chain cannot fire and the first test fails).
  const VigilRun one = vigil({"rules", "test", (dir.path / "ssh_brute.yml").string()});
  EXPECT_EQ(one.exit_code, 1) << one.out;
  EXPECT_NE(one.out.find("REFUSED"), std::string::npos) << one.out;
}

TEST(RulesTest, FailuresShowTheDifference) {
  TempDir dir;
  write_rule_dir(dir.path, std::string(
      "  - name: wrong count and a missing rule\n"
      "    events: |\n") + kFailures + kSuccess +
      "    expect:\n"
      "      - rule: ssh_failed_password\n"
      "        count: 2\n"
      "      - rule: no-such-rule\n"
      "  - name: an alert nobody listed\n"
      "    events: |\n" + kFailures + kSuccess +
      "    expect:\n"
      "      - rule: ssh_failed_password\n"
      "        count: 3\n"
      "  - name: quiet as expected\n"
      "    events: |\n" + kSuccess +
      "    expect: []\n");
  const VigilRun r = vigil({"rules", "test", dir.path.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string file = (dir.path / "ssh_brute.tests.yml").string();
  EXPECT_NE(r.out.find("FAIL  " + file + ":2: wrong count and a missing rule\n"
                       "        line 11: expects 'no-such-rule', which no loaded rule has as id, name or title\n"
                       "        8c3f0000-0000-4000-8000-000000000001 (SSH failed password): expected 2, got 3\n"
                       "        unexpected: 8c3f0000-0000-4000-8000-000000000002 (SSH brute force then success) fired 1 time\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL  " + file + ":12: an alert nobody listed\n"
                       "        unexpected: 8c3f0000-0000-4000-8000-000000000002 (SSH brute force then success) fired 1 time\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PASS  " + file + ":21: quiet as expected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rules test: 3 tests in 1 file: 1 passed, 2 failed"), std::string::npos) << r.out;
}

TEST(RulesTest, MalformedTestsFileFailsWithItsLine) {
  TempDir dir;
  write_rule_dir(dir.path, "  - name: typo in a key\n    evnets: |\n      x\n    expect: []\n");
  const VigilRun r = vigil({"rules", "test", dir.path.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL  " + (dir.path / "ssh_brute.tests.yml").string() + ":3: unknown key 'evnets' in a test"),
            std::string::npos)
      << r.out;
}

TEST(RulesTest, NoTestsIsAnError) {
  TempDir dir;
  write(dir.path / "ssh_failed.yml", kFailedRule);
  const VigilRun r = vigil({"rules", "test", dir.path.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no tests found"), std::string::npos) << r.err;
}

TEST(RuleTests, ParseRejectsWhatWouldSilentlyPass) {
  auto ok = parse_rule_tests(
      "tests:\n  - name: a\n    file: sample.evtx\n    received: 2026-01-01T00:00:00Z\n    expect: [x]\n", "/r/a.tests.yml");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ((*ok)[0].events_file, "/r/sample.evtx");
  EXPECT_EQ((*ok)[0].received, *parse_rfc3339("2026-01-01T00:00:00Z"));
  ASSERT_EQ((*ok)[0].expect.size(), 1u);
  EXPECT_EQ((*ok)[0].expect[0].count, 1u);

  struct Case {
    const char* yaml;
    const char* error;
  };
  const Case cases[] = {
      {"tests:\n  - name: a\n    events: x\n", "t.yml:2: test 'a' needs `expect`"},
      {"tests:\n  - name: a\n    expect: []\n", "t.yml:2: test 'a' needs either `events` (text) or `file`"},
      {"tests:\n  - name: a\n    events: x\n    format: xml\n    expect: []\n", "t.yml:4: unknown format 'xml'"},
      {"tests:\n  - name: a\n    events: x\n    expect:\n      - rule: r\n        cuont: 2\n", "t.yml:6: unknown key 'cuont'"},
      {"tests:\n  - name: a\n    events: x\n    expect:\n      - rule: r\n        count: -1\n", "t.yml:6: `count` is a number"},
      {"tests:\n  - name: a\n    events: x\n    expect: []\n  - name: a\n    events: y\n    expect: []\n",
       "t.yml:5: a second test named 'a'"},
      {"tests: [\n", "t.yml:"},
      {"- name: a\n", "t.yml:1: a tests file is a map with `tests:`"},
  };
  for (const Case& c : cases) {
    auto r = parse_rule_tests(c.yaml, "t.yml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.error().find(c.error), std::string::npos) << r.error();
  }
}

TEST(RuleTests, ProjectContentRulesPass) {
  const fs::path rules = fs::path(detect::default_content_dir()) / "rules";
  if (!fs::is_directory(rules)) GTEST_SKIP() << "no " << rules;
  const VigilRun r = vigil({"rules", "test", rules.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace vigil
