// Pipeline; see pipeline.h.
#include "ingest/pipeline.h"

#include "core/completion.h"

namespace vigil {

void Pipeline::submit(EventBatch&& batch, Store::Done done) {
  size_t n = batch.size();
  uint64_t errors = 0, truncated = 0;
  for (const Event& e : batch.events()) {
    errors += (e.flags & kFlagParseError) != 0;
    truncated += (e.flags & kFlagTruncated) != 0;
  }
  counters_.events_received += n;
  counters_.parse_errors += errors;
  counters_.truncated += truncated;
  // Counted apart from the input's events, so events_received/stored keep meaning
  // "what inputs sent".
  const size_t added = stage_ ? stage_->process(batch) : 0;
  counters_.stage_events += added;
  size_t bytes = batch.memory_bytes();
  inflight_bytes_ += bytes;
  store_.append(std::move(batch), [this, n, added, bytes, done = std::move(done)](const Status& s) {
    inflight_bytes_ -= bytes;
    (s.ok() ? counters_.events_stored : counters_.events_failed) += n;
    (s.ok() ? counters_.stage_events_stored : counters_.stage_events_failed) += added;
    if (done) done(s);
  });
}

Status Pipeline::submit_sync(EventBatch&& batch) {
  return wait_for_completion([&](Store::Done done) { submit(std::move(batch), std::move(done)); });
}

}  // namespace vigil
