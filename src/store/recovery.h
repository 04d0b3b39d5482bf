// Recovery: what Store::open finds in a data directory — the sealed segments, and the
// batches of WAL files no segment covers yet (replayed into the in-memory part).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include "core/event_batch.h"
#include "core/status.h"
#include "store/segment.h"

namespace vigil {

// A batch of the in-memory part, with what seal and scan need without walking it.
struct MemBatch {
  std::shared_ptr<const EventBatch> batch;
  TimeNs min_time = 0;
  TimeNs max_time = 0;
  uint64_t bytes = 0;  // encoded size, the measure for seal_bytes
};

struct Recovered {
  std::vector<segment::Info> segments;  // by sequence number
  std::vector<MemBatch> memory;         // replayed, in WAL order
  uint64_t replayed_events = 0;
  uint64_t wal_files = 0;       // replayed WAL files
  uint64_t wal_bytes = 0;       // their size after any truncation
  uint64_t first_unsealed_wal;  // = 1 + the last WAL file a segment covers
  uint64_t next_wal_seq = 1;
  uint64_t next_segment_seq = 1;
};

// Reads <dir>/segments and <dir>/wal. In writer mode (read_only false) also repairs:
// cuts a torn WAL tail (with a warning), deletes WAL files a segment already covers
// and leftover "*.tmp" files. Fails, naming file and offset, when acknowledged data
// is damaged. In read-only mode it writes nothing and tolerates a writer running beside it.
// Only segments the manifest has committed (`committed`, by seq) are taken: a file the
// manifest does not know is left alone for `vigil verify` to report.
Result<Recovered> recover(const std::filesystem::path& dir, bool read_only, const std::set<uint64_t>& committed);

}  // namespace vigil
