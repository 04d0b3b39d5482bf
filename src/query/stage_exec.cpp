// Pipe stages over tables; see stage_exec.h.
#include "query/stage_exec.h"

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "query/aggregate.h"
#include "query/value_eval.h"

namespace vigil::query {

namespace {

// Field lookups by name for one row of a table (names resolved per call: tables
// after the search are small next to the events before it).
FieldLookup row_lookup(const Table& t, const std::vector<ResultValue>& row) {
  return [&t, &row](std::string_view name) -> const ResultValue* {
    int i = t.find(name);
    if (i < 0 || row[static_cast<size_t>(i)].is_null) return nullptr;
    return &row[static_cast<size_t>(i)];
  };
}

TimeNs row_time(const Table& t, const std::vector<ResultValue>& row, int time_col) {
  if (time_col < 0 || row[static_cast<size_t>(time_col)].is_null) return 0;
  return row[static_cast<size_t>(time_col)].i64;
}

Status run_stats(const StatsStage& s, Table& t, const ExecLimits& lim) {
  GroupAggregator agg(s.by, s.aggregates, lim.max_bytes);
  const int time_col = t.find(kTimeColumn);
  for (const auto& row : t.rows) {
    if (Status st = agg.add(row_lookup(t, row), row_time(t, row, time_col)); !st.ok()) return st;
  }
  t = agg.finish();
  return {};
}

// Nulls last, in both directions: rows without the field are not "smallest".
bool less_by(const std::vector<SortKey>& keys, const std::vector<int>& cols, const std::vector<ResultValue>& a,
             const std::vector<ResultValue>& b) {
  for (size_t k = 0; k < keys.size(); ++k) {
    if (cols[k] < 0) continue;
    const ResultValue& x = a[static_cast<size_t>(cols[k])];
    const ResultValue& y = b[static_cast<size_t>(cols[k])];
    if (x.is_null || y.is_null) {
      if (x.is_null != y.is_null) return y.is_null;
      continue;
    }
    int c = compare_results(x, y);
    if (c != 0) return keys[k].descending ? c > 0 : c < 0;
  }
  return false;
}

std::string combination_key(const std::vector<ResultValue>& row, const std::vector<int>& cols, bool& any_null) {
  std::string key;
  any_null = false;
  for (int c : cols) {
    const ResultValue* v = c < 0 ? nullptr : &row[static_cast<size_t>(c)];
    if (!v || v->is_null) {
      any_null = true;
      key += '\0';
      continue;
    }
    std::string t = result_text(*v);
    key += '\1';
    key += static_cast<char>(v->type);
    uint32_t n = static_cast<uint32_t>(t.size());
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    key += t;
  }
  return key;
}

Status run_top(const TopStage& s, Table& t, const ExecLimits& lim) {
  std::vector<std::string> by = s.by;
  by.insert(by.end(), s.fields.begin(), s.fields.end());
  Aggregate count;
  count.name = "count";
  StatsStage st;
  st.by = by;
  st.aggregates = {count};
  // Rows without every field are not counted, as in Splunk.
  std::vector<int> need;
  for (const std::string& f : s.fields) need.push_back(t.find(f));
  std::erase_if(t.rows, [&](const std::vector<ResultValue>& r) {
    for (int c : need) {
      if (c < 0 || r[static_cast<size_t>(c)].is_null) return true;
    }
    return false;
  });
  if (Status e = run_stats(st, t, lim); !e.ok()) return e;
  rank_top(s, t);
  return {};
}

}  // namespace

// After counting (columns: by..., fields..., count): the percent of each row within
// its by-group, the most (or least) common first, `limit` per by-group.
void rank_top(const TopStage& s, Table& t) {
  const size_t nby = s.by.size(), count_col = s.by.size() + s.fields.size();
  std::vector<int> by_cols(nby);
  std::iota(by_cols.begin(), by_cols.end(), 0);
  std::unordered_map<std::string, int64_t> totals;
  bool unused;
  for (const auto& r : t.rows) totals[combination_key(r, by_cols, unused)] += r[count_col].i64;
  t.columns.push_back("percent");
  for (auto& r : t.rows) {
    int64_t total = totals[combination_key(r, by_cols, unused)];
    r.push_back(ResultValue::float64(total ? 100.0 * static_cast<double>(r[count_col].i64) / static_cast<double>(total) : 0));
  }
  std::stable_sort(t.rows.begin(), t.rows.end(), [&](const auto& a, const auto& b) {
    for (size_t i = 0; i < nby; ++i) {
      int c = compare_results(a[i], b[i]);
      if (a[i].is_null != b[i].is_null) return b[i].is_null;
      if (c != 0) return c < 0;
    }
    if (a[count_col].i64 != b[count_col].i64)
      return s.rare ? a[count_col].i64 < b[count_col].i64 : a[count_col].i64 > b[count_col].i64;
    // Ties by value, so that the answer does not depend on the order rows came in.
    for (size_t i = nby; i < count_col; ++i) {
      if (a[i].is_null != b[i].is_null) return b[i].is_null;
      if (int c = a[i].is_null ? 0 : compare_results(a[i], b[i]); c != 0) return c < 0;
    }
    return false;
  });
  std::unordered_map<std::string, size_t> shown;
  std::erase_if(t.rows, [&](const auto& r) { return ++shown[combination_key(r, by_cols, unused)] > s.limit; });
}

// The table of a timechart from its groups (rows: bucket, [series,] aggregates): one
// row per bucket from lo to hi, one column per aggregate, or per aggregate and series
// (`named_series`: the top values, then OTHER when some were folded into it).
Table timechart_layout(const TimechartStage& s, const Table& groups, const std::vector<std::string>& named_series,
                       TimeNs lo, TimeNs hi, int64_t span) {
  auto bucket = [span](TimeNs x) { return (x / span - (x % span < 0 ? 1 : 0)) * span; };
  // One row per bucket from lo to hi, one column per aggregate (and series).
  std::vector<std::string> series_names;
  if (!s.by.empty()) {
    series_names = named_series;
    bool has_null = false;
    for (const auto& r : groups.rows) has_null = has_null || r[1].text == "NULL";
    if (has_null) series_names.insert(series_names.end() - (series_names.size() > 0 && series_names.back() == "OTHER"), "NULL");
  }
  Table out;
  out.columns.push_back(std::string(kTimeColumn));
  for (const Aggregate& a : s.aggregates) {
    if (s.by.empty()) {
      out.columns.push_back(a.name);
    } else {
      for (const std::string& sn : series_names) out.columns.push_back(s.aggregates.size() == 1 ? sn : a.name + ": " + sn);
    }
  }
  std::map<TimeNs, size_t> row_of;
  if (lo <= hi) {
    for (TimeNs x = bucket(lo); x <= hi; x += span) {
      row_of[x] = out.rows.size();
      out.rows.emplace_back(out.columns.size(), ResultValue::null());
      out.rows.back()[0] = result_time(x);
    }
  }
  const size_t first_agg = s.by.empty() ? 1 : 2;
  for (const auto& g : groups.rows) {
    TimeNs x = g[0].i64;
    auto it = row_of.find(x);
    if (it == row_of.end()) {
      it = row_of.emplace(x, out.rows.size()).first;
      out.rows.emplace_back(out.columns.size(), ResultValue::null());
      out.rows.back()[0] = result_time(x);
    }
    for (size_t a = 0; a < s.aggregates.size(); ++a) {
      size_t c = 1 + a;
      if (!s.by.empty()) {
        size_t k = static_cast<size_t>(std::find(series_names.begin(), series_names.end(), g[1].text) - series_names.begin());
        c = 1 + a * series_names.size() + k;
      }
      out.rows[it->second][c] = g[first_agg + a];
    }
  }
  // Counts are 0, not null, where a bucket had no rows.
  for (auto& r : out.rows) {
    for (size_t c = 1; c < out.columns.size(); ++c) {
      size_t a = s.by.empty() ? c - 1 : (c - 1) / std::max<size_t>(1, series_names.size());
      if (r[c].is_null && (s.aggregates[a].kind == AggKind::Count || s.aggregates[a].kind == AggKind::Dc)) {
        r[c] = ResultValue::int64(0);
      }
    }
  }
  std::sort(out.rows.begin(), out.rows.end(), [](const auto& a, const auto& b) { return a[0].i64 < b[0].i64; });
  return out;
}

namespace {

Status run_timechart(const TimechartStage& s, Table& t, const ExecLimits& lim) {
  const int time_col = t.find(kTimeColumn);
  if (time_col < 0) return Status::error("col " + std::to_string(s.col) + ": timechart needs rows with a time (_time)");
  TimeNs lo = lim.from, hi = lim.to;
  if (lo == kMinTime || hi == kMaxTime) {  // an open range: the data's own
    TimeNs dmin = kMaxTime, dmax = kMinTime;
    for (const auto& r : t.rows) {
      if (r[static_cast<size_t>(time_col)].is_null) continue;
      dmin = std::min(dmin, r[static_cast<size_t>(time_col)].i64);
      dmax = std::max(dmax, r[static_cast<size_t>(time_col)].i64);
    }
    if (lo == kMinTime) lo = dmin;
    if (hi == kMaxTime) hi = dmax;
  }
  const int64_t span = s.span_ns > 0 ? s.span_ns : auto_span_ns(lo, hi);
  auto bucket = [span](TimeNs x) { return (x / span - (x % span < 0 ? 1 : 0)) * span; };
  if (lo <= hi && (hi - lo) / span > 10'000) {
    return Status::error("col " + std::to_string(s.col) + ": timechart would draw more than 10000 buckets; choose a larger span=");
  }
  // With `by`: the `limit` values with the most rows keep their own column, the rest
  // are counted together as OTHER.
  int by_col = s.by.empty() ? -1 : t.find(s.by);
  std::vector<std::string> top;
  if (!s.by.empty()) {
    std::map<std::string, int64_t> totals;
    for (const auto& r : t.rows) {
      if (by_col >= 0 && !r[static_cast<size_t>(by_col)].is_null) ++totals[result_text(r[static_cast<size_t>(by_col)])];
    }
    std::vector<std::pair<std::string, int64_t>> sorted(totals.begin(), totals.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t i = 0; i < sorted.size() && i < s.limit; ++i) top.push_back(sorted[i].first);
  }
  std::vector<std::string> by = {"_bucket"};
  if (!s.by.empty()) by.push_back("_series");
  GroupAggregator agg(by, s.aggregates, lim.max_bytes);
  bool other = false;
  for (const auto& row : t.rows) {
    if (row[static_cast<size_t>(time_col)].is_null) continue;
    ResultValue b = ResultValue::int64(bucket(row[static_cast<size_t>(time_col)].i64));
    ResultValue series = ResultValue::null();
    if (!s.by.empty()) {
      const ResultValue* v = by_col < 0 || row[static_cast<size_t>(by_col)].is_null ? nullptr : &row[static_cast<size_t>(by_col)];
      std::string text = v ? result_text(*v) : "NULL";
      if (v && std::find(top.begin(), top.end(), text) == top.end()) {
        text = "OTHER";
        other = true;
      }
      series = ResultValue::string(text);
    }
    auto base = row_lookup(t, row);
    FieldLookup look = [&](std::string_view name) -> const ResultValue* {
      if (name == "_bucket") return &b;
      if (name == "_series") return &series;
      return base(name);
    };
    if (Status st = agg.add(look, row[static_cast<size_t>(time_col)].i64); !st.ok()) return st;
  }
  Table groups = agg.finish();
  std::vector<std::string> series_names = top;
  if (other) series_names.push_back("OTHER");
  t = timechart_layout(s, groups, series_names, lo, hi, span);
  return {};
}

}  // namespace

int64_t auto_span_ns(TimeNs from, TimeNs to) {
  static constexpr int64_t kSteps[] = {1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 12 * 3600, 86400, 7 * 86400};
  const int64_t range = to > from ? to - from : 0;
  for (int64_t s : kSteps) {
    if (range / (s * kNsPerSec) <= 100) return s * kNsPerSec;
  }
  return 30 * 86400 * kNsPerSec;
}

Status apply_stage(const Stage& stage, Table& t, const ExecLimits& lim) {
  if (const auto* w = std::get_if<WhereStage>(&stage)) {
    std::erase_if(t.rows, [&](const auto& row) { return !truthy(eval_value(w->condition, row_lookup(t, row))); });
    return {};
  }
  if (const auto* e = std::get_if<EvalStage>(&stage)) {
    for (const auto& [name, expr] : e->assignments) {  // in order: later ones see earlier ones
      std::vector<ResultValue> values;
      values.reserve(t.rows.size());
      for (const auto& row : t.rows) values.push_back(eval_value(expr, row_lookup(t, row)));
      size_t c = t.column(name);
      for (size_t i = 0; i < t.rows.size(); ++i) t.rows[i][c] = std::move(values[i]);
    }
    return {};
  }
  if (const auto* s = std::get_if<StatsStage>(&stage)) return run_stats(*s, t, lim);
  if (const auto* s = std::get_if<TimechartStage>(&stage)) return run_timechart(*s, t, lim);
  if (const auto* s = std::get_if<SortStage>(&stage)) {
    std::vector<int> cols;
    for (const SortKey& k : s->keys) cols.push_back(t.find(k.field));
    std::stable_sort(t.rows.begin(), t.rows.end(), [&](const auto& a, const auto& b) { return less_by(s->keys, cols, a, b); });
    if (s->limit && t.rows.size() > s->limit) t.rows.resize(s->limit);
    return {};
  }
  if (const auto* h = std::get_if<HeadStage>(&stage)) {
    if (t.rows.size() > h->count) t.rows.resize(h->count);
    return {};
  }
  if (const auto* h = std::get_if<TailStage>(&stage)) {
    if (t.rows.size() > h->count) t.rows.erase(t.rows.begin(), t.rows.end() - static_cast<ptrdiff_t>(h->count));
    return {};
  }
  if (const auto* f = std::get_if<FieldsStage>(&stage)) {
    std::vector<std::string> keep;
    if (f->remove) {
      for (const std::string& c : t.columns) {
        if (std::find(f->fields.begin(), f->fields.end(), c) == f->fields.end()) keep.push_back(c);
      }
    } else {
      // Every listed field is a column, null where a row lacks it: which columns a
      // result has does not depend on which rows matched (and ClickHouse agrees).
      for (const std::string& c : f->fields) {
        if (std::find(keep.begin(), keep.end(), c) == keep.end()) keep.push_back(c);
      }
    }
    Table out;
    out.columns = keep;
    for (auto& row : t.rows) {
      std::vector<ResultValue> r;
      for (const std::string& c : keep) {
        const int i = t.find(c);
        r.push_back(i < 0 ? ResultValue::null() : std::move(row[static_cast<size_t>(i)]));
      }
      out.rows.push_back(std::move(r));
    }
    t = std::move(out);
    return {};
  }
  if (const auto* tb = std::get_if<TableStage>(&stage)) {
    Table out;
    for (const std::string& c : tb->fields) {
      if (std::find(out.columns.begin(), out.columns.end(), c) == out.columns.end()) out.columns.push_back(c);
    }
    for (auto& row : t.rows) {
      std::vector<ResultValue> r;
      for (const std::string& c : out.columns) {
        int i = t.find(c);
        r.push_back(i < 0 ? ResultValue::null() : std::move(row[static_cast<size_t>(i)]));
      }
      out.rows.push_back(std::move(r));
    }
    t = std::move(out);
    return {};
  }
  if (const auto* rn = std::get_if<RenameStage>(&stage)) {
    for (const auto& [from, to] : rn->renames) {
      int i = t.find(from);
      if (i < 0 || from == to) continue;
      int j = t.find(to);
      if (j >= 0) {  // the renamed column replaces one of the new name
        for (auto& row : t.rows) row.erase(row.begin() + j);
        t.columns.erase(t.columns.begin() + j);
        i = t.find(from);
      }
      t.columns[static_cast<size_t>(i)] = to;
    }
    return {};
  }
  if (const auto* d = std::get_if<DedupStage>(&stage)) {
    std::vector<int> cols;
    for (const std::string& f : d->fields) cols.push_back(t.find(f));
    std::unordered_map<std::string, size_t> seen;
    size_t bytes = 0;
    bool over = false;
    std::erase_if(t.rows, [&](const auto& row) {
      bool any_null = false;
      std::string key = combination_key(row, cols, any_null);
      if (any_null) return true;  // rows without the fields go, as in Splunk
      auto [it, added] = seen.try_emplace(std::move(key), 0);
      if (added) bytes += it->first.size() + 48;
      over = over || bytes > lim.max_bytes;
      return ++it->second > d->keep;
    });
    if (over) return Status::error("col " + std::to_string(d->col) + ": dedup needs more than " +
                                   std::to_string(lim.max_bytes >> 20) + " MiB of memory for its keys");
    return {};
  }
  if (const auto* tp = std::get_if<TopStage>(&stage)) return run_top(*tp, t, lim);
  return Status::error("unknown stage");
}

}  // namespace vigil::query
