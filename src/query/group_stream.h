// A first stage that groups (stats, top, rare, and a timechart whose buckets are
// known before the first event: span= given, or a closed time range; with `by`, of
// count()s only, whose OTHER series is a sum),
// fed with the query's matching rows as they come and holding only its groups.
//
// Sealed rows come as column blocks (store/scan.h), unsealed ones as events. The
// common shapes count straight from the columns: stats of count()s by at most one
// field, top/rare of one field, a timechart of count()s (a bucket per row from the
// time column, by a field or not). A stats with other aggregates reads each block's
// columns once and its rows' typed values without text. These are mergeable, so a
// block scan runs one per core. Any other grouping (top of several fields, a
// timechart of other aggregates) looks values up row by row, on one core.
#pragma once

#include <atomic>
#include <memory>

#include "core/event_batch.h"
#include "core/status.h"
#include "query/query_ast.h"
#include "query/stage_exec.h"
#include "query/table.h"
#include "store/scan.h"

namespace vigil::query {

class GroupStream {
 public:
  virtual ~GroupStream() = default;
  // The selected rows of a block (block.selected; nullptr: all of them).
  virtual Status add_block(const BlockView& block) = 0;
  virtual Status add_event(const EventBatch& batch, const Event& event) = 0;
  // Folds in the groups of another stream of the same stage (a scan worker's).
  virtual void merge(GroupStream& other) = 0;
  virtual Result<Table> finish() = 0;

  // What the stream can take: blocks at all, and from several workers at once.
  virtual bool takes_blocks() const { return true; }
  virtual bool mergeable() const { return false; }
  // What add_block() needs of the scan (ScanRequest::packed_ips, ::times).
  virtual bool packed_ips() const { return false; }
  virtual bool needs_times() const { return false; }
};

// nullptr when the stage needs the rows themselves (sort, eval, a timechart by...).
// Streams of one query that share `held` (the bytes their groups hold) share the
// memory budget of `limits`.
std::unique_ptr<GroupStream> group_first_stage(const Stage& stage, const ExecLimits& limits,
                                               std::atomic<size_t>* held = nullptr);

}  // namespace vigil::query
