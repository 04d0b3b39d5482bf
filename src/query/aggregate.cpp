// Grouping and aggregates; see aggregate.h.
#include "query/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <unordered_set>

#include "query/result_event.h"

namespace vigil::query {

// The state of one aggregate in one group: only the members its kind uses are touched.
struct GroupAggregator::State {
  uint64_t count = 0;
  long double sum = 0;  // wider than the result: sums of workers' parts in any order round alike
  int64_t int_sum = 0;
  bool all_int = true, overflow = false;
  bool has = false;  // min/max/first/last hold a value
  ResultValue value;
  TimeNs time = 0;
  std::set<std::string> distinct;  // values: text forms, sorted
  std::unordered_set<std::string> keys;  // dc: the type and bytes of each value (dc_key)
  std::vector<double> numbers;     // percentile
};

namespace {
// A sum of large numbers can overflow to infinity: that is null, as in expressions.
ResultValue finite(double x) { return std::isfinite(x) ? ResultValue::float64(x) : ResultValue::null(); }

// What makes values distinct for dc(): their type and their bytes, the same from a
// typed column value as from a result value, so that no text is made per row.
void append_bits(std::string& k, const void* p, size_t n) { k.append(static_cast<const char*>(p), n); }
void dc_key(const Value& v, std::string& k) {
  k.assign(1, static_cast<char>(v.type));
  switch (v.type) {
    case FieldType::String: k += v.as_string(); break;
    case FieldType::Bool: k += v.b ? '\1' : '\0'; break;
    case FieldType::Int64: append_bits(k, &v.i64, 8); break;
    case FieldType::Timestamp: append_bits(k, &v.ts, 8); break;
    case FieldType::Float64: {
      const double x = v.f64 == 0 ? 0.0 : v.f64;  // -0 and 0 are one value
      append_bits(k, &x, 8);
      break;
    }
    case FieldType::Ip:
      append_bits(k, v.ip, 16);
      k += v.ip_v4 ? '\1' : '\0';
      break;
  }
}
void dc_key(const ResultValue& v, std::string& k) {
  switch (v.type) {
    case FieldType::String: return dc_key(Value::string(v.text), k);
    case FieldType::Bool: return dc_key(Value::boolean(v.i64 != 0), k);
    case FieldType::Int64: return dc_key(Value::int64(v.i64), k);
    case FieldType::Timestamp: return dc_key(Value::timestamp(v.i64), k);
    case FieldType::Float64: return dc_key(Value::float64(v.f64), k);
    case FieldType::Ip:  // result values keep addresses as text
      if (auto ip = IpAddress::parse(v.text)) return dc_key(Value::ip_address(*ip), k);
      k.assign(1, static_cast<char>(v.type));
      k += v.text;
      return;
  }
}

bool same_value(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case FieldType::String: return a.as_string() == b.as_string();
    case FieldType::Bool: return a.b == b.b;
    case FieldType::Ip: return a.ip_v4 == b.ip_v4 && std::memcmp(a.ip, b.ip, 16) == 0;
    default: return a.i64 == b.i64;  // int64, timestamp; float64 by its bits
  }
}
}  // namespace

GroupAggregator::GroupAggregator(std::vector<std::string> by, std::vector<Aggregate> aggregates, size_t max_bytes)
    : by_(std::move(by)), aggregates_(std::move(aggregates)), max_bytes_(max_bytes) {}
GroupAggregator::~GroupAggregator() = default;
GroupAggregator::GroupAggregator(GroupAggregator&&) noexcept = default;

size_t GroupAggregator::groups() const { return keys_.size(); }

template <typename KeyValue>
size_t GroupAggregator::group_of(KeyValue&& key_value) {
  // The group key: per by-field a presence byte, then the type and text of the value.
  key_.clear();
  for (size_t b = 0; b < by_.size(); ++b) {
    const ResultValue* v = key_value(b);
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
    for (size_t b = 0; b < by_.size(); ++b) {
      const ResultValue* v = key_value(b);
      key.push_back(v ? *v : ResultValue::null());
      bytes_ += value_bytes(key.back());
    }
    keys_.push_back(std::move(key));
    states_.emplace_back(aggregates_.size());
    bytes_ += key_.size() * 2 + 64 + aggregates_.size() * sizeof(State);
  }
  return it->second;
}

template <typename Each>
void GroupAggregator::each_aggregate(size_t g, Each&& each) {
  std::vector<State>& states = states_[g];
  for (size_t a = 0; a < aggregates_.size(); ++a) {
    if (aggregates_[a].kind == AggKind::Count && aggregates_[a].field.empty()) {
      ++states[a].count;
      continue;
    }
    each(a, states[a]);
  }
}

Status GroupAggregator::add(const FieldLookup& field, TimeNs time) {
  const size_t g = group_of([&](size_t b) { return field(by_[b]); });
  each_aggregate(g, [&](size_t a, State& st) {
    const ResultValue* v = field(aggregates_[a].field);
    if (v && !v->is_null) update(st, aggregates_[a], *v, time);
  });
  if (bytes_ > max_bytes_) {
    return groups_over_budget(max_bytes_, keys_.size());
  }
  return {};
}

Status GroupAggregator::add_values(std::span<const Value* const> by, std::span<const Value* const> values, TimeNs time) {
  // The row before had the same by-values (runs are long: partitions hold one class).
  bool same = last_group_ != SIZE_MAX;
  for (size_t b = 0; same && b < by.size(); ++b)
    same = by[b] ? last_has_[b] && same_value(*by[b], last_by_[b]) : !last_has_[b];
  if (!same) {
    converted_.resize(by.size());
    for (size_t b = 0; b < by.size(); ++b) converted_[b] = by[b] ? to_result_value(*by[b]) : ResultValue::null();
    last_group_ = group_of([&](size_t b) { return by[b] ? &converted_[b] : nullptr; });
    last_by_.resize(by.size());
    last_has_.resize(by.size());
    last_text_.resize(by.size());
    for (size_t b = 0; b < by.size(); ++b) {  // owned copies: a block's values die with it
      last_has_[b] = by[b] != nullptr;
      if (!by[b]) continue;
      last_by_[b] = *by[b];
      if (by[b]->type == FieldType::String) {
        last_text_[b].assign(by[b]->as_string());
        last_by_[b] = Value::string(last_text_[b]);
      }
    }
  }
  each_aggregate(last_group_, [&](size_t a, State& st) {
    const Aggregate& agg = aggregates_[a];
    const Value* v = values[a];
    if (!v) return;
    const bool number = v->type == FieldType::Int64 || v->type == FieldType::Float64;
    switch (agg.kind) {  // typed fast paths; anything else as a result value
      case AggKind::Count: ++st.count; return;
      case AggKind::Dc:
        ++st.count;
        dc_key(*v, dc_key_);
        if (st.keys.insert(dc_key_).second) bytes_ += dc_key_.size() + 48;
        return;
      case AggKind::Sum:
      case AggKind::Avg:
        if (v->type == FieldType::Int64) {
          ++st.count;
          st.sum += static_cast<long double>(v->i64);
          if (__builtin_add_overflow(st.int_sum, v->i64, &st.int_sum)) st.overflow = true;
          return;
        }
        if (v->type == FieldType::Float64 && std::isfinite(v->f64)) {
          ++st.count;
          st.sum += v->f64;
          st.all_int = false;
          return;
        }
        break;
      case AggKind::Percentile:
        if (number && (v->type == FieldType::Int64 || std::isfinite(v->f64))) {
          ++st.count;
          st.numbers.push_back(v->type == FieldType::Int64 ? static_cast<double>(v->i64) : v->f64);
          bytes_ += sizeof(double);
          return;
        }
        break;
      case AggKind::Min:
      case AggKind::Max:
        if (number && st.has && (st.value.type == FieldType::Int64 || st.value.type == FieldType::Float64)) {
          ++st.count;
          const double x = v->type == FieldType::Int64 ? static_cast<double>(v->i64) : v->f64;
          const double y = st.value.type == FieldType::Int64 ? static_cast<double>(st.value.i64) : st.value.f64;
          if (agg.kind == AggKind::Min ? x < y : x > y) st.value = to_result_value(*v);
          return;
        }
        break;
      case AggKind::First:
      case AggKind::Last:
        if (st.has && (agg.kind == AggKind::First ? time >= st.time : time <= st.time)) {
          ++st.count;
          return;
        }
        break;
      default: break;
    }
    update(st, agg, to_result_value(*v), time);
  });
  if (bytes_ > max_bytes_) {
    return groups_over_budget(max_bytes_, keys_.size());
  }
  return {};
}

void GroupAggregator::update(State& st, const Aggregate& agg, const ResultValue& value, TimeNs time) {
  const ResultValue* v = &value;
  if (v->is_null) return;
  ++st.count;
  switch (agg.kind) {
      case AggKind::Count: break;
      case AggKind::Dc: {
        dc_key(*v, dc_key_);
        if (st.keys.insert(dc_key_).second) bytes_ += dc_key_.size() + 48;
        break;
      }
      case AggKind::Values: {
        std::string t = result_text(*v);
        size_t len = t.size();
        if (!st.distinct.insert(std::move(t)).second) break;
        bytes_ += len + 48;
        // values() is a list to read, not a dump: the 100 first in sorted order, which
        // do not depend on the order the rows came in.
        if (st.distinct.size() > 100) st.distinct.erase(std::prev(st.distinct.end()));
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

void GroupAggregator::merge(GroupAggregator& other) {
  for (const auto& [key, og] : other.index_) {
    auto [it, added] = index_.try_emplace(key, keys_.size());
    if (added) {
      keys_.push_back(std::move(other.keys_[og]));
      states_.push_back(std::move(other.states_[og]));
      continue;
    }
    std::vector<State>& into = states_[it->second];
    std::vector<State>& from = other.states_[og];
    for (size_t a = 0; a < aggregates_.size(); ++a) {
      State& st = into[a];
      State& o = from[a];
      const AggKind kind = aggregates_[a].kind;
      st.count += o.count;
      switch (kind) {
        case AggKind::Count: break;
        case AggKind::Dc: st.keys.merge(o.keys); break;
        case AggKind::Values:
          st.distinct.merge(o.distinct);
          while (st.distinct.size() > 100) st.distinct.erase(std::prev(st.distinct.end()));
          break;
        case AggKind::Sum:
        case AggKind::Avg:
          st.sum += o.sum;
          st.all_int = st.all_int && o.all_int;
          st.overflow = st.overflow || o.overflow || __builtin_add_overflow(st.int_sum, o.int_sum, &st.int_sum);
          break;
        case AggKind::Min:
        case AggKind::Max: {
          if (!o.has) break;
          const int c = st.has ? compare_results(o.value, st.value) : 0;
          if (!st.has || (kind == AggKind::Min ? c < 0 : c > 0)) st.value = std::move(o.value), st.has = true;
          break;
        }
        case AggKind::First:
        case AggKind::Last:
          if (!o.has) break;
          if (!st.has || (kind == AggKind::First ? o.time < st.time : o.time > st.time))
            st.value = std::move(o.value), st.time = o.time, st.has = true;
          break;
        case AggKind::Percentile: st.numbers.insert(st.numbers.end(), o.numbers.begin(), o.numbers.end()); break;
      }
    }
  }
  bytes_ += other.bytes_;
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
        case AggKind::Dc: row.push_back(ResultValue::int64(static_cast<int64_t>(st.keys.size()))); break;
        case AggKind::Sum:
          if (st.count == 0) row.push_back(ResultValue::null());
          else if (st.all_int && !st.overflow) row.push_back(ResultValue::int64(st.int_sum));
          else row.push_back(finite(static_cast<double>(st.sum)));
          break;
        case AggKind::Avg:
          row.push_back(st.count ? finite(static_cast<double>(st.sum / static_cast<long double>(st.count))) : ResultValue::null());
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
