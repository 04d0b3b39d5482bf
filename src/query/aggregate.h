// Grouping with every aggregate of `stats` (count, dc, sum, avg, min, max,
// percentile, values, first, last), row by row from events or from a table, within
// a memory budget: a group-by over too many distinct values stops with a clear
// error instead of taking the machine's memory.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/value.h"

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
  // The same for a row read from typed columns (nullptr: the row lacks the field):
  // `by` holds a value per by-field, `values` one per aggregate (unused by count()).
  // Rows with the same by-values as the row before find their group without a
  // lookup, and numbers, counts and distinct values are taken from the typed values
  // without making text. The values need to live only during the call.
  Status add_values(std::span<const Value* const> by, std::span<const Value* const> values, TimeNs time);
  // Folds in the groups of another aggregator of the same stage (a scan worker's).
  void merge(GroupAggregator& other);
  // Columns: the by-fields, then the aggregates by name; groups in order of first sight.
  Table finish() const;
  size_t groups() const;
  size_t bytes() const { return bytes_; }

 private:
  struct State;
  // The group of a row whose by-values `key_value(i)` gives (nullptr: absent).
  template <typename KeyValue>
  size_t group_of(KeyValue&& key_value);
  void update(State& st, const Aggregate& agg, const ResultValue& v, TimeNs time);
  // Counts the row for every count() of group g, and calls each(a, state) for the
  // aggregates that read a field.
  template <typename Each>
  void each_aggregate(size_t g, Each&& each);
  std::vector<std::string> by_;
  std::vector<Aggregate> aggregates_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::vector<ResultValue>> keys_;
  std::vector<std::vector<State>> states_;
  std::string key_;
  // add_values: the by-values of the row before (strings copied) and its group.
  std::vector<Value> last_by_;
  std::vector<uint8_t> last_has_;
  std::vector<std::string> last_text_;
  size_t last_group_ = SIZE_MAX;
  std::vector<ResultValue> converted_;
  std::string dc_key_;
};

}  // namespace vigil::query
