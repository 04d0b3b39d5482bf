// Shipper: the thread that empties the spool into the output, oldest batch first.
// A batch leaves the spool only when the output says Delivered (or Refused: counted
// and logged as an error); otherwise it waits and retries with exponential backoff and
// full jitter, so a fleet of agents does not hammer a server that comes back.
// It also sends the agent's heartbeat every interval.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/output.h"
#include "agent/spool.h"

namespace vigil {

struct ShipperOptions {
  int64_t backoff_min_ms = 250;
  int64_t backoff_max_ms = 30'000;
  int64_t heartbeat_interval_ms = 30'000;
};

struct ShipperStats {
  uint64_t batches_delivered = 0;
  uint64_t events_delivered = 0;
  uint64_t batches_refused = 0;  // dropped because the destination refuses them (logged)
  uint64_t events_refused = 0;
  uint64_t retries = 0;
  uint64_t heartbeats = 0;
  std::string last_error;        // "" once a delivery succeeds again
};

class Shipper {
 public:
  Shipper(Spool& spool, Output& output, ShipperOptions options, std::function<AgentHealth()> health);
  ~Shipper();
  void start();
  // Wakes the thread: a batch was appended.
  void notify();
  // Stops after the delivery in progress (a batch half sent is simply sent again later).
  void stop();
  ShipperStats stats() const;

 private:
  void run();
  // Sleeps up to ms, or less when stopped/notified; false when stopping.
  bool wait(int64_t ms, bool wake_on_notify);

  Spool& spool_;
  Output& output_;
  ShipperOptions options_;
  std::function<AgentHealth()> health_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool notified_ = false;
  ShipperStats stats_;
};

// The delay before retry number `attempt` (1, 2, ...): a uniform draw from
// [0, min(max, min_ms * 2^(attempt-1))] ("full jitter").
int64_t backoff_delay_ms(int attempt, int64_t min_ms, int64_t max_ms, uint64_t random);

}  // namespace vigil
