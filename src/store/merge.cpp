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
  std::vector<const segment::Info*> infos;
  for (const auto& p : parts) infos.push_back(p.get());
  return segment::merge(infos);
}

}  // namespace vigil
