// End to end through the real binary: syslog over UDP and TCP and NDJSON over HTTP
// into `vigil server`, SIGKILL, restart, and `vigil search` must find every
// acknowledged event exactly once with its normalized fields.
#include <gtest/gtest.h>

#include <fstream>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cli/http_client.h"
#include "query/search.h"
#include "server_process.h"

namespace vigil::testing {

namespace {

namespace json = boost::json;

json::object stats_of(const ServerProcess& server) {
  auto r = http_call("GET", server.http_url() + "/api/v1/stats");
  if (!r.ok() || r->status != 200) throw std::runtime_error("stats failed");
  return json::parse(r->body).as_object();
}

uint64_t ingest_counter(const ServerProcess& server, const char* name) {
  return stats_of(server).at("ingest").at(name).to_number<uint64_t>();
}

// Polls until pred() or ~timeout; returns pred().
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

SearchResult search_cli(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"search", "--format", "json", "--limit", "100000"};
  full.insert(full.end(), args.begin(), args.end());
  CommandResult r = run_vigil(full);
  if (r.exit_code != 0) throw std::runtime_error("vigil search failed: " + r.err);
  auto parsed = result_from_json(r.out);
  if (!parsed.ok()) throw std::runtime_error("bad search output: " + parsed.error() + "\n" + r.out.substr(0, 500));
  return *parsed;
}

// group key -> count from a `| stats count() by F` result.
std::map<std::string, int64_t> counts_by(const SearchResult& r) {
  std::map<std::string, int64_t> out;
  for (const auto& row : r.rows) out[row.at(0).text] = row.at(1).i64;
  return out;
}

// The field's value; a missing field fails the test (and reads as null) instead of crashing it.
const ResultValue* field(const ResultEvent& e, const std::string& name) {
  for (const auto& [k, v] : e.fields)
    if (k == name) return &v;
  ADD_FAILURE() << "event has no field " << name << ": " << e.raw;
  static const ResultValue kMissing = ResultValue::null();
  return &kMissing;
}

std::string ndjson_auth_batch(int batch, int n) {
  std::string body;
  for (int i = 0; i < n; ++i) {
    int id = batch * 1000 + i;
    body += R"({"class_uid":3002,"activity_id":1,"status_id":2,"time":1795330612000,"user":{"name":"http-)" +
            std::to_string(id) + R"("},"src_endpoint":{"ip":"198.51.100.)" + std::to_string(i % 250) +
            R"(","port":)" + std::to_string(40000 + i) + R"(},"metadata":{"product":{"name":"test"}}})" + "\n";
  }
  return body;
}

}  // namespace

TEST(ServerIntegration, AcknowledgedEventsSurviveSigkillExactlyOnce) {
  TempDir dir;
  ServerProcess server(dir.path / "data");
  server.start();

  // HTTP NDJSON, plain, gzip and zstd: each 200 is an acknowledgement.
  std::set<std::string> acked_http;
  for (int b = 0; b < 9; ++b) {
    std::string body = ndjson_auth_batch(b, 40);
    std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/x-ndjson"}};
    if (b % 3 == 1) {
      body = gzip(body);
      headers.push_back({"Content-Encoding", "gzip"});
    } else if (b % 3 == 2) {
      body = zstd(body);
      headers.push_back({"Content-Encoding", "zstd"});
    }
    auto r = http_call("POST", server.http_url() + "/api/v1/ingest", body, headers);
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_EQ(r->status, 200) << r->body;
    auto reply = json::parse(r->body).as_object();
    EXPECT_EQ(reply.at("accepted").to_number<int>(), 40);
    EXPECT_EQ(reply.at("parse_errors").to_number<int>(), 0);
    for (int i = 0; i < 40; ++i) acked_http.insert("http-" + std::to_string(b * 1000 + i));
  }

  // Syslog over TCP: one connection octet-counted (RFC 6587), one LF-framed.
  // send_tcp returns after the server closed the connection, which it does once the
  // last batch is durable.
  std::string counted, lf;
  for (int i = 0; i < 300; ++i) {
    std::string line = "<38>Nov 22 06:" + std::to_string(10 + i % 50) + ":00 bastion-01 sshd[4242]: Failed password for invalid user tcp-" +
                       std::to_string(i) + " from 192.0.2." + std::to_string(i % 200 + 1) + " port " +
                       std::to_string(50000 + i) + " ssh2";
    counted += std::to_string(line.size()) + " " + line;
    std::string line2 = "<86>1 2026-11-22T06:57:00.000Z web-01 sshd 77 - - Accepted publickey for lf-" +
                        std::to_string(i) + " from 10.0.0." + std::to_string(i % 200 + 1) + " port 2222 ssh2";
    lf += line2 + "\n";
  }
  send_tcp(server.address("syslog_tcp"), counted);
  send_tcp(server.address("syslog_tcp"), lf);

  // Syslog over UDP: no acknowledgement exists, so the server's own counters say what
  // it received; all of that must be stored.
  std::vector<std::string> datagrams;
  for (int i = 0; i < 200; ++i)
    datagrams.push_back("<13>Nov 22 06:58:00 app-01 cron[99]: (root) CMD (run-parts udp-" + std::to_string(i) + ")");
  send_udp(server.address("syslog_udp"), datagrams);
  ASSERT_TRUE(eventually([&] { return ingest_counter(server, "udp_datagrams") == datagrams.size(); }))
      << "UDP datagrams received: " << ingest_counter(server, "udp_datagrams");
  // UDP datagrams wait up to the flush interval in a batch before they are handed over.
  const uint64_t expected = acked_http.size() + 600 + datagrams.size();
  ASSERT_TRUE(eventually([&] { return ingest_counter(server, "events_stored") == expected; }))
      << "stored " << ingest_counter(server, "events_stored") << " of " << expected;
  EXPECT_EQ(ingest_counter(server, "events_received"), expected);
  EXPECT_EQ(ingest_counter(server, "udp_dropped"), 0u);
  EXPECT_EQ(ingest_counter(server, "tcp_messages"), 600u);

  // One last acknowledged batch, then SIGKILL immediately: it must survive too.
  {
    auto r = http_call("POST", server.http_url() + "/api/v1/ingest", ndjson_auth_batch(50, 25));
    ASSERT_TRUE(r.ok() && r->status == 200);
    for (int i = 0; i < 25; ++i) acked_http.insert("http-" + std::to_string(50 * 1000 + i));
  }
  server.kill9();

  // Read-only search of the data directory while nothing runs (WAL replay).
  auto by_user = counts_by(search_cli({"--data", (dir.path / "data").string(), "input:http | stats count() by user.name"}));
  EXPECT_EQ(by_user.size(), acked_http.size());
  for (const auto& u : acked_http) EXPECT_EQ(by_user[u], 1) << u;

  server.start();  // restart replays the WAL
  std::string url = server.http_url();
  auto tcp_users = counts_by(search_cli({"--server", url, "input:syslog-tcp | stats count() by user.name"}));
  ASSERT_EQ(tcp_users.size(), 600u);
  for (const auto& [user, n] : tcp_users) EXPECT_EQ(n, 1) << user;

  auto udp = search_cli({"--server", url, "input:syslog-udp"});
  EXPECT_EQ(udp.events_matched, 200u);
  auto http_again = counts_by(search_cli({"--server", url, "input:http | stats count() by user.name"}));
  EXPECT_EQ(http_again, by_user);

  // Normalized fields of one sshd failure (RFC 3164 over TCP).
  auto one = search_cli({"--server", url, "user.name:tcp-7"});
  ASSERT_EQ(one.events.size(), 1u);
  const ResultEvent& e = one.events[0];
  EXPECT_EQ(field(e, "class_uid")->i64, 3002);
  EXPECT_EQ(field(e, "status_id")->i64, 2);
  EXPECT_EQ(field(e, "src_endpoint.ip")->type, FieldType::Ip);
  EXPECT_EQ(field(e, "src_endpoint.ip")->text, "192.0.2.8");
  EXPECT_EQ(field(e, "src_endpoint.port")->i64, 50007);
  EXPECT_EQ(field(e, "device.hostname")->text, "bastion-01");
  EXPECT_EQ(e.input, "syslog-tcp");

  // ... and one publickey success (RFC 5424 over TCP).
  auto ok = search_cli({"--server", url, "user.name:lf-9 status_id:1"});
  ASSERT_EQ(ok.events.size(), 1u);
  EXPECT_EQ(field(ok.events[0], "class_uid")->i64, 3002);
  EXPECT_EQ(field(ok.events[0], "src_endpoint.ip")->text, "10.0.0.10");
  EXPECT_EQ(format_rfc3339(ok.events[0].time), "2026-11-22T06:57:00.000Z");
  server.terminate();
}

// Four HTTP clients, and a SIGKILL at a random moment, three rounds over one data
// directory; the server seals and merges every second, so kills land in seals, merges
// and WAL writes alike. Every acknowledged event is then stored exactly once, and
// `vigil verify` finds the manifest and every segment intact.
TEST(ServerIntegration, ConcurrentIngestKilledAtRandomLosesNoAcknowledgedEvent) {
  TempDir dir;
  std::filesystem::path config = dir.path / "vigil.yaml";
  std::ofstream(config) << "store:\n  seal_interval_s: 1\n  maintenance_interval_s: 1\n";
  ServerProcess server(dir.path / "data", {"--config", config.string()});
  std::mutex mu;
  std::set<std::string> acked, sent;
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    server.start();
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        for (int b = 0; !stop; ++b) {
          int batch = (round * 4 + c) * 10000 + b;
          {
            std::lock_guard lock(mu);
            for (int i = 0; i < 20; ++i) sent.insert("http-" + std::to_string(batch * 1000 + i));
          }
          auto r = http_call("POST", server.http_url() + "/api/v1/ingest", ndjson_auth_batch(batch, 20));
          if (!r.ok() || r->status != 200) return;  // the server died under us
          std::lock_guard lock(mu);
          for (int i = 0; i < 20; ++i) acked.insert("http-" + std::to_string(batch * 1000 + i));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(600 + rng() % 1800));
    server.kill9();
    stop = true;
    for (auto& t : clients) t.join();
  }
  ASSERT_GT(acked.size(), 0u);

  server.start();
  auto stored = counts_by(search_cli({"--server", server.http_url(), "input:http | stats count() by user.name"}));
  for (const auto& u : acked) EXPECT_EQ(stored[u], 1) << "acknowledged event " << u;
  for (const auto& [u, n] : stored) {
    EXPECT_EQ(n, 1) << "duplicate " << u;
    EXPECT_TRUE(sent.count(u)) << "never sent " << u;
  }
  std::printf("acknowledged %zu, stored %zu (unacknowledged but durable: %zu)\n", acked.size(), stored.size(),
              stored.size() - acked.size());
  server.terminate();
  CommandResult verify = run_vigil({"verify", "--data", (dir.path / "data").string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("INTACT"), std::string::npos) << verify.out;
}

TEST(ServerIntegration, BadInputIsKeptFlaggedAndCounted) {
  TempDir dir;
  ServerProcess server(dir.path / "data");
  server.start();
  std::string body = "{\"a\":1}\nthis is not json\n{\"b\":\n{\"c\":3}\n";
  auto r = http_call("POST", server.http_url() + "/api/v1/ingest", body);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  auto reply = json::parse(r->body).as_object();
  EXPECT_EQ(reply.at("accepted").to_number<int>(), 4);
  EXPECT_EQ(reply.at("parse_errors").to_number<int>(), 2);
  EXPECT_NE(json::value_to<std::string>(reply.at("first_error")).find("line 2"), std::string::npos) << r->body;

  auto bad_gzip = http_call("POST", server.http_url() + "/api/v1/ingest", "not gzip at all",
                            {{"Content-Encoding", "gzip"}});
  ASSERT_TRUE(bad_gzip.ok());
  EXPECT_EQ(bad_gzip->status, 400) << bad_gzip->body;
  auto brotli = http_call("POST", server.http_url() + "/api/v1/ingest", "x", {{"Content-Encoding", "br"}});
  ASSERT_TRUE(brotli.ok());
  EXPECT_EQ(brotli->status, 415) << brotli->body;

  // An oversized syslog line over TCP is cut to the limit, flagged and counted.
  std::string huge = "<13>Nov 22 06:58:00 app-01 app: " + std::string(200 * 1024, 'x') + "\n";
  send_tcp(server.address("syslog_tcp"), huge + "<13>Nov 22 06:58:01 app-01 app: after the big one\n");
  // Garbage that is not syslog at all is still stored raw.
  send_tcp(server.address("syslog_tcp"), std::string("\x01\x02\xff garbage", 11) + "\n");
  ASSERT_TRUE(eventually([&] { return ingest_counter(server, "tcp_messages") == 3; }));
  EXPECT_EQ(ingest_counter(server, "truncated"), 1u);
  EXPECT_GE(ingest_counter(server, "parse_errors"), 2u);
  EXPECT_EQ(ingest_counter(server, "http_rejected"), 2u);

  auto after = search_cli({"--server", server.http_url(), "after the big one"});
  EXPECT_EQ(after.events_matched, 1u);
  auto garbage = search_cli({"--server", server.http_url(), "garbage"});
  ASSERT_EQ(garbage.events_matched, 1u);
  auto notjson = search_cli({"--server", server.http_url(), "\"this is not json\""});
  ASSERT_EQ(notjson.events.size(), 1u);
  EXPECT_TRUE(notjson.events[0].flags & kFlagParseError);
  EXPECT_FALSE(notjson.events[0].parse_error.empty());
  server.terminate();
}

TEST(ServerIntegration, SearchApiErrorsAreClear) {
  TempDir dir;
  ServerProcess server(dir.path / "data");
  server.start();
  auto r = http_call("GET", server.http_url() + "/api/v1/search?q=" + std::string("(unbalanced"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("error"), std::string::npos);
  auto t = http_call("GET", server.http_url() + "/api/v1/search?q=x&from=yesterday");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, 400);
  EXPECT_NE(t->body.find("RFC 3339"), std::string::npos) << t->body;
  auto big = http_call("GET", server.http_url() + "/api/v1/search?q=x&limit=100000000");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 400);
  EXPECT_NE(big->body.find("limit"), std::string::npos) << big->body;
  auto nf = http_call("GET", server.http_url() + "/api/v1/nope");
  ASSERT_TRUE(nf.ok());
  EXPECT_EQ(nf->status, 404);
  CommandResult cli = run_vigil({"search", "--server", server.http_url(), "a | stats count() by"});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("col"), std::string::npos) << cli.err;
  server.terminate();
}

TEST(ServerIntegration, ListenErrorsNameTheInputAndAddress) {
  TempDir dir;
  CommandResult bad_host = run_vigil({"server", "--data", (dir.path / "d").string(), "--syslog-udp", "off",
                                      "--syslog-tcp", "off", "--http", "no-such-host.invalid:8080"});
  EXPECT_EQ(bad_host.exit_code, 1);
  EXPECT_NE(bad_host.err.find("HTTP: cannot resolve listen host 'no-such-host.invalid'"), std::string::npos)
      << bad_host.err;
  CommandResult bad_port = run_vigil({"server", "--data", (dir.path / "d").string(), "--syslog-tcp", "127.0.0.1:99999"});
  EXPECT_EQ(bad_port.exit_code, 1);
  EXPECT_NE(bad_port.err.find("port must be a number from 0 to 65535"), std::string::npos) << bad_port.err;
  // A name resolves: "localhost" listens on loopback.
  ServerProcess server(dir.path / "data", {"--http", "localhost:0"});
  server.start();
  auto r = http_call("GET", server.http_url() + "/api/v1/health");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200);
  server.terminate();
}

TEST(ServerIntegration, DemoDataAnswersTheSearchWePrint) {
  TempDir dir;
  ServerProcess server(dir.path / "data", {"--demo"});
  server.start();
  auto r = search_cli({"--server", server.http_url(), "class_uid:3002 status_id:2 | stats count() by src_endpoint.ip"});
  auto counts = counts_by(r);
  ASSERT_FALSE(counts.empty());
  // The brute force comes from one address and dominates the failures.
  EXPECT_EQ(r.rows.at(0).at(0).text, "203.0.113.77");
  EXPECT_GE(r.rows.at(0).at(1).i64, 20);
  auto success = search_cli({"--server", server.http_url(), "class_uid:3002 status_id:1 src_endpoint.ip:203.0.113.77"});
  EXPECT_GE(success.events_matched, 1u);
  // A second start does not load the demo twice. A clean stop seals the data into a
  // segment, so this also checks the first query of a fresh process over sealed data.
  server.terminate();
  server.start();
  auto again = counts_by(search_cli({"--server", server.http_url(), "class_uid:3002 status_id:2 | stats count() by src_endpoint.ip"}));
  EXPECT_EQ(again, counts);
  server.terminate();
}

// Parser packs at ingest: a FortiGate line over syslog TCP and a CloudTrail record over
// HTTP are stored as OCSF by their packs; the packs are listed and reload over the API.
TEST(ServerIntegration, ParserPacksNormalizeAtIngest) {
  TempDir dir;
  ServerProcess server(dir.path / "data");
  server.start();
  const std::string fortigate =
      "<189>date=2026-11-22 time=06:58:00 devname=fw-01 devid=FG100E0000000001 logid=0000000013 type=traffic "
      "subtype=forward level=notice vd=root srcip=198.51.100.23 srcport=51234 srcintf=\"wan1\" dstip=10.0.0.5 "
      "dstport=22 dstintf=\"lan\" action=deny policyid=7 proto=6 service=\"SSH\"\n";
  send_tcp(server.address("syslog_tcp"), fortigate);
  const std::string cloudtrail =
      R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice",)"
      R"("accountId":"123456789012","userName":"alice"},"eventTime":"2026-11-22T06:58:01Z","eventSource":"signin.amazonaws.com",)"
      R"("eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"Mozilla/5.0",)"
      R"("responseElements":{"ConsoleLogin":"Failure"},"eventID":"0c5b2c4e-0000-4000-8000-000000000001"})"
      "\n";
  auto r = http_call("POST", server.http_url() + "/api/v1/ingest", cloudtrail);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(eventually([&] { return ingest_counter(server, "tcp_messages") == 1; }));

  auto denied = search_cli({"--server", server.http_url(),
                            "metadata.log_provider:fortigate class_uid:4001 action_id:2 src_endpoint.ip:198.51.100.23 dst_endpoint.port:22"});
  EXPECT_EQ(denied.events_matched, 1u);
  auto login = search_cli({"--server", server.http_url(),
                           "metadata.log_provider:aws-cloudtrail class_uid:3002 status_id:2 actor.user.name:alice src_endpoint.ip:203.0.113.9"});
  EXPECT_EQ(login.events_matched, 1u);

  auto list = http_call("GET", server.http_url() + "/api/v1/parsers");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->status, 200) << list->body;
  EXPECT_NE(list->body.find("\"fortigate\""), std::string::npos);
  auto reload = http_call("POST", server.http_url() + "/api/v1/parsers/reload", "");
  ASSERT_TRUE(reload.ok());
  ASSERT_EQ(reload->status, 200) << reload->body;
  auto reply = json::parse(reload->body).as_object();
  EXPECT_GE(reply.at("loaded").to_number<int>(), 20);
  EXPECT_TRUE(reply.at("refused").as_array().empty()) << reload->body;
  server.terminate();
}

}  // namespace vigil::testing
