// The same rules give the same answers wherever they run: the project's starter rules
// (content/rules) over one stream of syslog lines, (1) at ingest in a real server fed
// over TCP, listed by GET /api/v1/alerts, (2) over the server's stored history with
// `vigil hunt --data`, and (3) over the file with `vigil hunt FILE`. The three sets of
// findings (by their stable uid: rule, time, event or window) must be equal.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "cli/http_client.h"
#include "server_process.h"

namespace vigil::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// RFC 5424 lines (the year is in them): brute force then success, a spray, a new
// sudoer, routine and unusual sudo, an outside login reading /etc/shadow.
std::vector<std::string> stream() {
  std::vector<std::string> out;
  int second = 0;
  auto line = [&](const std::string& app, const std::string& msg) {
    const int s = second++;
    char ts[40];
    std::snprintf(ts, sizeof ts, "2026-11-22T%02d:%02d:%02dZ", 6 + s / 3600, s / 60 % 60, s % 60);
    out.push_back(std::string("<38>1 ") + ts + " web-01 " + app + " 4242 - - " + msg);
  };
  for (int i = 0; i < 6; ++i)
    line("sshd", "Failed password for root from 203.0.113.5 port " + std::to_string(50000 + i) + " ssh2");
  line("sshd", "Accepted password for root from 203.0.113.5 port 50100 ssh2");
  for (const char* u : {"alice", "bob", "carol", "dave", "erin", "frank"})
    line("sshd", std::string("Failed password for invalid user ") + u + " from 198.51.100.7 port 40000 ssh2");
  line("useradd", "new user: name=eve, UID=1001, GID=1001, home=/home/eve, shell=/bin/bash, from=/dev/pts/0");
  line("usermod", "add 'eve' to group 'sudo'");
  for (int i = 0; i < 20; ++i)
    line("sudo", std::string(i % 2 ? "alice" : "bob") + " : TTY=pts/0 ; PWD=/home/x ; USER=root ; COMMAND=/usr/bin/uptime");
  line("sshd", "Accepted password for mallory from 192.0.2.77 port 51000 ssh2");
  line("sudo", "mallory : TTY=pts/3 ; PWD=/home/mallory ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow");
  return out;
}

// The project's rules, as the server loads them by default.
std::string starter_rules() { return (fs::path(__FILE__).parent_path() / "../../content/rules").lexically_normal().string(); }

std::set<std::string> uids_from_hunt_json(const std::string& out) {
  std::set<std::string> uids;
  std::istringstream in(out);
  std::string l;
  while (std::getline(in, l)) {
    if (l.empty()) continue;
    const json::value v = json::parse(l);
    uids.insert(std::string(v.at("fields").at("finding_info.uid").as_string()));
  }
  return uids;
}

TEST(DetectionAgreement, IngestHistoryAndFilesGiveTheSameFindings) {
  TempDir dir;
  const auto lines = stream();
  const fs::path file = dir.path / "auth.log";
  {
    std::ofstream f(file, std::ios::binary);
    for (const auto& l : lines) f << l << "\n";
  }

  // (3) Over the file, without a server.
  const CommandResult from_file = run_vigil({"hunt", "--rules", starter_rules(), "--format", "json", file.string()});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const std::set<std::string> file_uids = uids_from_hunt_json(from_file.out);
  // Every starter rule that these lines should raise: the chain, the spray, the new
  // sudoer (three findings), the unusual sudo and the credential read.
  EXPECT_GE(file_uids.size(), 7u) << from_file.out;

  // (1) At ingest.
  std::set<std::string> ingest_uids;
  {
    ServerProcess server(dir.path / "data", {"--rules", starter_rules()});
    server.start();
    std::string bytes;
    for (const auto& l : lines) bytes += l + "\n";
    send_tcp(server.address("syslog_tcp"), bytes);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    json::array alerts;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = http_call("GET", server.http_url() + "/api/v1/alerts?limit=1000");
      ASSERT_TRUE(r.ok()) << r.error();
      alerts = json::parse(r->body).at("alerts").as_array();
      if (alerts.size() >= file_uids.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const auto& a : alerts) ingest_uids.insert(std::string(a.at("uid").as_string()));
    server.terminate();
  }
  EXPECT_EQ(ingest_uids, file_uids);

  // (2) Over the stored history (the server stopped: the store is read directly).
  const CommandResult from_history = run_vigil({"hunt", "--rules", starter_rules(), "--format", "json", "--data", (dir.path / "data").string()});
  ASSERT_EQ(from_history.exit_code, 0) << from_history.err;
  EXPECT_EQ(uids_from_hunt_json(from_history.out), file_uids);
}

}  // namespace
}  // namespace vigil::testing
