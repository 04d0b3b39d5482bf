// Stored history in time order; see stored_events.h.
#include "cli/stored_events.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>


namespace vigil {

namespace {

constexpr TimeNs kMinute = 60 * kNsPerSec;

int64_t minute_of(TimeNs t) { return t >= 0 ? t / kMinute : -((-(t + 1)) / kMinute) - 1; }

bool wanted(const Event& e, const StoredScan& scan) {
  return e.time >= scan.from && e.time <= scan.to && (scan.tenant.empty() || e.tenant == scan.tenant);
}

}  // namespace

Status scan_in_time_order(const Store& store, const StoredScan& scan, const std::function<void(EventBatch&)>& each,
                          StoredScanStats& stats) {
  // Pass 1: events per minute, from the time column alone.
  std::map<int64_t, uint64_t> per_minute;
  ScanRequest count;
  count.from = scan.from;
  count.to = scan.to;
  count.all_fields = false;
  count.raw = false;
  Status s = store.scan(count, [&](const EventBatch& b) {
    for (const Event& e : b.events())
      if (wanted(e, scan)) ++per_minute[minute_of(e.time)];
    return true;
  });
  if (!s.ok()) return s;

  // Windows of whole minutes.
  std::vector<std::pair<TimeNs, TimeNs>> windows;
  uint64_t in_window = 0;
  int64_t first = 0;
  for (auto it = per_minute.begin(); it != per_minute.end(); ++it) {
    if (in_window == 0) first = it->first;
    in_window += it->second;
    const auto next = std::next(it);
    if (in_window >= scan.window_events || next == per_minute.end()) {
      windows.push_back({std::max(scan.from, first * kMinute), std::min(scan.to, (it->first + 1) * kMinute - 1)});
      in_window = 0;
    }
  }

  // Pass 2: each window read whole, sorted, handed on in batches.
  const size_t batch_size = scan.batch_size ? scan.batch_size : 1;
  for (const auto& [lo, hi] : windows) {
    ++stats.windows;
    EventBatch window;
    ScanRequest read;
    read.from = lo;
    read.to = hi;
    s = store.scan(read, [&](const EventBatch& b) {
      for (const Event& e : b.events())
        if (e.time >= lo && e.time <= hi && wanted(e, scan)) copy_event(b, e, window);
      return true;
    });
    if (!s.ok()) return s;
    std::vector<uint32_t> order(window.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return window[a].time < window[b].time; });
    EventBatch out;
    for (uint32_t i : order) {
      copy_event(window, window[i], out);
      ++stats.events;
      if (window[i].flags & kFlagParseError) ++stats.parse_errors;
      if (out.size() >= batch_size) {
        each(out);
        out = EventBatch();
      }
    }
    if (!out.empty()) each(out);
  }
  return {};
}

}  // namespace vigil
