// The agent protocol, both ends' view. HTTPS on the server's agent port, mutual TLS
// after enrollment (the client certificate's CN is the agent id):
//   POST /api/v1/agent/enroll          EnrollRequest JSON -> EnrollResponse JSON
//                                       (no client certificate; a one-time token instead)
//   POST /api/v1/agent/batch?seq=N     body: encode_agent_batch() (zstd of encode_batch),
//                                       Content-Type kAgentBatchContentType -> BatchAck JSON,
//                                       sent only once the batch is durable; a seq the server
//                                       has stored for this agent is acknowledged again as a
//                                       duplicate and not stored twice
//   POST /api/v1/agent/heartbeat       AgentHealth JSON -> {"server_time": ns}
// Errors are {"error": "..."} with a 4xx/5xx status. Every decode_* treats its input as
// untrusted: a clear error, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/status.h"

namespace vigil {

inline constexpr std::string_view kAgentBatchContentType = "application/x-vigil-batch";

struct EnrollRequest {
  std::string token;     // one-time enrollment token from `vigil agents token`
  std::string hostname;
  std::string csr_pem;   // the agent's key never leaves the endpoint
};

struct EnrollResponse {
  std::string agent_id;         // "agt-" + 16 hex digits
  std::string certificate_pem;  // the agent's client certificate, CN = agent_id
  std::string ca_pem;           // the CA that signed it (and the server's certificate)
};

struct AgentHealth {
  std::string version;
  std::string hostname;
  std::string os;                 // "Debian GNU/Linux 12 (bookworm), kernel 6.1.0"
  uint64_t spool_bytes = 0;
  uint64_t spool_batches = 0;     // batches waiting for an acknowledgement
  uint64_t dropped_events = 0;    // spool full, oldest dropped (counted since start)
  uint64_t dropped_batches = 0;
  uint64_t events_collected = 0;
  uint64_t events_sent = 0;       // acknowledged by the server
  double cpu_percent = 0;         // of one core, since the last heartbeat
  uint64_t rss_bytes = 0;
  int64_t uptime_s = 0;
};

struct BatchAck {
  uint64_t seq = 0;
  uint64_t stored = 0;     // events stored now (0 for a duplicate)
  bool duplicate = false;
};

std::string encode_enroll_request(const EnrollRequest& r);
Result<EnrollRequest> decode_enroll_request(std::string_view json);
std::string encode_enroll_response(const EnrollResponse& r);
Result<EnrollResponse> decode_enroll_response(std::string_view json);
std::string encode_agent_health(const AgentHealth& h);
Result<AgentHealth> decode_agent_health(std::string_view json);
std::string encode_batch_ack(const BatchAck& a);
Result<BatchAck> decode_batch_ack(std::string_view json);

// A batch as the agent sends it: zstd (level 3) of encode_batch().
void encode_agent_batch(const EventBatch& batch, std::string& out);
// Refuses bodies that decompress beyond max_decoded_bytes (a zstd bomb) or do not decode.
Result<EventBatch> decode_agent_batch(std::string_view body, size_t max_decoded_bytes);

}  // namespace vigil
