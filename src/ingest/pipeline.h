// Pipeline: the path every ingested batch takes after it is parsed and normalized —
// counted, handed to the batch stage (detection, which may add alerts to it: see
// batch_stage.h), then written to the store. Inputs hand over batches here and never
// talk to the store directly.
#pragma once

#include <atomic>
#include <cstddef>

#include "core/event_batch.h"
#include "ingest/batch_stage.h"
#include "ingest/ingest_counters.h"
#include "store/store.h"

namespace vigil {

class Pipeline {
 public:
  Pipeline(Store& store, IngestCounters& counters, size_t max_inflight_bytes = 256u << 20)
      : store_(store), counters_(counters), max_inflight_bytes_(max_inflight_bytes) {}

  // The stage every batch passes before it is written; set before the first submit
  // (inputs started) and outliving the pipeline's use. nullptr: none.
  void set_stage(BatchStage* stage) { stage_ = stage; }

  // Takes the batch, runs the stage on it (on the caller's thread); done(status) runs
  // once the batch and what the stage added to it are durable (or failed). `done` may
  // run on the store's thread: keep it short.
  void submit(EventBatch&& batch, Store::Done done);
  // Writes a batch and waits until it is durable.
  Status submit_sync(EventBatch&& batch);

  // True when more than max_inflight_bytes are waiting for the store: inputs that can
  // wait (TCP, HTTP) simply wait for their acks; inputs that cannot (UDP) drop and count.
  bool overloaded() const { return inflight_bytes_.load(std::memory_order_relaxed) > max_inflight_bytes_; }

  IngestCounters& counters() { return counters_; }
  Store& store() { return store_; }

 private:
  Store& store_;
  IngestCounters& counters_;
  BatchStage* stage_ = nullptr;
  size_t max_inflight_bytes_;
  std::atomic<size_t> inflight_bytes_{0};
};

}  // namespace vigil
