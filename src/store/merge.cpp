// Merging of small segments (see merge.h).
#include "store/merge.h"

#include <algorithm>
#include <map>

namespace vigil {

std::vector<std::vector<size_t>> plan_merges(std::span<const SegmentPtr> segments, const MergeOptions& options,
                                             TimeNs now) {
  std::map<PartitionKey, std::vector<size_t>> small;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i]->header.events < options.small_events) small[segments[i]->footer->partition].push_back(i);
  }
  std::vector<std::vector<size_t>> groups;
  for (auto& [key, idx] : small) {
    if (idx.size() < std::max<size_t>(2, options.min_segments) && key.day_end() >= now) continue;
    std::vector<size_t> group;
    uint64_t events = 0, raw = 0;
    for (size_t i : idx) {
      uint64_t n = segments[i]->header.events, r = 0;
      for (const auto& b : segments[i]->footer->blocks) r += b.raw_text_bytes;
      if (!group.empty() && (events + n > options.max_events || raw + r > options.max_raw_bytes)) {
        if (group.size() >= 2) groups.push_back(group);
        group.clear();
        events = raw = 0;
      }
      group.push_back(i);
      events += n;
      raw += r;
    }
    if (group.size() >= 2) groups.push_back(std::move(group));
  }
  return groups;
}

Result<segment::Built> merge_segments(std::span<const SegmentPtr> parts) {
  std::vector<std::unique_ptr<EventBatch>> batches;
  std::vector<segment::Row> rows;
  uint64_t wal_first = UINT64_MAX, wal_last = 0;
  segment::Plan all{ScanRequest{}};
  for (const auto& part : parts) {
    if (part->footer->partition != parts.front()->footer->partition) {
      return Status::error("merge: segments of different partitions");
    }
    wal_first = std::min(wal_first, part->header.wal_first);
    wal_last = std::max(wal_last, part->header.wal_last);
    ScanStats stats;
    auto r = segment::scan(*part, all,
                           [&](EventBatch& b) {
                             batches.push_back(std::make_unique<EventBatch>(std::move(b)));
                             return true;
                           },
                           stats);
    if (!r.ok()) return r.status();
  }
  for (const auto& b : batches) {
    for (uint32_t i = 0; i < b->size(); ++i) rows.push_back({b.get(), i});
  }
  return segment::build(parts.front()->footer->partition, rows, wal_first, wal_last);
}

}  // namespace vigil
