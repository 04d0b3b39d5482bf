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

// After counting (columns: by..., fields..., count): adds percent, ranks, keeps
// `limit` rows per by-group. Ties rank by the fields' values, ascending.
void rank_top(const TopStage& s, Table& t);
// The table of a timechart from its groups (rows: bucket, [series,] aggregates).
Table timechart_layout(const TimechartStage& s, const Table& groups, const std::vector<std::string>& named_series,
                       TimeNs lo, TimeNs hi, int64_t span);

// The span timechart uses when none is given: about 100 buckets over the range,
// rounded up to a familiar step (1s, 5s, 10s, 30s, 1m, 5m, 10m, 30m, 1h, 3h, 12h, 1d, 7d).
int64_t auto_span_ns(TimeNs from, TimeNs to);

}  // namespace vigil::query
