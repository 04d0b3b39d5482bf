// Output: where the agent's spooled batches go — the Vigil server (the agent protocol),
// local NDJSON files (offline mode), another SIEM as syslog (RFC 5424 or CEF over TCP
// or TLS), or any HTTP endpoint. The shipper hands each batch to deliver() in spool
// order and acknowledges it in the spool only when deliver() says Delivered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "agent/agent_config.h"
#include "agent/spool.h"
#include "core/status.h"
#include "ingest/agent_protocol.h"

namespace vigil {

struct Delivery {
  enum Kind : uint8_t {
    Delivered,  // the destination has it (server: durable; file: fsynced; syslog: written)
    Retry,      // not now (unreachable, busy, not enrolled yet): try again after a backoff
    Refused,    // never: the destination says the batch itself is bad; dropped and counted
  } kind = Retry;
  std::string message;
};

class Output {
 public:
  virtual ~Output() = default;
  virtual std::string_view name() const = 0;
  virtual Delivery deliver(const SpooledBatch& batch) = 0;
  // The agent's health every heartbeat interval; only the server output sends it.
  virtual Status heartbeat(const AgentHealth& health) { return {}; }
  // The id the server gave this agent ("" before enrollment, and for other outputs).
  virtual std::string agent_id() const { return {}; }
};

// Each reads its section of the config; errors are configuration mistakes (an unreadable
// CA, no enrollment token and no identity), never a down destination.
Result<std::unique_ptr<Output>> make_server_output(const AgentConfig& config, const std::string& hostname);
Result<std::unique_ptr<Output>> make_file_output(const AgentConfig& config, const std::string& hostname);
Result<std::unique_ptr<Output>> make_syslog_output(const AgentConfig& config, const std::string& hostname);
Result<std::unique_ptr<Output>> make_http_output(const AgentConfig& config, const std::string& hostname);
Result<std::unique_ptr<Output>> make_output(const AgentConfig& config, const std::string& hostname);

}  // namespace vigil
