// The agents' API, served on the agent listener (HTTPS; the protocol is
// ingest/agent_protocol.h):
//   POST /api/v1/agent/enroll          one-time token + CSR -> agent id, certificate, CA
//   POST /api/v1/agent/batch?seq=N     a zstd batch -> BatchAck once durable (exactly once)
//   POST /api/v1/agent/heartbeat       agent health -> {"server_time": ns}
// Every call but enroll needs the client certificate of an enrolled agent. Batches are
// stored with the server's view of where they came from (tenant of the agent, input
// "agent", source = agent id) and metadata.uid = "<agent_id>:<seq>:<index>", the key by
// which a batch the ledger missed (a crash) is found in the store again.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/event_batch.h"
#include "ingest/agent_pki.h"
#include "ingest/pipeline.h"
#include "server/agent_registry.h"
#include "server/config.h"
#include "server/http_server.h"

namespace vigil {

struct AgentApiContext {
  Pipeline* pipeline = nullptr;
  const ServerConfig* config = nullptr;
  AgentRegistry* registry = nullptr;
  PemIdentity ca;               // signs the agents' certificates
  std::filesystem::path dir;    // <data>/agents: enrollment tokens
  // Runs slow work (certificate signing, fsyncs of the token file) off the I/O threads.
  std::function<void(std::function<void()>)> run_blocking;
};

HttpHandler make_agent_api_handler(AgentApiContext context);

// "<agent_id>:<seq>:<index>": metadata.uid of event `index` of an agent's batch `seq`.
std::string agent_event_uid(std::string_view agent_id, uint64_t seq, size_t index);

// Copies `in` to `out` with the server's provenance (tenant, input "agent", source =
// agent id) and metadata.uid set on every event (an agent's own metadata.uid is
// replaced); raw, times, flags and all other fields are kept.
void rebuild_agent_batch(const EventBatch& in, std::string_view agent_id, std::string_view tenant, uint64_t seq,
                         EventBatch& out);

// True when the store holds the first event of an agent's batch `seq` (by metadata.uid):
// for AgentRegistry::recover_last_seqs() at start.
Result<bool> agent_batch_stored(const Store& store, const std::string& agent_id, uint64_t seq);

}  // namespace vigil
