// The server's side of the agent protocol through the real binary: a token from
// `vigil agents token`, enrollment over HTTPS, batches 1 and 2 stored once each (a
// resend of 2 is a duplicate, also after a SIGKILL and restart), refused tokens and
// certificates, heartbeats, and GET /api/v1/agents.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "agent/https_client.h"
#include "cli/http_client.h"
#include "core/field_dictionary.h"
#include "ingest/agent_pki.h"
#include "ingest/agent_protocol.h"
#include "ingest/address.h"
#include "server/http_server.h"
#include "server_process.h"

namespace vigil::testing {
namespace {

namespace json = boost::json;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The "token:" line of `vigil agents token`.
std::string token_from(const std::string& out) {
  size_t at = out.find("token:");
  if (at == std::string::npos) return {};
  at = out.find_first_not_of(' ', at + 6);
  return out.substr(at, out.find('\n', at) - at);
}

std::unique_ptr<HttpsClient> client(const std::string& address, const std::string& ca_pem, const std::string& cert = {},
                                    const std::string& key = {}) {
  auto hp = parse_host_port(address);
  EXPECT_TRUE(hp.ok());
  HttpsClientOptions o;
  o.host = hp->host;
  o.port = hp->port;
  o.ca_pem = ca_pem;
  o.cert_pem = cert;
  o.key_pem = key;
  o.timeout_ms = 10000;
  auto c = HttpsClient::create(o);
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? std::move(c.value()) : nullptr;
}

std::string batch_body(uint64_t seq, int events) {
  EventBatch b;
  for (int i = 0; i < events; ++i) {
    std::string raw = "agent-it batch " + std::to_string(seq) + " event " + std::to_string(i);
    b.begin_event({.receive_time = 1'700'000'000'000'000'000 + i, .raw = raw, .source = "spoofed", .input = "x",
                   .tenant = "someone-else"});
    b.add_string(field_id("actor.user.name"), "user" + std::to_string(i));
    b.end_event();
  }
  std::string out;
  encode_agent_batch(b, out);
  return out;
}

Result<HttpsResponse> send_batch(HttpsClient& c, uint64_t seq, const std::string& body) {
  return c.post("/api/v1/agent/batch?seq=" + std::to_string(seq), body, kAgentBatchContentType);
}

// The server's count of events for a query (`| stats count()`).
int64_t count(const ServerProcess& server, const std::string& query) {
  auto r = http_call("GET", server.http_url() + "/api/v1/search?q=" + url_encode(query + " | stats count()"));
  if (!r.ok() || r->status != 200) return -1;
  json::value v = json::parse(r->body);
  const json::array& rows = v.as_object().at("rows").as_array();
  return rows.empty() ? 0 : rows[0].as_array()[0].to_number<int64_t>();
}

TEST(AgentServer, EnrollBatchesExactlyOnceHeartbeatAndList) {
  TempDir dir;
  const auto data = dir.path / "data";
  ServerProcess server(data, {"--rules", "off"});
  server.start();
  const std::string agent_address = server.address("agent");

  CommandResult tok = run_vigil({"agents", "token", "--data", data.string(), "--ttl", "1h"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = token_from(tok.out);
  ASSERT_GE(token.size(), 40u) << tok.out;
  EXPECT_NE(tok.out.find("SHA256:"), std::string::npos) << tok.out;
  const std::string ca_pem = read_text(data / "agents" / "ca.crt");
  ASSERT_NE(ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);

  // Enrollment: no client certificate, the token instead.
  auto key = make_agent_key_and_csr("it-host");
  ASSERT_TRUE(key.ok()) << key.error();
  auto anonymous = client(agent_address, ca_pem);
  ASSERT_TRUE(anonymous);
  auto enrolled = anonymous->post("/api/v1/agent/enroll",
                                  encode_enroll_request({.token = token, .hostname = "it-host", .csr_pem = key->csr_pem}),
                                  "application/json");
  ASSERT_TRUE(enrolled.ok()) << enrolled.error();
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  auto er = decode_enroll_response(enrolled->body);
  ASSERT_TRUE(er.ok()) << er.error();
  EXPECT_EQ(er->agent_id.rfind("agt-", 0), 0u);
  EXPECT_EQ(certificate_common_name(er->certificate_pem), er->agent_id);

  // The token was for one use.
  auto again = anonymous->post("/api/v1/agent/enroll",
                               encode_enroll_request({.token = token, .hostname = "other", .csr_pem = key->csr_pem}),
                               "application/json");
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->status, 403) << again->body;

  // Without a client certificate: no batches.
  auto refused = send_batch(*anonymous, 1, batch_body(1, 3));
  ASSERT_TRUE(refused.ok()) << refused.error();
  EXPECT_EQ(refused->status, 401) << refused->body;

  // A certificate from another CA fails the handshake.
  {
    auto other_ca = load_or_create_agent_ca(dir.path / "other-ca");
    ASSERT_TRUE(other_ca.ok()) << other_ca.error();
    auto forged = sign_agent_certificate(*other_ca, key->csr_pem, er->agent_id, 30);
    ASSERT_TRUE(forged.ok()) << forged.error();
    auto impostor = client(agent_address, ca_pem, *forged, key->key_pem);
    ASSERT_TRUE(impostor);
    auto r = send_batch(*impostor, 1, batch_body(1, 3));
    EXPECT_FALSE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.error());
  }

  auto agent = client(agent_address, ca_pem, er->certificate_pem, key->key_pem);
  ASSERT_TRUE(agent);
  auto expect_ack = [&](uint64_t seq, int events, uint64_t stored, bool duplicate) {
    auto r = send_batch(*agent, seq, batch_body(seq, events));
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_EQ(r->status, 200) << r->body;
    auto ack = decode_batch_ack(r->body);
    ASSERT_TRUE(ack.ok()) << ack.error();
    EXPECT_EQ(ack->seq, seq);
    EXPECT_EQ(ack->stored, stored);
    EXPECT_EQ(ack->duplicate, duplicate);
  };
  expect_ack(1, 3, 3, false);
  expect_ack(2, 2, 2, false);
  expect_ack(2, 2, 0, true);
  expect_ack(1, 3, 0, true);

  auto bad = agent->post("/api/v1/agent/batch?seq=3", "not zstd at all", kAgentBatchContentType);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
  auto no_seq = agent->post("/api/v1/agent/batch", batch_body(3, 1), kAgentBatchContentType);
  ASSERT_TRUE(no_seq.ok());
  EXPECT_EQ(no_seq->status, 400) << no_seq->body;

  // Exactly 3 + 2 events, with the server's provenance and the exactly-once key.
  EXPECT_EQ(count(server, "agent-it"), 5);
  EXPECT_EQ(count(server, "input:agent source:" + er->agent_id + " tenant:default"), 5);
  EXPECT_EQ(count(server, "tenant:someone-else"), 0);
  EXPECT_EQ(count(server, "metadata.uid:\"" + er->agent_id + ":2:1\" \"batch 2 event 1\""), 1);

  AgentHealth h;
  h.version = "0.1.0-it";
  h.hostname = "it-host";
  h.spool_batches = 4;
  h.dropped_events = 7;
  auto hb = agent->post("/api/v1/agent/heartbeat", encode_agent_health(h), "application/json");
  ASSERT_TRUE(hb.ok()) << hb.error();
  ASSERT_EQ(hb->status, 200) << hb->body;
  EXPECT_NE(hb->body.find("server_time"), std::string::npos);

  auto listed = http_call("GET", server.http_url() + "/api/v1/agents");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->status, 200) << listed->body;
  json::array agents = json::parse(listed->body).as_array();
  ASSERT_EQ(agents.size(), 1u) << listed->body;
  const json::object& a = agents[0].as_object();
  EXPECT_EQ(a.at("agent_id").as_string(), er->agent_id);
  EXPECT_EQ(a.at("hostname").as_string(), "it-host");
  EXPECT_EQ(a.at("status").as_string(), "online");
  EXPECT_EQ(a.at("last_seq").to_number<uint64_t>(), 2u);
  EXPECT_EQ(a.at("health").at("version").as_string(), "0.1.0-it");
  EXPECT_EQ(a.at("health").at("dropped_events").to_number<uint64_t>(), 7u);

  CommandResult list = run_vigil({"agents", "list", "--server", server.http_url()});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(er->agent_id), std::string::npos) << list.out;

  // SIGKILL: the ledger alone must know batch 2 was stored.
  server.kill9();
  server.start();
  auto after = client(server.address("agent"), ca_pem, er->certificate_pem, key->key_pem);
  ASSERT_TRUE(after);
  agent = std::move(after);
  expect_ack(2, 2, 0, true);
  expect_ack(3, 1, 1, false);
  EXPECT_EQ(count(server, "agent-it"), 6);
  server.terminate();
}

}  // namespace
}  // namespace vigil::testing
