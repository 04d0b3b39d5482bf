// BatchStage: the seam through which later stages (detection today) see every
// ingested batch before it is written. The Pipeline hands each batch to its stage;
// the stage may append events to it — the alerts its events raised — and those are
// written in the same store append (one WAL record) as the events that raised them,
// so an input's acknowledgement covers both: acknowledged events never lack their
// alerts, and an alert is never durable without its events.
//
// Ingest knows nothing of what a stage does; the server plugs one in.
#pragma once

#include <cstddef>

#include "core/event_batch.h"

namespace vigil {

class BatchStage {
 public:
  virtual ~BatchStage() = default;
  // Called from any input's thread, one call per batch; an implementation that keeps
  // state across batches serializes itself. Events already in `batch` must stay as
  // they are; returns how many events it appended at the end. Never fails the batch:
  // a stage that cannot do its work counts and logs that, and the events are written.
  virtual size_t process(EventBatch& batch) = 0;
};

}  // namespace vigil
