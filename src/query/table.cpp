// Rows between stages; see table.h.
#include "query/table.h"

namespace vigil::query {

int Table::find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

size_t Table::column(std::string_view name) {
  int i = find(name);
  if (i >= 0) return static_cast<size_t>(i);
  columns.emplace_back(name);
  for (auto& r : rows) r.push_back(ResultValue::null());
  return columns.size() - 1;
}

size_t Table::bytes() const {
  size_t n = 0;
  for (const auto& r : rows) {
    n += sizeof(r);
    for (const ResultValue& v : r) n += value_bytes(v);
  }
  return n;
}

}  // namespace vigil::query
