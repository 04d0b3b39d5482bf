// AgentRuntime: the agent's main loop. Every poll interval it polls the collectors into
// one batch; when the batch is full or old enough it is encoded, appended durably to the
// spool, and only then are the collectors told to commit their read positions. The
// shipper thread empties the spool into the output. Stopping polls a last time, spools
// what is left and stops collectors and shipper, so a clean stop loses nothing either.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/collector.h"
#include "agent/output.h"
#include "agent/shipper.h"
#include "agent/spool.h"
#include "ingest/agent_protocol.h"

namespace vigil {

inline constexpr std::string_view kAgentVersion = "0.1.0";

struct AgentStats {
  uint64_t events_collected = 0;
  uint64_t batches_spooled = 0;
  uint64_t spool_errors = 0;  // appends that failed (the batch is kept in memory and retried)
  SpoolStats spool;
  ShipperStats shipper;
};

class AgentRuntime {
 public:
  // Opens the spool and the output and starts the collectors (one that cannot start is
  // logged and left out; the others run).
  static Result<std::unique_ptr<AgentRuntime>> create(const AgentConfig& config,
                                                      std::vector<std::unique_ptr<Collector>> collectors);
  ~AgentRuntime();
  // Runs until `stop` becomes true, then stops cleanly.
  Status run(const std::atomic<bool>& stop);
  AgentStats stats() const;
  AgentHealth health();
  const std::string& hostname() const { return hostname_; }

 private:
  AgentRuntime() = default;
  void poll_all();
  bool flush();  // false when the spool refused the batch (kept for the next try)

  AgentConfig config_;
  std::string hostname_;
  std::vector<std::unique_ptr<Collector>> collectors_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Output> output_;
  std::unique_ptr<Shipper> shipper_;
  EventBatch batch_;
  int64_t batch_started_ns_ = 0;
  std::string payload_;
  std::atomic<uint64_t> events_collected_{0};
  std::atomic<uint64_t> batches_spooled_{0};
  std::atomic<uint64_t> spool_errors_{0};
  int64_t started_ns_ = 0;
  int64_t last_cpu_ticks_ = -1;
  int64_t last_cpu_at_ns_ = 0;
};

// This machine's name (gethostname), "localhost" when it has none.
std::string machine_hostname();
// The OS for the heartbeat: PRETTY_NAME of /etc/os-release and the kernel release.
std::string machine_os();

}  // namespace vigil
