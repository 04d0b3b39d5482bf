// Grouping with every aggregate of `stats` (count, dc, sum, avg, min, max,
// percentile, values, first, last), row by row from events or from a table, within
// a memory budget: a group-by over too many distinct values stops with a clear
// error instead of taking the machine's memory.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "query/query_ast.h"
#include "query/table.h"
#include "query/value_eval.h"

namespace vigil::query {

// The error of a grouping that needs more than max_bytes for its groups.
Status groups_over_budget(size_t max_bytes, size_t groups);

class GroupAggregator {
 public:
  GroupAggregator(std::vector<std::string> by, std::vector<Aggregate> aggregates, size_t max_bytes);
  ~GroupAggregator();
  GroupAggregator(GroupAggregator&&) noexcept;

  // Adds one row; `time` orders first() and last(). Fails once over the budget.
  Status add(const FieldLookup& field, TimeNs time);
  // Columns: the by-fields, then the aggregates by name; groups in order of first sight.
  Table finish() const;
  size_t groups() const;

 private:
  struct State;
  std::vector<std::string> by_;
  std::vector<Aggregate> aggregates_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::vector<ResultValue>> keys_;
  std::vector<std::vector<State>> states_;
  std::string key_;
};

}  // namespace vigil::query
