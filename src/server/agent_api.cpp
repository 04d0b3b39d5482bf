// The agents' API handlers: enrollment, batches (exactly once through the registry's
// last_seq and ledger), heartbeats; see agent_api.h.
#include "server/agent_api.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "ingest/agent_protocol.h"

namespace vigil {

namespace json = boost::json;

namespace {

HttpResponse error_response(int status, std::string_view message) {
  return {status, "application/json", json::serialize(json::object{{"error", message}})};
}

HttpResponse ack_response(const BatchAck& ack) { return {200, "application/json", encode_batch_ack(ack)}; }

// The enrolled agent behind the request's client certificate, or the answer refusing it.
std::optional<AgentRecord> authenticated_agent(const std::shared_ptr<const AgentApiContext>& ctx, const HttpRequest& req,
                                               HttpResponse& refusal) {
  if (req.client_cn.empty()) {
    refusal = error_response(401, "this call needs the agent's client certificate: enroll the agent first");
    return std::nullopt;
  }
  auto agent = ctx->registry->find(req.client_cn);
  if (!agent) {
    spdlog::warn("agents: {} presented a certificate for {}, which is not an enrolled agent", req.peer, req.client_cn);
    refusal = error_response(403, "agent " + req.client_cn + " is not enrolled on this server");
  }
  return agent;
}

void handle_enroll(const std::shared_ptr<const AgentApiContext>& ctx, HttpRequest&& req, HttpRespond respond) {
  auto parsed = decode_enroll_request(req.body);
  if (!parsed.ok()) {
    spdlog::warn("agents: enrollment from {} refused: {}", req.peer, parsed.error());
    return respond(error_response(400, "bad enrollment request: " + parsed.error()));
  }
  // Signing and the token file's fsync are slow: off the I/O thread.
  ctx->run_blocking([ctx, er = std::move(*parsed), peer = req.peer, respond] {
    const std::string agent_id = new_agent_id();
    // The certificate first: a request with a bad CSR must not use up the token.
    auto cert = sign_agent_certificate(ctx->ca, er.csr_pem, agent_id, ctx->config->agent_cert_days);
    if (!cert.ok()) {
      spdlog::warn("agents: enrollment of '{}' from {} refused: {}", er.hostname, peer, cert.error());
      return respond(error_response(400, "bad certificate request: " + cert.error()));
    }
    const TimeNs now = now_ns();
    auto consumed = consume_enrollment_token(ctx->dir, er.token, now);
    if (!consumed.ok()) {
      spdlog::error("agents: enrollment of '{}' from {}: {}", er.hostname, peer, consumed.error());
      return respond(error_response(500, "enrollment tokens unavailable: " + consumed.error()));
    }
    if (!*consumed) {
      spdlog::warn("agents: enrollment of '{}' from {} refused: unknown, used or expired token", er.hostname, peer);
      return respond(error_response(
          403, "enrollment token unknown, already used or expired: create a new one with 'vigil agents token'"));
    }
    AgentRecord record;
    record.agent_id = agent_id;
    record.hostname = er.hostname;
    record.tenant = ctx->config->tenant;
    record.cert_fingerprint = certificate_fingerprint(*cert);
    record.enrolled_at = now;
    record.last_seen = now;
    if (Status s = ctx->registry->enroll(record); !s.ok()) {
      spdlog::error("agents: enrollment of '{}' from {}: {}", er.hostname, peer, s.message());
      return respond(error_response(500, "agent not registered: " + s.message()));
    }
    spdlog::info("agents: enrolled {} (hostname '{}', from {}, certificate {})", agent_id, er.hostname, peer,
                 record.cert_fingerprint);
    respond(HttpResponse{200, "application/json",
                         encode_enroll_response({.agent_id = agent_id, .certificate_pem = *cert, .ca_pem = ctx->ca.cert_pem})});
  });
}

std::optional<uint64_t> parse_seq(const std::map<std::string, std::string>& query) {
  auto it = query.find("seq");
  if (it == query.end()) return std::nullopt;
  uint64_t seq = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
  if (ec != std::errc() || end != s.data() + s.size() || seq == 0) return std::nullopt;
  return seq;
}

void handle_batch(const std::shared_ptr<const AgentApiContext>& ctx, HttpRequest&& req, HttpRespond respond) {
  HttpResponse refusal;
  auto agent = authenticated_agent(ctx, req, refusal);
  if (!agent) return respond(std::move(refusal));
  auto seq = parse_seq(req.query);
  if (!seq) return respond(error_response(400, "batch: the query needs seq=N, a batch number from 1 up"));
  IngestCounters& counters = ctx->pipeline->counters();
  counters.bytes_received += req.body.size();
  switch (ctx->registry->claim_batch(agent->agent_id, *seq, now_ns())) {
    case BatchClaim::Unknown:
      return respond(error_response(403, "agent " + agent->agent_id + " is not enrolled on this server"));
    case BatchClaim::Duplicate:
      return respond(ack_response({.seq = *seq, .stored = 0, .duplicate = true}));
    case BatchClaim::InFlight:
      return respond(error_response(409, "batch " + std::to_string(*seq) + " is being stored, retry"));
    case BatchClaim::Store:
      break;
  }
  auto decoded = decode_agent_batch(req.body, ctx->config->max_decoded_body_bytes);
  if (!decoded.ok()) {
    ctx->registry->finish_batch(agent->agent_id, *seq, false);
    spdlog::warn("agents: {} batch {} refused: {}", agent->agent_id, *seq, decoded.error());
    return respond(error_response(400, "batch " + std::to_string(*seq) + ": " + decoded.error()));
  }
  EventBatch batch;
  rebuild_agent_batch(*decoded, agent->agent_id, agent->tenant, *seq, batch);
  const uint64_t n = batch.size();
  // After the store's ack: the ledger line (an fsync), then the answer; on the workers,
  // never on the store's writer thread.
  auto finish = [ctx, id = agent->agent_id, seq = *seq, n, respond](const Status& stored) {
    ctx->run_blocking([ctx, id, seq, n, respond, stored] {
      if (!stored.ok()) {
        ctx->registry->finish_batch(id, seq, false);
        return respond(error_response(503, "batch " + std::to_string(seq) + " not stored: " + stored.message()));
      }
      if (Status s = ctx->registry->finish_batch(id, seq, true); !s.ok())
        spdlog::error("agents: {} batch {} is stored but its ledger line is not ({}); a restart finds it in the store",
                      id, seq, s.message());
      respond(ack_response({.seq = seq, .stored = n, .duplicate = false}));
    });
  };
  if (batch.empty()) return finish(Status());
  ctx->pipeline->submit(std::move(batch), std::move(finish));
}

void handle_heartbeat(const std::shared_ptr<const AgentApiContext>& ctx, HttpRequest&& req, HttpRespond respond) {
  HttpResponse refusal;
  auto agent = authenticated_agent(ctx, req, refusal);
  if (!agent) return respond(std::move(refusal));
  auto health = decode_agent_health(req.body);
  if (!health.ok()) return respond(error_response(400, "bad heartbeat: " + health.error()));
  const TimeNs now = now_ns();
  ctx->registry->heartbeat(agent->agent_id, *health, now);
  respond(HttpResponse{200, "application/json", json::serialize(json::object{{"server_time", now}})});
}

}  // namespace

std::string agent_event_uid(std::string_view agent_id, uint64_t seq, size_t index) {
  std::string uid;
  uid.reserve(agent_id.size() + 24);
  uid.append(agent_id).append(":").append(std::to_string(seq)).append(":").append(std::to_string(index));
  return uid;
}

void rebuild_agent_batch(const EventBatch& in, std::string_view agent_id, std::string_view tenant, uint64_t seq,
                         EventBatch& out) {
  static const FieldId uid_id = field_id("metadata.uid");
  out.reserve(in.size(), in.size() * 16);
  std::string uid = agent_event_uid(agent_id, seq, 0);
  const size_t prefix = uid.size() - 1;
  for (size_t i = 0; i < in.size(); ++i) {
    const Event& e = in[i];
    out.begin_event({.receive_time = e.receive_time, .raw = e.raw, .source = agent_id, .input = "agent", .tenant = tenant});
    out.set_time(e.time);
    if (e.flags & kFlagParseError) out.set_parse_error(e.parse_error);
    out.set_flag(e.flags);
    for (const Field& f : in.fields(e)) {
      if (f.id == uid_id) continue;  // the agent's claim; ours is the exactly-once key
      if (f.value.type == FieldType::String) {
        out.add_string(f.id, f.value.as_string());
      } else {
        out.add(f.id, f.value);
      }
    }
    uid.resize(prefix);
    uid.append(std::to_string(i));
    out.add_string(uid_id, uid);
    out.end_event();
  }
}

Result<bool> agent_batch_stored(const Store& store, const std::string& agent_id, uint64_t seq) {
  static const FieldId uid_id = field_id("metadata.uid");
  const std::string uid = agent_event_uid(agent_id, seq, 0);
  ScanRequest request;
  request.conditions.push_back(FieldCondition{.field = "metadata.uid", .op = FieldCondition::Op::StringEq, .text = uid});
  request.all_fields = false;
  request.fields = {"metadata.uid"};
  request.raw = false;
  bool found = false;
  Status s = store.scan(request, [&](const EventBatch& batch) {
    for (const Event& e : batch.events()) {
      // The pushed-down condition is case-insensitive and only a pre-filter: check exactly.
      for (const Field& f : batch.fields(e))
        if (f.id == uid_id && f.value.type == FieldType::String && f.value.as_string() == uid) found = true;
      if (found) return false;
    }
    return true;
  });
  if (!s.ok()) return s;
  return found;
}

HttpHandler make_agent_api_handler(AgentApiContext context) {
  auto ctx = std::make_shared<const AgentApiContext>(std::move(context));
  return [ctx](HttpRequest&& req, HttpRespond respond) {
    const std::string& p = req.path;
    if (p != "/api/v1/agent/enroll" && p != "/api/v1/agent/batch" && p != "/api/v1/agent/heartbeat")
      return respond(error_response(404, "no such endpoint: " + req.method + " " + p +
                                              " (see /api/v1/agent/enroll, /api/v1/agent/batch, /api/v1/agent/heartbeat)"));
    if (req.method != "POST") return respond(error_response(405, "use POST for " + p));
    if (p == "/api/v1/agent/enroll") return handle_enroll(ctx, std::move(req), std::move(respond));
    if (p == "/api/v1/agent/batch") return handle_batch(ctx, std::move(req), std::move(respond));
    handle_heartbeat(ctx, std::move(req), std::move(respond));
  };
}

}  // namespace vigil
