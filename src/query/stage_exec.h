// Runs pipe stages over a table of rows (table.h): where, eval, stats, timechart,
// sort, head, tail, fields, table, rename, dedup, top and rare. Rows of events carry
// their time in the column "_time" (timechart buckets it; first/last order by it).
#pragma once

#include <cstddef>
#include <memory>

#include "core/status.h"
#include "query/query_ast.h"
#include "query/table.h"
#include "query/value_eval.h"

namespace vigil::query {

inline constexpr std::string_view kTimeColumn = "_time";

struct ExecLimits {
  size_t max_bytes = size_t{256} << 20;  // rows or groups held at once, per stage
  TimeNs from = kMinTime, to = kMaxTime;  // the query's time range: timechart's default span
};

Status apply_stage(const Stage& stage, Table& table, const ExecLimits& limits);

// A first stage that takes the events one at a time into groups instead of holding
// them all: stats, top, rare, and timechart without `by` whose buckets are known
// before the first event (span= given, or a closed time range).
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual Status add(const FieldLookup& field, TimeNs time) = 0;
  virtual Result<Table> finish() = 0;
};
// nullptr when the stage needs the rows themselves.
std::unique_ptr<EventStream> stream_first_stage(const Stage& stage, const ExecLimits& limits);

// The span timechart uses when none is given: about 100 buckets over the range,
// rounded up to a familiar step (1s, 5s, 10s, 30s, 1m, 5m, 10m, 30m, 1h, 3h, 12h, 1d, 7d).
int64_t auto_span_ns(TimeNs from, TimeNs to);

}  // namespace vigil::query
