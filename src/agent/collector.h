// Collector: one kind of endpoint activity (process starts, file changes, logins,
// connections, inventory, log files) turned into OCSF events. The agent's main loop
// calls poll() a few times a second and ships what it appends; a collector whose
// source must be read at once (the netlink process connector) reads on its own thread
// and hands its events over in poll().
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/status.h"

namespace vigil {

struct CollectorContext {
  std::string hostname;                // device.hostname of every event
  std::string agent_id;                // "" before enrollment
  std::filesystem::path state_dir;     // where a collector keeps offsets, baselines (its own subfolder)
  // The seq the spool gives its next batch: a position saved by prepare(seq) with
  // seq < spool_next_seq belongs to a batch that reached the spool (see prepare()).
  uint64_t spool_next_seq = 1;
};

// Counters every collector keeps; shown in the agent's heartbeat and its log.
struct CollectorStats {
  uint64_t events = 0;   // appended to batches
  uint64_t errors = 0;   // source errors (an unreadable file, a lost netlink message)
  uint64_t dropped = 0;  // events lost before they reached a batch (counted, never silent)
  std::string mode;      // how it collects: "netlink", "proc-poll", "inotify+rescan", ...
  std::string last_error;
};

class Collector {
 public:
  virtual ~Collector() = default;
  virtual std::string_view name() const = 0;
  // Opens the source; an error says why it can't be used (the agent logs it and goes on
  // with its other collectors).
  virtual Status start(const CollectorContext& context) = 0;
  // Appends the events seen since the last call with begin_event/end_event; must not
  // block for long (the main loop serves every collector and the shipper).
  virtual void poll(EventBatch& out) = 0;
  // Exactly once across a crash is a two-step commit of read positions (file offsets,
  // journal cursors) with the spool:
  //   prepare(seq): everything poll() appended so far goes into spool batch `seq`;
  //                 durably note the positions reached as pending for `seq`.
  //   (the runtime appends the batch to the spool)
  //   commit():     that batch is durable; the pending positions are the committed ones.
  // After a crash, start() adopts a pending position whose seq < spool_next_seq (its batch
  // made it) and drops it otherwise (its lines are read again): nothing skipped, nothing
  // sent twice. Sources that cannot be re-read (process starts) need neither.
  virtual void prepare(uint64_t seq) {}
  virtual void commit() {}
  // Stops threads and persists state (offsets, baselines). Idempotent.
  virtual void stop() = 0;
  virtual CollectorStats stats() const = 0;
};

}  // namespace vigil
