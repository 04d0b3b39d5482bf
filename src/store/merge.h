// Merging: many small segments of one partition (a quiet source seals a few events
// at a time) become one, so that scans open fewer files and compression sees more
// of the same. The merged segment replaces the others in one manifest entry.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "store/segment.h"

namespace vigil {

struct MergeOptions {
  uint64_t small_events = 200'000;  // segments below this are merged...
  uint64_t max_events = 1'000'000;  // ...into segments up to this many events...
  uint64_t max_raw_bytes = 256u << 20;  // ...and this much raw text: a merge holds its events in memory
  // ...once a partition has this many small ones, or its day is over (then any two):
  // rewriting today's events each time a few more arrive would cost more than it saves.
  size_t min_segments = 8;
};

using SegmentPtr = std::shared_ptr<const segment::Info>;

// Groups of small segments of one partition to merge (see MergeOptions), each group
// at most max_events in all; indexes into `segments`, oldest first. `now` tells
// which partitions' days are over.
std::vector<std::vector<size_t>> plan_merges(std::span<const SegmentPtr> segments, const MergeOptions& options,
                                             TimeNs now);

// The segment that holds all events of `parts` (one partition), covering all their
// WAL files (segment::merge: full blocks are copied, small ones rebuilt).
Result<segment::Built> merge_segments(std::span<const SegmentPtr> parts);

}  // namespace vigil
