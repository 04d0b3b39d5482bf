// `vigil rules lint` and `vigil rules test`: checking Sigma rules before they run.
// lint loads every rule as ingest would and reports what was refused and why
// (file:line: reason), warnings, counts, and with --fields the fields rules use that
// have no OCSF mapping; exit 1 when anything was refused. test runs the X.tests.yml
// files beside the rules (rule_tests.h) and prints PASS/FAIL per test with the
// difference; exit 1 on any failure. Both exit 2 for a usage or input error.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/rule_paths.h"
#include "cli/rule_tests.h"
#include "cli/subcommands.h"
#include "detect/sigma_content.h"
#include "detect/sigma_mapping.h"
#include "detect/sigma_rule.h"

namespace vigil {

namespace {

namespace fs = std::filesystem;

constexpr int kUsageError = 2;

struct RulesFlags {
  std::vector<std::string> paths;
  std::string content;
  bool fields = false, verbose = false;
};

int usage_error(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "vigil rules %s: %s\n(vigil rules %s --help shows the flags and examples)\n", cmd,
               message.c_str(), cmd);
  return kUsageError;
}

std::string content_dir(const RulesFlags& f) { return f.content.empty() ? detect::default_content_dir() : f.content; }

Status check_paths(const std::vector<std::string>& paths) {
  if (paths.empty()) return Status::error("give one or more rule folders or files");
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) return Status::error(p + ": no such rule file or folder");
  }
  return {};
}

std::string with_commas(size_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string plural(size_t n, const char* one, const char* many) { return with_commas(n) + " " + (n == 1 ? one : many); }

// The fields rules use that have no OCSF path under their log source.
int print_unmapped_fields(const RulesFlags& f) {
  auto mappings = detect::load_sigma_mappings(content_dir(f) + "/sigma");
  if (!mappings.ok()) return usage_error("lint", "Sigma content: " + mappings.error());
  auto sources = detect::read_rule_sources(distinct_rule_paths(f.paths));
  if (!sources.ok()) return usage_error("lint", sources.error());
  std::vector<detect::SigmaRule> rules;
  for (const auto& src : *sources) {
    if (is_rule_tests_file(src.file)) continue;
    for (auto& doc : detect::parse_sigma_file(src.text, src.file))
      if (doc.ok() && doc->kind == detect::SigmaDocument::Kind::Rule) rules.push_back(std::move(doc->rule));
  }
  const auto unmapped = detect::unmapped_fields(rules, *mappings);
  std::printf("\n%s without an OCSF path under their rule's log source (content/sigma/fields.yaml):\n",
              plural(unmapped.size(), "field", "fields").c_str());
  if (unmapped.empty()) return 0;
  std::printf("  %6s  %-40s  %s\n", "RULES", "LOG SOURCE", "FIELD");
  for (const auto& u : unmapped) {
    std::string ls;
    for (const std::string* part : {&u.logsource.product, &u.logsource.category, &u.logsource.service})
      ls += (ls.empty() ? "" : "/") + (part->empty() ? std::string("*") : *part);
    std::printf("  %6zu  %-40s  %s%s\n", u.rules, ls.c_str(), u.field.c_str(),
                u.no_ocsf_home ? "  (no OCSF home: `~` in fields.yaml)" : "");
  }
  return 0;
}

int run_lint(const RulesFlags& f, const std::vector<std::string>& extras) {
  if (!extras.empty()) return usage_error("lint", "unknown argument '" + extras.front() + "'");
  if (Status s = check_paths(f.paths); !s.ok()) return usage_error("lint", s.message());
  auto options = detect::load_sigma_content(content_dir(f));
  if (!options.ok()) return usage_error("lint", "Sigma content: " + options.error());
  auto set = detect::load_rules(distinct_rule_paths(f.paths), *options);
  if (!set.ok()) return usage_error("lint", set.error());
  const detect::RuleSet& rs = **set;
  for (const auto& r : rs.report.refusals) std::printf("%s\n", r.c_str());
  for (const auto& w : rs.report.warnings) std::printf("warning: %s\n", w.c_str());
  size_t filters = 0, filtered = 0;
  for (const auto& r : rs.rules) {
    filters += r.filters.size();
    filtered += !r.filters.empty();
  }
  std::printf("lint: %s, %s, %s, %s, %s applied to %s, %s refused, %s\n",
              plural(rs.report.files, "file", "files").c_str(), plural(rs.report.documents, "document", "documents").c_str(),
              plural(rs.rules.size(), "rule", "rules").c_str(),
              plural(rs.correlations.size(), "correlation", "correlations").c_str(),
              plural(filters, "filter", "filters").c_str(), plural(filtered, "rule", "rules").c_str(),
              with_commas(rs.report.refusals.size()).c_str(), plural(rs.report.warnings.size(), "warning", "warnings").c_str());
  if (f.fields)
    if (int rc = print_unmapped_fields(f); rc != 0) return rc;
  return rs.report.refusals.empty() ? 0 : 1;
}

// What one argument of `rules test` means: the rules to load and the tests to run.
struct TestTarget {
  std::string rules;               // a folder or one rule file
  std::vector<std::string> tests;  // tests files
};

Result<TestTarget> test_target(const std::string& path) {
  std::error_code ec;
  TestTarget t;
  if (fs::is_directory(path, ec)) {
    t.rules = path;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec) && is_rule_tests_file(it->path().string())) t.tests.push_back(it->path().string());
    if (ec) return Status::error(path + ": " + ec.message());
    std::sort(t.tests.begin(), t.tests.end());
  } else if (is_rule_tests_file(path)) {
    // A tests file alone: its tests run with every rule of its folder.
    t.rules = fs::path(path).parent_path().string();
    if (t.rules.empty()) t.rules = ".";
    t.tests.push_back(path);
  } else {
    // A rule file: its own tests file, if it has one.
    t.rules = path;
    const fs::path p(path);
    for (const char* ext : {".tests.yml", ".tests.yaml"}) {
      const fs::path candidate = p.parent_path() / (p.stem().string() + ext);
      if (fs::exists(candidate, ec)) t.tests.push_back(candidate.string());
    }
  }
  return t;
}

int run_test(const RulesFlags& f, const std::vector<std::string>& extras) {
  if (!extras.empty()) return usage_error("test", "unknown argument '" + extras.front() + "'");
  if (Status s = check_paths(f.paths); !s.ok()) return usage_error("test", s.message());
  auto options = detect::load_sigma_content(content_dir(f));
  if (!options.ok()) return usage_error("test", "Sigma content: " + options.error());

  size_t passed = 0, failed = 0, files = 0, refused = 0;
  for (const std::string& path : f.paths) {
    auto target = test_target(path);
    if (!target.ok()) return usage_error("test", target.error());
    auto set = detect::load_rules({target->rules}, *options);
    if (!set.ok()) return usage_error("test", set.error());
    for (const auto& r : (*set)->report.refusals) std::printf("REFUSED %s\n", r.c_str());
    refused += (*set)->report.refusals.size();
    if (target->tests.empty()) std::printf("note: no *.tests.yml under %s\n", path.c_str());
    for (const std::string& tests_file : target->tests) {
      ++files;
      const std::string rule_file = rule_file_of_tests(tests_file);
      std::error_code ec;
      if (!fs::exists(rule_file, ec)) std::printf("note: %s has no rule file %s beside it\n", tests_file.c_str(), rule_file.c_str());
      std::string text;
      {
        std::FILE* in = std::fopen(tests_file.c_str(), "rb");
        if (!in) return usage_error("test", tests_file + ": cannot read");
        char buf[1 << 16];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) text.append(buf, n);
        std::fclose(in);
      }
      auto tests = parse_rule_tests(text, tests_file);
      if (!tests.ok()) {
        std::printf("FAIL  %s\n", tests.error().c_str());
        ++failed;
        continue;
      }
      for (const RuleTestCase& t : *tests) {
        const RuleTestResult r = run_rule_test(*set, t);
        std::printf("%s  %s:%d: %s\n", r.passed ? "PASS" : "FAIL", tests_file.c_str(), t.line, t.name.c_str());
        for (const auto& d : r.differences) std::printf("        %s\n", d.c_str());
        if (f.verbose || !r.passed) {
          for (const auto& n : r.notes) std::printf("        note: %s\n", n.c_str());
          if (f.verbose)
            std::printf("        %s, %s\n", plural(r.events, "event", "events").c_str(), plural(r.alerts, "alert", "alerts").c_str());
        }
        (r.passed ? passed : failed)++;
      }
    }
  }
  const size_t total = passed + failed;
  std::printf("rules test: %s in %s: %zu passed, %zu failed%s\n", plural(total, "test", "tests").c_str(),
              plural(files, "file", "files").c_str(), passed, failed,
              refused ? (", " + std::to_string(refused) + " rules refused (vigil rules lint says why)").c_str() : "");
  if (total == 0 && failed == 0) {
    std::fprintf(stderr, "vigil rules test: no tests found (a rule X.yml has its tests in X.tests.yml beside it)\n");
    return 1;
  }
  return failed == 0 && refused == 0 ? 0 : 1;
}

}  // namespace

void add_rules_command(CLI::App& app, int& exit_code) {
  auto* rules = app.add_subcommand("rules", "Check Sigma rules: lint them, run their tests");
  rules->require_subcommand(1);
  rules->footer(
      "Examples:\n"
      "  vigil rules lint content/rules                 what loads, what is refused and why (file:line: reason)\n"
      "  vigil rules lint --fields ../sigma/rules       ...and the fields rules use that have no OCSF mapping\n"
      "  vigil rules test content/rules                 run every X.tests.yml beside the rules\n"
      "More: docs/hunt.md");

  auto lint_flags = std::make_shared<RulesFlags>();
  auto* lint = rules->add_subcommand("lint", "Load rules as ingest would; report refusals, warnings and counts");
  lint->footer(
      "Every rule file (*.yml, *.yaml; folders are searched recursively, X.tests.yml files skipped) is\n"
      "compiled with the project's Sigma content (log sources, OCSF names of Sigma fields). Refusals print\n"
      "as `file:line: reason`, warnings as `warning: file:line: ...`, then one summary line.\n"
      "--fields adds the fields rules use that have no OCSF path under their log source, most used first:\n"
      "such a field only matches events that carry it under its Sigma name.\n"
      "\n"
      "Exit status: 0 nothing refused, 1 some rule refused, 2 usage error (no such folder, bad content).\n"
      "\n"
      "Examples:\n"
      "  vigil rules lint content/rules\n"
      "  vigil rules lint --fields --content ./content ../sigma/rules/windows");
  lint->add_option("paths", lint_flags->paths, "rule files or folders");
  lint->add_option("--content", lint_flags->content, "Sigma content folder (default: the project's content/)");
  lint->add_flag("--fields", lint_flags->fields, "also list the fields rules use that have no OCSF mapping");
  lint->allow_extras();
  lint->callback([lint_flags, lint, &exit_code] { exit_code = run_lint(*lint_flags, lint->remaining()); });

  auto test_flags = std::make_shared<RulesFlags>();
  auto* test = rules->add_subcommand("test", "Run the rule tests (X.tests.yml beside X.yml)");
  test->footer(
      "A rule X.yml has its tests in X.tests.yml beside it:\n"
      "\n"
      "  tests:\n"
      "    - name: five failures then a success from one address fire once\n"
      "      format: syslog            # syslog | ndjson | windows-json (default syslog)\n"
      "      events: |                 # one event per line (or `file: sample.evtx`, beside the tests file)\n"
      "        <38>Dec  4 03:00:01 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50001 ssh2\n"
      "        ...\n"
      "      expect:                   # every alert the rules raise: id, name or title -> count (default 1)\n"
      "        - rule: ssh-brute-force-then-success\n"
      "          count: 1\n"
      "    - name: a success alone is quiet\n"
      "      events: ...\n"
      "      expect: []\n"
      "\n"
      "Each test runs every rule of the folder given (a fresh engine, finished at the end so correlation\n"
      "windows are judged whole) and compares the alerts to `expect` exactly: an alert nobody listed fails.\n"
      "Events are read as received at 2026-12-25T00:00:00Z (`received:` overrides), so a syslog date\n"
      "without a year is in 2026 whatever the day the tests run.\n"
      "\n"
      "Exit status: 0 all passed, 1 a test failed, a tests file is malformed, a rule was refused or no\n"
      "test was found, 2 usage error.\n"
      "\n"
      "Examples:\n"
      "  vigil rules test content/rules\n"
      "  vigil rules test content/rules/linux/ssh_brute_force.yml     one rule's tests (with only that rule)");
  test->add_option("paths", test_flags->paths, "rule folders (every X.tests.yml under them), rule files or tests files");
  test->add_option("--content", test_flags->content, "Sigma content folder (default: the project's content/)");
  test->add_flag("--verbose,-v", test_flags->verbose, "also show event and alert counts and parse notes of passing tests");
  test->allow_extras();
  test->callback([test_flags, test, &exit_code] { exit_code = run_test(*test_flags, test->remaining()); });
}

}  // namespace vigil
