// Detection at ingest through the real binary: `vigil server --rules DIR` with Sigma
// rules written here, syslog over TCP and UDP and NDJSON over HTTP, then
// GET /api/v1/alerts must list the findings (rule, level, entities, correlation
// count) as soon as the input was acknowledged; new rules arrive by
// POST /api/v1/rules/reload, by polling of the files and by SIGHUP; a broken rule
// is reported with file:line and the others still fire; a reload that cannot read
// the folder keeps the rules in use.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/http_client.h"
#include "server_process.h"

namespace vigil::testing {

namespace {

namespace json = boost::json;

constexpr const char* kFailedId = "6a1f0000-0000-4000-8000-000000000001";
constexpr const char* kBruteId = "6a1f0000-0000-4000-8000-000000000002";
constexpr const char* kAcceptedId = "6a1f0000-0000-4000-8000-000000000003";
constexpr const char* kSudoId = "6a1f0000-0000-4000-8000-000000000004";

constexpr const char* kFailedRule = R"(title: SSH failed password
id: 6a1f0000-0000-4000-8000-000000000001
name: ssh_failed_password
status: test
level: medium
tags: [attack.credential_access, attack.t1110.001]
logsource: {product: linux, service: sshd}
detection:
  selection:
    class_uid: 3002
    status_id: 2
    process.name: sshd
  condition: selection
)";

// generate: the failures it counts alert on their own too.
constexpr const char* kBruteRule = R"(title: SSH brute force
id: 6a1f0000-0000-4000-8000-000000000002
level: high
tags: [attack.credential_access, attack.t1110]
correlation:
  type: event_count
  rules: [ssh_failed_password]
  group-by: [src_endpoint.ip]
  timespan: 5m
  condition: {gte: 5}
  generate: true
)";

// Line 5 holds the typo.
constexpr const char* kBrokenRule = R"(title: broken rule
logsource: {product: linux, service: sshd}
detection:
  selection:
    process.name|contain: ssh
  condition: selection
)";

constexpr const char* kAcceptedRule = R"(title: SSH password login
id: 6a1f0000-0000-4000-8000-000000000003
level: low
logsource: {product: linux, service: sshd}
detection:
  selection:
    class_uid: 3002
    status_id: 1
    auth_protocol: password
  condition: selection
)";

constexpr const char* kSudoRule = R"(title: Sudo shell
id: 6a1f0000-0000-4000-8000-000000000004
level: critical
tags: [attack.privilege_escalation, attack.t1548.003]
logsource: {product: linux, category: process_creation}
detection:
  selection:
    process.cmd_line|endswith: /bin/bash
  condition: selection
)";

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string read_whole(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json::value get_json(const std::string& url) {
  auto r = http_call("GET", url);
  if (!r.ok()) throw std::runtime_error("GET " + url + ": " + r.error());
  if (r->status != 200) throw std::runtime_error("GET " + url + ": " + std::to_string(r->status) + " " + r->body);
  return json::parse(r->body);
}

json::array alerts(const ServerProcess& server, const std::string& params) {
  return get_json(server.http_url() + "/api/v1/alerts?limit=1000&" + params).at("alerts").as_array();
}

std::string str(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); }

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// RFC 5424, so that event times do not depend on the year the test runs in.
std::string failed_line(int second, const std::string& ip, const std::string& user) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "2026-11-22T06:10:%02dZ", second);
  return std::string("<38>1 ") + ts + " bastion-01 sshd 4242 - - Failed password for invalid user " + user + " from " +
         ip + " port " + std::to_string(50000 + second) + " ssh2";
}

std::string tcp_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

size_t loaded_rules(const ServerProcess& server) {
  return get_json(server.http_url() + "/api/v1/rules").at("loaded").to_number<size_t>();
}

}  // namespace

TEST(DetectionIntegration, AlertsAtIngestReloadsAndRefusals) {
  TempDir dir;
  const std::filesystem::path rules = dir.path / "rules";
  std::filesystem::create_directories(rules / "ssh");
  write_file(rules / "ssh" / "failed.yml", kFailedRule);
  write_file(rules / "ssh" / "brute.yml", kBruteRule);
  write_file(rules / "broken.yml", kBrokenRule);
  ServerProcess server(dir.path / "data", {"--rules", rules.string(), "--rules-poll", "1"});
  server.start();
  const std::string url = server.http_url();

  // Loaded and refused, in the API and in the log (file:line: reason).
  json::object listed = get_json(url + "/api/v1/rules").as_object();
  EXPECT_EQ(listed.at("loaded").to_number<int>(), 2);
  EXPECT_EQ(listed.at("refused").to_number<int>(), 1);
  const std::string broken_ref = (rules / "broken.yml").string() + ":5: unknown modifier 'contain'";
  ASSERT_EQ(listed.at("refusals").as_array().size(), 1u);
  EXPECT_NE(str(listed.at("refusals").as_array()[0]).find(broken_ref), std::string::npos)
      << listed.at("refusals");
  bool saw_failed = false, saw_brute = false;
  for (const auto& r : listed.at("rules").as_array()) {
    const auto& o = r.as_object();
    if (str(o.at("id")) == kFailedId) {
      saw_failed = true;
      EXPECT_EQ(str(o.at("kind")), "rule");
      EXPECT_EQ(str(o.at("level")), "medium");
      EXPECT_EQ(str(o.at("file")), (rules / "ssh" / "failed.yml").string());
    }
    if (str(o.at("id")) == kBruteId) {
      saw_brute = true;
      EXPECT_EQ(str(o.at("kind")), "correlation");
      EXPECT_EQ(str(o.at("type")), "event_count");
    }
  }
  EXPECT_TRUE(saw_failed && saw_brute) << listed;
  const std::string log = read_whole(server.log_path());
  EXPECT_NE(log.find("loaded 1 rules and 1 correlations"), std::string::npos) << log;
  EXPECT_NE(log.find("refused " + broken_ref), std::string::npos) << log;

  // Six failures from one address over TCP: send_tcp returns once the server closed
  // the connection, i.e. after the batch was acknowledged; its alerts are durable with
  // it, so they are listed at once.
  std::vector<std::string> tcp;
  for (int i = 0; i < 6; ++i) tcp.push_back(failed_line(i, "203.0.113.77", "admin"));
  send_tcp(server.address("syslog_tcp"), tcp_lines(tcp));
  json::array failed = alerts(server, std::string("rule=") + kFailedId);
  ASSERT_EQ(failed.size(), 6u) << failed;
  for (size_t i = 0; i < failed.size(); ++i) {
    const auto& a = failed[i].as_object();
    EXPECT_EQ(str(a.at("rule").at("id")), kFailedId);
    EXPECT_EQ(str(a.at("rule").at("title")), "SSH failed password");
    EXPECT_EQ(str(a.at("rule").at("level")), "medium");
    EXPECT_EQ(str(a.at("severity")), "Medium");
    EXPECT_EQ(a.at("severity_id").to_number<int>(), 3);
    EXPECT_EQ(str(a.at("kind")), "rule");
    EXPECT_EQ(a.at("tactics"), json::array({"credential_access"}));
    EXPECT_EQ(a.at("techniques"), json::array({"T1110.001"}));
    EXPECT_EQ(str(a.at("entities").at("user")), "admin");
    EXPECT_EQ(str(a.at("entities").at("host")), "bastion-01");
    EXPECT_EQ(str(a.at("entities").at("src_ip")), "203.0.113.77");
    EXPECT_EQ(str(a.at("tenant")), "default");
    EXPECT_EQ(str(a.at("event").at("input")), "syslog-tcp");
    // Newest first; the raw is the matching event's.
    EXPECT_EQ(str(a.at("raw")), tcp[5 - i]);
    EXPECT_EQ(str(a.at("time")), "2026-11-22T06:10:0" + std::to_string(5 - i) + ".000Z");
  }

  // The correlation fired once, at the fifth failure.
  json::array high = alerts(server, "level=high");
  ASSERT_EQ(high.size(), 1u) << high;
  const auto& brute = high[0].as_object();
  EXPECT_EQ(str(brute.at("rule").at("id")), kBruteId);
  EXPECT_EQ(str(brute.at("kind")), "correlation");
  EXPECT_EQ(brute.at("correlation").at("count").to_number<int>(), 5);
  EXPECT_EQ(str(brute.at("correlation").at("group").at("src_endpoint.ip")), "203.0.113.77");
  EXPECT_EQ(str(brute.at("first_seen")), "2026-11-22T06:10:00.000Z");
  EXPECT_EQ(str(brute.at("last_seen")), "2026-11-22T06:10:04.000Z");
  EXPECT_EQ(str(brute.at("entities").at("src_ip")), "203.0.113.77");
  EXPECT_EQ(str(brute.at("entities").at("host")), "bastion-01");
  EXPECT_EQ(alerts(server, "level=high,critical&rule=SSH%20brute%20force").size(), 1u);
  EXPECT_TRUE(alerts(server, "level=critical").empty());
  EXPECT_TRUE(alerts(server, "tenant=someone-else").empty());
  EXPECT_EQ(alerts(server, "tenant=default").size(), 7u);
  EXPECT_EQ(alerts(server, "from=2026-11-22T06:10:03Z&to=2026-11-22T06:10:04Z").size(), 3u);  // 2 rule + 1 correlation

  // Two failures from another address over UDP (no acknowledgement: wait for them).
  send_udp(server.address("syslog_udp"), {failed_line(20, "198.51.100.9", "oracle"), failed_line(21, "198.51.100.9", "oracle")});
  ASSERT_TRUE(eventually([&] { return alerts(server, "q=src_endpoint.ip:198.51.100.9").size() == 2; }));
  {
    json::array udp = alerts(server, "q=src_endpoint.ip:198.51.100.9");
    EXPECT_EQ(str(udp[0].at("entities").at("user")), "oracle");
    EXPECT_EQ(str(udp[0].at("event").at("input")), "syslog-udp");
  }
  EXPECT_EQ(alerts(server, "level=high").size(), 1u);  // two are below the threshold

  json::object stats = get_json(url + "/api/v1/stats").as_object();
  const auto& detect = stats.at("detect").as_object();
  EXPECT_EQ(detect.at("alerts").to_number<int>(), 9);
  EXPECT_EQ(detect.at("rule_alerts").to_number<int>(), 8);
  EXPECT_EQ(detect.at("correlation_alerts").to_number<int>(), 1);
  EXPECT_EQ(detect.at("rules").to_number<int>(), 1);
  EXPECT_EQ(detect.at("correlations").to_number<int>(), 1);
  EXPECT_EQ(detect.at("refused").to_number<int>(), 1);
  EXPECT_EQ(detect.at("matcher").at("matches").to_number<int>(), 8);
  EXPECT_EQ(stats.at("ingest").at("events_stored").to_number<int>(), 8);  // input events only
  EXPECT_EQ(stats.at("ingest").at("stage_events_stored").to_number<int>(), 9);

  // A new rule file, then POST /api/v1/rules/reload: counts and the refusal come back.
  write_file(rules / "accepted.yml", kAcceptedRule);
  auto reload = http_call("POST", url + "/api/v1/rules/reload");
  ASSERT_TRUE(reload.ok()) << reload.error();
  ASSERT_EQ(reload->status, 200) << reload->body;
  json::object reloaded = json::parse(reload->body).as_object();
  EXPECT_EQ(reloaded.at("ok"), true);
  EXPECT_EQ(reloaded.at("loaded").to_number<int>(), 3);
  EXPECT_EQ(reloaded.at("refused").to_number<int>(), 1);
  EXPECT_NE(str(reloaded.at("refusals").as_array().at(0)).find(broken_ref), std::string::npos);
  send_tcp(server.address("syslog_tcp"),
           "<38>1 2026-11-22T06:12:00Z bastion-01 sshd 4243 - - Accepted password for alice from 203.0.113.77 port "
           "50100 ssh2\n");
  json::array accepted = alerts(server, std::string("rule=") + kAcceptedId);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(str(accepted[0].at("rule").at("level")), "low");
  EXPECT_EQ(str(accepted[0].at("entities").at("user")), "alice");
  // The broken rule still does not stop the others: failures still alert.
  send_tcp(server.address("syslog_tcp"), failed_line(30, "192.0.2.1", "root") + "\n");
  EXPECT_EQ(alerts(server, "q=src_endpoint.ip:192.0.2.1").size(), 1u);

  // A rule file written with no request: the poll (every second here) loads it.
  write_file(rules / "sudo.yml", kSudoRule);
  ASSERT_TRUE(eventually([&] { return loaded_rules(server) == 4; })) << server.log_tail();
  EXPECT_NE(read_whole(server.log_path()).find("files changed under " + rules.string() + ": reloading"),
            std::string::npos);
  {
    // A process launch on Linux (class 1007, activity 1, os type 200): what the
    // linux/process_creation log source asks of an OCSF event (content/sigma).
    std::string body =
        R"({"class_uid":1007,"activity_id":1,"time":"2026-11-22T06:13:00Z","actor":{"user":{"name":"alice"}},)"
        R"("process":{"cmd_line":"sudo /bin/bash","file":{"path":"/usr/bin/sudo"}},)"
        R"("device":{"hostname":"web-01","os":{"type_id":200}}})"
        "\n";
    auto r = http_call("POST", url + "/api/v1/ingest", body);
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.error());
  }
  json::array critical = alerts(server, "level=critical");
  ASSERT_EQ(critical.size(), 1u);
  EXPECT_EQ(str(critical[0].at("rule").at("id")), kSudoId);
  EXPECT_EQ(str(critical[0].at("entities").at("user")), "alice");
  EXPECT_EQ(str(critical[0].at("entities").at("host")), "web-01");
  EXPECT_EQ(str(critical[0].at("entities").at("process").at("cmd_line")), "sudo /bin/bash");
  EXPECT_EQ(str(critical[0].at("entities").at("process").at("path")), "/usr/bin/sudo");
  EXPECT_EQ(critical[0].at("techniques"), json::array({"T1548.003"}));
  EXPECT_EQ(critical[0].at("tactics"), json::array({"privilege_escalation"}));

  // A reload that cannot read the folder keeps the rules in use and says why. (The poll
  // may get there first: either way the rules stay.)
  std::filesystem::rename(rules, dir.path / "rules-away");
  reload = http_call("POST", url + "/api/v1/rules/reload");
  ASSERT_TRUE(reload.ok());
  EXPECT_EQ(reload->status, 500) << reload->body;
  json::object failed_reload = json::parse(reload->body).as_object();
  EXPECT_EQ(failed_reload.at("ok"), false);
  EXPECT_NE(str(failed_reload.at("error")).find(rules.string()), std::string::npos) << reload->body;
  EXPECT_EQ(failed_reload.at("kept").at("rules").to_number<int>(), 3);
  EXPECT_EQ(loaded_rules(server), 4u);
  send_tcp(server.address("syslog_tcp"), failed_line(40, "192.0.2.2", "root") + "\n");
  EXPECT_EQ(alerts(server, "q=src_endpoint.ip:192.0.2.2").size(), 1u);
  EXPECT_NE(read_whole(server.log_path()).find("the 3 rules and 1 correlations in use stay"), std::string::npos);

  // Back, with the broken rule mended, on SIGHUP.
  std::filesystem::rename(dir.path / "rules-away", rules);
  write_file(rules / "broken.yml", "title: mended rule\nlogsource: {product: linux, service: sshd}\ndetection:\n"
                                   "  selection:\n"
                                   "    process.name|contains: nothing-sends-this\n  condition: selection\n");
  server.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return loaded_rules(server) == 5; })) << server.log_tail();
  EXPECT_EQ(get_json(url + "/api/v1/rules").at("refused").to_number<int>(), 0);
  EXPECT_NE(read_whole(server.log_path()).find("signal SIGHUP: reloading rules"), std::string::npos);
  server.terminate();
}

// An input's acknowledgement covers the alerts its events raised: SIGKILL right after
// the ack, restart, and the alerts are there (replayed from the WAL with the events).
TEST(DetectionIntegration, AlertsOfAcknowledgedEventsSurviveSigkill) {
  TempDir dir;
  const std::filesystem::path rules = dir.path / "rules";
  std::filesystem::create_directories(rules);
  write_file(rules / "failed.yml", kFailedRule);
  write_file(rules / "brute.yml", kBruteRule);
  ServerProcess server(dir.path / "data", {"--rules", rules.string()});
  server.start();
  std::string body;
  for (int i = 0; i < 5; ++i)
    body += R"({"class_uid":3002,"status_id":2,"time":"2026-11-22T07:00:0)" + std::to_string(i) +
            R"(Z","process":{"name":"sshd"},"user":{"name":"root"},"src_endpoint":{"ip":"192.0.2.50"}})" + "\n";
  auto r = http_call("POST", server.http_url() + "/api/v1/ingest", body);
  ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.error());
  server.kill9();
  server.start();
  json::array all = alerts(server, "q=src_endpoint.ip:192.0.2.50");
  EXPECT_EQ(all.size(), 6u);  // 5 rule matches + the correlation
  EXPECT_EQ(alerts(server, "level=high").size(), 1u);
  EXPECT_EQ(str(all.at(0).at("entities").at("user")), "root");
  server.terminate();
}

// A rule folder that cannot be read is a configuration error: the server says so and
// does not start.
TEST(DetectionIntegration, MissingRuleFolderStopsTheStart) {
  TempDir dir;
  CommandResult r = run_vigil({"server", "--data", (dir.path / "data").string(), "--rules",
                               (dir.path / "no-such-rules").string(), "--syslog-udp", "off", "--syslog-tcp", "off",
                               "--http", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no-such-rules"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--rules"), std::string::npos) << r.err;
}

}  // namespace vigil::testing
