// Grouping and aggregates; see aggregate.h.
#include "query/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace vigil::query {

// The state of one aggregate in one group: only the members its kind uses are touched.
struct GroupAggregator::State {
  uint64_t count = 0;
  double sum = 0;
  int64_t int_sum = 0;
  bool all_int = true, overflow = false;
  bool has = false;  // min/max/first/last hold a value
  ResultValue value;
  TimeNs time = 0;
  std::set<std::string> distinct;  // dc, values: text forms, sorted for values()
  std::vector<double> numbers;     // percentile
};

namespace {
// A sum of large numbers can overflow to infinity: that is null, as in expressions.
ResultValue finite(double x) { return std::isfinite(x) ? ResultValue::float64(x) : ResultValue::null(); }
}  // namespace

GroupAggregator::GroupAggregator(std::vector<std::string> by, std::vector<Aggregate> aggregates, size_t max_bytes)
    : by_(std::move(by)), aggregates_(std::move(aggregates)), max_bytes_(max_bytes) {}
GroupAggregator::~GroupAggregator() = default;
GroupAggregator::GroupAggregator(GroupAggregator&&) noexcept = default;

size_t GroupAggregator::groups() const { return keys_.size(); }

Status GroupAggregator::add(const FieldLookup& field, TimeNs time) {
  // The group key: per by-field a presence byte, then the type and text of the value.
  key_.clear();
  for (const std::string& f : by_) {
    const ResultValue* v = field(f);
    if (!v || v->is_null) {
      key_ += '\0';
      continue;
    }
    key_ += '\1';
    key_ += static_cast<char>(v->type);
    // Any one encoding per value will do (the key only finds the group): numbers and
    // times by their integer, text as it is; no string made per row.
    const size_t at = key_.size();
    key_.append(sizeof(uint32_t), '\0');
    switch (v->type) {
      case FieldType::Int64:
      case FieldType::Bool:
      case FieldType::Timestamp: key_.append(reinterpret_cast<const char*>(&v->i64), sizeof v->i64); break;
      case FieldType::Float64: key_ += result_text(*v); break;
      case FieldType::String:
      case FieldType::Ip: key_ += v->text; break;
    }
    const uint32_t n = static_cast<uint32_t>(key_.size() - at - sizeof(uint32_t));
    std::memcpy(key_.data() + at, &n, sizeof n);
  }
  auto [it, added] = index_.try_emplace(key_, keys_.size());
  if (added) {
    std::vector<ResultValue> key;
    for (const std::string& f : by_) {
      const ResultValue* v = field(f);
      key.push_back(v ? *v : ResultValue::null());
      bytes_ += value_bytes(key.back());
    }
    keys_.push_back(std::move(key));
    states_.emplace_back(aggregates_.size());
    bytes_ += key_.size() * 2 + 64 + aggregates_.size() * sizeof(State);
  }
  std::vector<State>& states = states_[it->second];
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    const Aggregate& agg = aggregates_[a];
    State& st = states[a];
    if (agg.kind == AggKind::Count && agg.field.empty()) {
      ++st.count;
      continue;
    }
    const ResultValue* v = field(agg.field);
    if (!v || v->is_null) continue;
    ++st.count;
    switch (agg.kind) {
      case AggKind::Count: break;
      case AggKind::Dc:
      case AggKind::Values: {
        std::string t = result_text(*v);
        size_t len = t.size();
        if (!st.distinct.insert(std::move(t)).second) break;
        bytes_ += len + 48;
        // values() is a list to read, not a dump: the 100 first in sorted order, which
        // do not depend on the order the rows came in.
        if (agg.kind == AggKind::Values && st.distinct.size() > 100) st.distinct.erase(std::prev(st.distinct.end()));
        break;
      }
      case AggKind::Sum:
      case AggKind::Avg: {
        auto x = result_number(*v);
        if (!x) {
          --st.count;  // avg over the values that are numbers
          break;
        }
        st.sum += *x;
        bool is_int = v->type == FieldType::Int64 || v->type == FieldType::Bool ||
                      (v->type == FieldType::String && *x == std::floor(*x) && std::abs(*x) < 9e15);
        if (!is_int) st.all_int = false;
        else if (__builtin_add_overflow(st.int_sum, static_cast<int64_t>(*x), &st.int_sum)) st.overflow = true;
        break;
      }
      case AggKind::Min:
      case AggKind::Max: {
        int c = st.has ? compare_results(*v, st.value) : 0;
        if (!st.has || (agg.kind == AggKind::Min ? c < 0 : c > 0)) {
          st.value = *v;
          st.has = true;
        }
        break;
      }
      case AggKind::First:
      case AggKind::Last:
        if (!st.has || (agg.kind == AggKind::First ? time < st.time : time > st.time)) {
          st.value = *v;
          st.time = time;
          st.has = true;
        }
        break;
      case AggKind::Percentile: {
        auto x = result_number(*v);
        if (x) {
          st.numbers.push_back(*x);
          bytes_ += sizeof(double);
        }
        break;
      }
    }
  }
  if (bytes_ > max_bytes_) {
    return groups_over_budget(max_bytes_, keys_.size());
  }
  return {};
}

Status groups_over_budget(size_t max_bytes, size_t groups) {
  return Status::error("the groups of this query need more than " + std::to_string(max_bytes >> 20) +
                       " MiB of memory (" + std::to_string(groups) +
                       " groups so far): narrow the search, or group by fewer or coarser fields");
}

Table GroupAggregator::finish() const {
  Table t;
  t.columns = by_;
  for (const Aggregate& a : aggregates_) t.columns.push_back(a.name);
  // Without `by` there is always exactly one row, even when nothing was added.
  const bool empty_total = by_.empty() && keys_.empty();
  const size_t n = empty_total ? 1 : keys_.size();
  std::vector<State> none(aggregates_.size());
  for (size_t g = 0; g < n; ++g) {
    std::vector<ResultValue> row = empty_total ? std::vector<ResultValue>{} : keys_[g];
    const std::vector<State>& states = empty_total ? none : states_[g];
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      const State& st = states[a];
      switch (aggregates_[a].kind) {
        case AggKind::Count: row.push_back(ResultValue::int64(static_cast<int64_t>(st.count))); break;
        case AggKind::Dc: row.push_back(ResultValue::int64(static_cast<int64_t>(st.distinct.size()))); break;
        case AggKind::Sum:
          if (st.count == 0) row.push_back(ResultValue::null());
          else if (st.all_int && !st.overflow) row.push_back(ResultValue::int64(st.int_sum));
          else row.push_back(finite(st.sum));
          break;
        case AggKind::Avg:
          row.push_back(st.count ? finite(st.sum / static_cast<double>(st.count)) : ResultValue::null());
          break;
        case AggKind::Min:
        case AggKind::Max:
        case AggKind::First:
        case AggKind::Last: row.push_back(st.has ? st.value : ResultValue::null()); break;
        case AggKind::Percentile: {
          if (st.numbers.empty()) {
            row.push_back(ResultValue::null());
            break;
          }
          // Nearest rank: a value that occurred, as Splunk's exactperc and SQL's quantileExact.
          std::vector<double> v = st.numbers;
          size_t rank = static_cast<size_t>(std::ceil(aggregates_[a].percentile / 100.0 * static_cast<double>(v.size())));
          rank = std::clamp<size_t>(rank, 1, v.size()) - 1;
          std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(rank), v.end());
          double x = v[rank];
          row.push_back(x == std::floor(x) && std::abs(x) < 9e15 ? ResultValue::int64(static_cast<int64_t>(x))
                                                                 : ResultValue::float64(x));
          break;
        }
        case AggKind::Values: {
          std::string joined;
          for (const std::string& s : st.distinct) joined += (joined.empty() ? "" : ", ") + s;
          row.push_back(st.distinct.empty() ? ResultValue::null() : ResultValue::string(std::move(joined)));
          break;
        }
      }
    }
    t.rows.push_back(std::move(row));
  }
  // The order of `stats` everywhere: by the first aggregate, largest first, then by
  // the keys; nulls last.
  const size_t nby = by_.size();
  auto less = [](const ResultValue& a, const ResultValue& b) {
    if (a.is_null || b.is_null) return !a.is_null && b.is_null;
    return compare_results(a, b) < 0;
  };
  auto greater = [](const ResultValue& a, const ResultValue& b) {  // largest first, nulls still last
    if (a.is_null || b.is_null) return !a.is_null && b.is_null;
    return compare_results(a, b) > 0;
  };
  std::stable_sort(t.rows.begin(), t.rows.end(), [&](const auto& a, const auto& b) {
    if (!aggregates_.empty()) {
      if (greater(a[nby], b[nby])) return true;
      if (greater(b[nby], a[nby])) return false;
    }
    for (size_t i = 0; i < nby; ++i) {
      if (less(a[i], b[i])) return true;
      if (less(b[i], a[i])) return false;
    }
    return false;
  });
  return t;
}

}  // namespace vigil::query
