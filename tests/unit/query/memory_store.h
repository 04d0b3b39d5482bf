// A test-only Store that keeps batches in memory, so query tests do not depend on
// the real store (and its files). Honors scan()'s contract: batches whose time
// range overlaps [from, to], in append order, stopping when the visitor says so.
#pragma once

#include <vector>

#include "store/store.h"

namespace vigil::testing {

class MemoryStore : public Store {
 public:
  void append(EventBatch&& batch, Done done) override {
    stats_.events_appended += batch.size();
    stats_.batches_appended += 1;
    stats_.memory_events += batch.size();
    batches_.push_back(std::move(batch));
    if (done) done(Status());
  }
  Status scan(const ScanRequest& r, const Visit& visit, ScanStats*) const override {
    for (const EventBatch& b : batches_) {
      if (b.empty() || b.max_time() < r.from || b.min_time() > r.to) continue;
      if (!visit(b)) break;
    }
    return Status();
  }
  Status flush() override { return Status(); }
  StoreStats stats() const override { return stats_; }

  void add(EventBatch&& batch) { append(std::move(batch), nullptr); }

 private:
  std::vector<EventBatch> batches_;
  StoreStats stats_;
};

}  // namespace vigil::testing
