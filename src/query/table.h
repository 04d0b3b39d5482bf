// The rows that flow between pipe stages once a query has left the events: named
// columns, one value (or null) per column per row. Stages that need every row at
// once (sort, tail, dedup...) keep them here, within a memory budget.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "query/search.h"

namespace vigil::query {

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<ResultValue>> rows;  // rows[i].size() == columns.size()

  // Index of a column, or -1.
  int find(std::string_view name) const;
  // Index of a column, added (null in every row) when missing.
  size_t column(std::string_view name);
  // Rough bytes held, for the memory budget.
  size_t bytes() const;
};

// Bytes of a value, for budgets.
inline size_t value_bytes(const ResultValue& v) { return sizeof(ResultValue) + v.text.capacity(); }

}  // namespace vigil::query
