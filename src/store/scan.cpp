// Scan statistics (see scan.h).
#include "store/scan.h"

namespace vigil {

void ScanStats::add(const ScanStats& o) {
  segments += o.segments;
  segments_skipped += o.segments_skipped;
  blocks += o.blocks;
  blocks_skipped_time += o.blocks_skipped_time;
  blocks_skipped_index += o.blocks_skipped_index;
  blocks_skipped_stats += o.blocks_skipped_stats;
  rows_read += o.rows_read;
  rows_returned += o.rows_returned;
  bytes_read += o.bytes_read;
  memory_rows += o.memory_rows;
  skipped_older += o.skipped_older;
}

}  // namespace vigil
