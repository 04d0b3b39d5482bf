// Store: the embedded event store (first version). Durable writes through a
// write-ahead log with group commit; immutable segment files with a time range;
// restart replays the WAL. Later work (issue 3) makes segments columnar and indexed
// behind this same interface.
//
// Acknowledged means durable: the `done` callback of append() runs only after the
// batch's WAL record is fsynced. Many concurrent appends share one fsync.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

#include "core/event_batch.h"
#include "core/status.h"

namespace vigil {

struct StoreOptions {
  std::filesystem::path dir = "vigil-data";
  bool read_only = false;                 // for `vigil search --data` beside a running server
  bool sync = true;                       // fsync the WAL; false only in benchmarks
  size_t seal_events = 200'000;           // seal the in-memory part into a segment beyond this
  size_t seal_bytes = 64u << 20;          // ... or beyond this many bytes
  std::chrono::milliseconds seal_interval{30'000};  // ... or when it is this old
};

struct StoreStats {
  uint64_t events_appended = 0;  // since open
  uint64_t batches_appended = 0;
  uint64_t wal_syncs = 0;        // fsyncs; < batches when group commit shares them
  uint64_t wal_bytes = 0;        // current WAL size
  uint64_t segments = 0;
  uint64_t segment_events = 0;
  uint64_t memory_events = 0;    // appended, in the WAL, not yet sealed
  uint64_t replayed_events = 0;  // recovered from the WAL at open
};

class Store {
 public:
  using Done = std::function<void(const Status&)>;

  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  virtual ~Store() = default;

  // Takes the batch; calls done(ok) once it is durable, or done(error). `done` runs on
  // the store's writer thread: keep it short (post work elsewhere).
  virtual void append(EventBatch&& batch, Done done) = 0;
  // append() and wait.
  Status append_sync(EventBatch&& batch);

  // Calls visit(batch) for stored batches that may hold events with from <= time <= to
  // (the visitor still checks each event's time). Stops early when visit returns false.
  // Sees every batch acknowledged before the call.
  virtual Status scan(TimeNs from, TimeNs to, const std::function<bool(const EventBatch&)>& visit) const = 0;

  // Seals the in-memory part into a segment now.
  virtual Status flush() = 0;
  virtual StoreStats stats() const = 0;
};

}  // namespace vigil
