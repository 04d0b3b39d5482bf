// The server output: enrollment with a one-time token, then batches and heartbeats over
// mutual TLS (agent_protocol.h). The identity (agent id, key, certificate) lives in
// <state_dir>/identity; the key is made here and never leaves the endpoint.
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "agent/https_client.h"
#include "agent/output.h"
#include "ingest/agent_pki.h"
#include "ingest/agent_protocol.h"
#include "store/io.h"

namespace vigil {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// The error text of a server answer ({"error": "..."}), or the body.
std::string answer_text(const HttpsResponse& r) {
  std::string body = r.body.size() > 300 ? r.body.substr(0, 300) + "..." : r.body;
  const size_t at = body.find("\"error\"");
  if (at != std::string::npos) {
    const size_t open = body.find('"', body.find(':', at) + 1);
    const size_t close = open == std::string::npos ? open : body.find('"', open + 1);
    if (close != std::string::npos) body = body.substr(open + 1, close - open - 1);
  }
  return "HTTP " + std::to_string(r.status) + ": " + body;
}

class ServerOutput final : public Output {
 public:
  ServerOutput(const AgentConfig& c, std::string hostname)
      : config_(c), hostname_(std::move(hostname)), dir_(c.state_dir / "identity") {}

  Status init() {
    ca_pem_ = read_text(config_.server.ca_file);
    if (ca_pem_.find("BEGIN CERTIFICATE") == std::string::npos)
      return Status::error("server.ca: " + config_.server.ca_file + " is not a readable PEM certificate");
    const std::string& a = config_.server.address;
    const size_t colon = a.rfind(':');
    if (colon == std::string::npos || colon + 1 == a.size())
      return Status::error("server.address '" + a + "' must be host:port");
    host_ = a.substr(0, colon);
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
    try {
      const int port = std::stoi(a.substr(colon + 1));
      if (port < 1 || port > 65535) throw std::out_of_range("port");
      port_ = static_cast<uint16_t>(port);
    } catch (const std::exception&) {
      return Status::error("server.address '" + a + "': bad port");
    }
    agent_id_ = trimmed(read_text(dir_ / "agent.id"));
    if (!agent_id_.empty()) {
      cert_pem_ = read_text(dir_ / "agent.crt");
      key_pem_ = read_text(dir_ / "agent.key");
      if (cert_pem_.empty() || key_pem_.empty())
        return Status::error("the agent identity in " + dir_.string() +
                             " is incomplete (agent.id without agent.crt or agent.key); remove the folder and enroll again");
      spdlog::info("agent {}: enrolled identity from {}", agent_id_, dir_.string());
    } else {
      token_ = config_.server.enroll_token;
      if (!config_.server.enroll_token_file.empty()) token_ = trimmed(read_text(config_.server.enroll_token_file));
      if (token_.empty())
        return Status::error("the agent is not enrolled (no identity in " + dir_.string() +
                             ") and has no server.enroll_token or server.enroll_token_file; create one on the server "
                             "with `vigil agents token`");
    }
    return {};
  }

  std::string_view name() const override { return "server"; }
  std::string agent_id() const override { return agent_id_; }

  Delivery deliver(const SpooledBatch& batch) override {
    if (Status s = ready(); !s.ok()) return {Delivery::Retry, s.message()};
    auto r = client_->post("/api/v1/agent/batch?seq=" + std::to_string(batch.seq), batch.payload,
                           kAgentBatchContentType);
    if (!r.ok()) {
      client_.reset();
      return {Delivery::Retry, r.status().message()};
    }
    if (r->status == 200) {
      auto ack = decode_batch_ack(r->body);
      if (!ack.ok()) return {Delivery::Retry, "the server's acknowledgement does not decode: " + ack.status().message()};
      if (ack->seq != batch.seq)
        return {Delivery::Retry, "the server acknowledged batch " + std::to_string(ack->seq) + " for batch " +
                                     std::to_string(batch.seq)};
      return {Delivery::Delivered, ack->duplicate ? "already stored (a resend)" : std::string()};
    }
    // A batch the server can never take (it does not decode, is too large) would block the
    // spool for ever: it is dropped and counted, loudly.
    if (r->status == 400 || r->status == 413 || r->status == 415) return {Delivery::Refused, answer_text(*r)};
    return {Delivery::Retry, answer_text(*r)};
  }

  Status heartbeat(const AgentHealth& health) override {
    if (Status s = ready(); !s.ok()) return s;
    auto r = client_->post("/api/v1/agent/heartbeat", encode_agent_health(health), "application/json");
    if (!r.ok()) {
      client_.reset();
      return r.status();
    }
    if (r->status != 200) return Status::error("heartbeat refused: " + answer_text(*r));
    return {};
  }

 private:
  HttpsClientOptions client_options() const {
    HttpsClientOptions o;
    o.host = host_;
    o.port = port_;
    o.server_name = config_.server.server_name;
    o.ca_pem = ca_pem_;
    o.timeout_ms = static_cast<int>(config_.server.timeout_s * 1000);
    return o;
  }

  // Enrolled and connected (lazily: the server may be down when the agent starts).
  Status ready() {
    if (agent_id_.empty())
      if (Status s = enroll(); !s.ok()) return s;
    if (!client_) {
      HttpsClientOptions o = client_options();
      o.cert_pem = cert_pem_;
      o.key_pem = key_pem_;
      auto c = HttpsClient::create(o);
      if (!c.ok()) return c.status();
      client_ = std::move(*c);
    }
    return {};
  }

  Status enroll() {
    auto keys = make_agent_key_and_csr(hostname_);
    if (!keys.ok()) return keys.status();
    auto c = HttpsClient::create(client_options());
    if (!c.ok()) return c.status();
    auto r = (*c)->post("/api/v1/agent/enroll",
                        encode_enroll_request(EnrollRequest{.token = token_, .hostname = hostname_, .csr_pem = keys->csr_pem}),
                        "application/json");
    if (!r.ok()) return Status::error("enrollment: " + r.status().message());
    if (r->status != 200) return Status::error("enrollment refused: " + answer_text(*r));
    auto answer = decode_enroll_response(r->body);
    if (!answer.ok()) return Status::error("enrollment answer: " + answer.status().message());
    std::error_code ec;
    fs::create_directories(dir_, ec);
    fs::permissions(dir_, fs::perms::owner_all, ec);
    // The id goes last: an identity is complete once agent.id exists.
    Status s = io::write_file_atomic(dir_ / "agent.key", keys->key_pem);
    fs::permissions(dir_ / "agent.key", fs::perms::owner_read | fs::perms::owner_write, ec);
    if (s.ok()) s = io::write_file_atomic(dir_ / "agent.crt", answer->certificate_pem);
    if (s.ok()) s = io::write_file_atomic(dir_ / "server-ca.crt", answer->ca_pem);
    if (s.ok()) s = io::write_file_atomic(dir_ / "agent.id", answer->agent_id + "\n");
    if (!s.ok()) return Status::error("enrolled as " + answer->agent_id + " but cannot keep the identity: " + s.message());
    agent_id_ = answer->agent_id;
    cert_pem_ = answer->certificate_pem;
    key_pem_ = keys->key_pem;
    token_.clear();
    spdlog::info("agent enrolled with {} as {}", config_.server.address, agent_id_);
    return {};
  }

  const AgentConfig& config_;
  std::string hostname_;
  fs::path dir_;
  std::string host_;
  uint16_t port_ = 0;
  std::string ca_pem_, cert_pem_, key_pem_, agent_id_, token_;
  std::unique_ptr<HttpsClient> client_;
};

}  // namespace

Result<std::unique_ptr<Output>> make_server_output(const AgentConfig& config, const std::string& hostname) {
  auto out = std::make_unique<ServerOutput>(config, hostname);
  if (Status s = out->init(); !s.ok()) return s;
  return std::unique_ptr<Output>(std::move(out));
}

}  // namespace vigil
