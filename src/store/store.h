// Store: the embedded event store. Durable writes through a write-ahead log with
// group commit; immutable, columnar, indexed segment files per partition (segment.h),
// each recorded in a signed manifest (manifest.h) that `vigil verify` checks; restart
// replays the WAL. In the background: small segments of a partition are merged, and
// retention drops whole partitions past their policy unless a legal hold keeps them.
//
// Acknowledged means durable: the `done` callback of append() runs only after the
// batch's WAL record is fsynced. Many concurrent appends share one fsync.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include "core/event_batch.h"
#include "core/status.h"
#include "store/merge.h"
#include "store/retention.h"
#include "store/scan.h"

namespace vigil {

struct StoreOptions {
  std::filesystem::path dir = "vigil-data";
  bool read_only = false;                 // for `vigil search --data` beside a running server
  bool sync = true;                       // fsync the WAL; false only in benchmarks
  size_t seal_events = 200'000;           // seal the in-memory part into a segment beyond this
  size_t seal_bytes = 64u << 20;          // ... or beyond this many bytes
  std::chrono::milliseconds seal_interval{30'000};  // ... or when it is this old
  // Events not yet in segments are held in memory; beyond this many bytes appends wait
  // (backpressure) until a seal frees memory.
  size_t max_memory_bytes = size_t{1} << 30;
  RetentionConfig retention;  // default: keep everything
  MergeOptions merge;
  // How often retention and merging run in the background (maintain() runs them now).
  std::chrono::milliseconds maintenance_interval{60'000};
  std::function<TimeNs()> clock;  // "now" for retention; default: the system clock
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
  uint64_t memory_bytes = 0;     // held by memory_events
  uint64_t segment_bytes = 0;    // on disk
  uint64_t backpressure_waits = 0;  // times appends waited for a seal to free memory
  uint64_t merges = 0;              // since open
  uint64_t segments_merged = 0;
  uint64_t partitions_dropped = 0;  // by retention, since open
  uint64_t events_dropped = 0;
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

  using Visit = std::function<bool(const EventBatch&)>;
  // Calls visit(batch) with stored events that may satisfy `request` (scan.h): sealed
  // events are pruned by time, statistics and token index, filtered by the pushed-down
  // conditions and projected; events not yet sealed come as appended. The visitor still
  // checks every event. Stops early when visit returns false. Sees every batch
  // acknowledged before the call. `stats`, if given, receives what was read and skipped.
  virtual Status scan(const ScanRequest& request, const Visit& visit, ScanStats* stats = nullptr) const = 0;
  // The same rows as scan(), sealed ones as decoded column blocks (for aggregations),
  // events not yet sealed as batches. Sealed segments are shared among
  // sealed_per_worker.size() threads, worker i calling sealed_per_worker[i] (so each
  // keeps its own state, merged by the caller after); unsealed batches come on the
  // calling thread after them. The default gives everything as batches.
  virtual Status scan_blocks(const ScanRequest& request, std::span<const VisitBlock> sealed_per_worker,
                             const Visit& unsealed, ScanStats* stats = nullptr) const {
    return scan(request, unsealed, stats);
  }
  // Every event with from <= time <= to (give or take: the visitor checks).
  Status scan(TimeNs from, TimeNs to, const Visit& visit) const;

  // Seals the in-memory part into a segment now.
  virtual Status flush() = 0;
  // Runs retention and merging now, and waits for them.
  virtual Status maintain() { return {}; }
  virtual StoreStats stats() const = 0;
};

}  // namespace vigil
