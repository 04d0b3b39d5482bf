// Stored history in event-time order, for `vigil hunt --data`: the store returns
// events segment by segment, not in time order, while correlations want a stream in
// time order. A first pass counts events per minute (time column only); the range is
// then read in windows of whole minutes holding about `window_events` events, each
// window sorted by event time and handed on in batches. Memory stays bounded by the
// window, except that one minute is never split.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/event_batch.h"
#include "core/status.h"
#include "store/store.h"

namespace vigil {

struct StoredScan {
  TimeNs from = kMinTime, to = kMaxTime;  // event time, inclusive
  std::string tenant;                     // empty: every tenant
  size_t batch_size = 4096;
  size_t window_events = 250'000;
};

struct StoredScanStats {
  uint64_t events = 0;        // handed on
  uint64_t parse_errors = 0;  // of those, flagged kFlagParseError when stored
  uint64_t windows = 0;
};

// Calls each(batch) with every stored event in [from, to] of the tenant, oldest first
// (events of equal time in the order the store gave them). The callee may move the
// batch out. Errors: the store's.
Status scan_in_time_order(const Store& store, const StoredScan& scan, const std::function<void(EventBatch&)>& each,
                          StoredScanStats& stats);

}  // namespace vigil
