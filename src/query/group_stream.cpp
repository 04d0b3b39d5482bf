// First stages that group, from column blocks and events; see group_stream.h.
#include "query/group_stream.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <unordered_map>
#include <thread>

#include "core/field_dictionary.h"
#include "query/aggregate.h"
#include "query/result_event.h"
#include "query/search.h"
#include "query/stats.h"
#include "query/value_eval.h"
#include "query/value_text.h"

namespace vigil::query {

namespace {

// The general form: a stage that takes one row at a time through field lookups.
class RowStream {
 public:
  virtual ~RowStream() = default;
  virtual Status add(const FieldLookup& field, TimeNs time) = 0;
  virtual Result<Table> finish() = 0;
  // Fields whose every value counts (a row with a repeated one is added once per
  // distinct value); others see a field's first value.
  virtual const std::vector<std::string>* each_value_of() const { return nullptr; }
  // The selected rows of a block straight from its columns; false when this stream
  // (or this block) needs them a row at a time through lookups.
  virtual bool add_block(const BlockView&, Status&) { return false; }
  // Whether streams of several scan workers can be folded into one.
  virtual bool mergeable() const { return false; }
  virtual void merge(RowStream&) {}
  virtual size_t bytes() const { return 0; }
  virtual size_t groups() const { return 0; }
};

// `stats`: every aggregate is a running state per group.
class StatsStream : public RowStream {
 public:
  StatsStream(const StatsStage& s, const ExecLimits& lim) : by_(s.by), agg_(s.by, s.aggregates, lim.max_bytes) {
    for (const std::string& b : s.by) {
      uses_time_ = uses_time_ || b == kTimeColumn;
      by_ids_.push_back(field_dictionary().find(b));
    }
    for (const Aggregate& a : s.aggregates) {
      uses_time_ = uses_time_ || a.field == kTimeColumn;
      agg_ids_.push_back(a.field.empty() ? kNoField : field_dictionary().find(a.field));
    }
    by_cols_.resize(by_ids_.size());
    agg_cols_.resize(agg_ids_.size());
  }
  Status add(const FieldLookup& field, TimeNs time) override { return agg_.add(field, time); }
  Result<Table> finish() override { return agg_.finish(); }
  // A repeated by-field puts the row in the group of each of its values.
  const std::vector<std::string>* each_value_of() const override { return &by_; }
  bool mergeable() const override { return true; }
  void merge(RowStream& other) override { agg_.merge(static_cast<StatsStream&>(other).agg_); }
  size_t bytes() const override { return agg_.bytes(); }
  size_t groups() const override { return agg_.groups(); }

  // Columns found once per block, values read per row without lookups or text. A block
  // where a by-field repeats takes the row path, which splits such rows.
  bool add_block(const BlockView& block, Status& st) override {
    if (uses_time_) return false;  // `_time` is not a column
    for (auto& c : by_cols_) c.clear();
    for (auto& c : agg_cols_) c.clear();
    for (const ColumnSlice& c : block.columns) {
      for (size_t i = 0; i < by_ids_.size(); ++i) {
        if (c.id != by_ids_[i]) continue;
        if (c.occurrence > 0) return false;
        by_cols_[i].push_back(&c);
      }
      for (size_t a = 0; a < agg_ids_.size(); ++a)
        if (c.id == agg_ids_[a] && c.occurrence == 0) agg_cols_[a].push_back(&c);
    }
    // A field's first value: in the first of its occurrence-0 columns (one per type) present in the row.
    auto first = [](const std::vector<const ColumnSlice*>& cols, uint32_t r) -> const Value* {
      for (const ColumnSlice* c : cols) {
        if (c->constant) return &c->constant_value;
        if (c->present[r]) return &c->values[r];
      }
      return nullptr;
    };
    by_vals_.resize(by_ids_.size());
    agg_vals_.resize(agg_ids_.size());
    for (uint32_t r = 0; r < block.rows && st.ok(); ++r) {
      if (block.selected && !block.selected[r]) continue;
      for (size_t i = 0; i < by_cols_.size(); ++i) by_vals_[i] = first(by_cols_[i], r);
      for (size_t a = 0; a < agg_cols_.size(); ++a) agg_vals_[a] = first(agg_cols_[a], r);
      st = agg_.add_values(by_vals_, agg_vals_, block.times ? block.times[r] : 0);
    }
    return true;
  }

 private:
  std::vector<std::string> by_;
  GroupAggregator agg_;
  bool uses_time_ = false;
  std::vector<FieldId> by_ids_, agg_ids_;
  std::vector<std::vector<const ColumnSlice*>> by_cols_, agg_cols_;
  std::vector<const Value*> by_vals_, agg_vals_;
};

// `top`/`rare`: a count per combination, ranked at the end.
class TopStream : public RowStream {
 public:
  TopStream(const TopStage& s, const ExecLimits& lim) : s_(s), agg_(keys(s), {count()}, lim.max_bytes) {}
  Status add(const FieldLookup& field, TimeNs time) override {
    for (const std::string& f : s_.fields) {
      if (!field(f)) return {};  // rows without every field are not counted, as in Splunk
    }
    return agg_.add(field, time);
  }
  Result<Table> finish() override {
    Table t = agg_.finish();
    rank_top(s_, t);
    return t;
  }

 private:
  static std::vector<std::string> keys(const TopStage& s) {
    std::vector<std::string> k = s.by;
    k.insert(k.end(), s.fields.begin(), s.fields.end());
    return k;
  }
  static Aggregate count() {
    Aggregate a;
    a.name = "count";
    return a;
  }
  TopStage s_;
  GroupAggregator agg_;
};

// `timechart` without `by`, when its buckets are known before the first event (a span,
// or a closed time range): a group per bucket.
class TimechartStream : public RowStream {
 public:
  TimechartStream(const TimechartStage& s, const ExecLimits& lim)
      : s_(s), lim_(lim), span_(s.span_ns > 0 ? s.span_ns : auto_span_ns(lim.from, lim.to)),
        agg_({"_bucket"}, s.aggregates, lim.max_bytes) {}
  Status add(const FieldLookup& field, TimeNs time) override {
    dmin_ = std::min(dmin_, time);
    dmax_ = std::max(dmax_, time);
    ResultValue bucket = ResultValue::int64((time / span_ - (time % span_ < 0 ? 1 : 0)) * span_);
    return agg_.add([&](std::string_view name) { return name == "_bucket" ? &bucket : field(name); }, time);
  }
  Result<Table> finish() override {
    const TimeNs lo = lim_.from != kMinTime ? lim_.from : dmin_, hi = lim_.to != kMaxTime ? lim_.to : dmax_;
    if (lo <= hi && (hi - lo) / span_ > 10'000) {
      return Status::error("col " + std::to_string(s_.col) +
                           ": timechart would draw more than 10000 buckets; choose a larger span=");
    }
    return timechart_layout(s_, agg_.finish(), {}, lo, hi, span_);
  }

 private:
  TimechartStage s_;
  ExecLimits lim_;
  int64_t span_;
  GroupAggregator agg_;
  TimeNs dmin_ = kMaxTime, dmax_ = kMinTime;
};


// The id of a field name, resolved once per name: stages ask by name for every row,
// and the dictionary's lookup takes a lock.
class FieldIds {
 public:
  FieldId operator()(std::string_view name) {
    // Stages ask with views of their own strings: the same address, row after row.
    for (const Entry& e : ids_) {
      if (e.seen.data() == name.data() && e.seen.size() == name.size()) return e.id;
    }
    for (Entry& e : ids_) {
      if (e.name == name) {
        e.seen = name;
        return e.id;
      }
    }
    ids_.push_back({std::string(name), name, field_dictionary().find(name)});
    return ids_.back().id;
  }

 private:
  struct Entry {
    std::string name;
    std::string_view seen;  // the view last asked with (compared by address only)
    FieldId id;
  };
  std::vector<Entry> ids_;
};

// Lookups into one event or one row of a block, converting a field's first value on
// demand. A returned pointer is used before the next lookup, which may move the cache.
class RowLookup {
 public:
  explicit RowLookup(FieldIds& ids) : ids_(ids) {}

  void reset_event(const EventBatch& batch, const Event& e) {
    batch_ = &batch;
    event_ = &e;
    block_ = nullptr;
    start(e.time);
  }
  void reset_row(const BlockView& block, uint32_t row) {
    block_ = &block;
    row_ = row;
    start(block.times ? block.times[row] : 0);
  }

  // The distinct values of a field the row has more than once, in the order they
  // occur; empty when it has the field once or not at all.
  void values(std::string_view name, std::vector<ResultValue>& out) {
    out.clear();
    const FieldId id = ids_(name);
    if (id == kNoField) return;
    auto add = [&](const Value& v) {
      ResultValue r = to_result_value(v);
      if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(std::move(r));
    };
    // Most rows have a field once: nothing to split, nothing converted.
    if (block_) {
      size_t n = 0;
      for (const ColumnSlice& c : block_->columns) n += c.id == id && (c.constant || c.present[row_]);
      if (n < 2) return;
      for (const ColumnSlice& c : block_->columns) {
        if (c.id != id) continue;
        if (c.constant) add(c.constant_value);
        else if (c.present[row_]) add(c.values[row_]);
      }
      return;
    }
    size_t n = 0;
    for (const Field& f : batch_->fields(*event_)) n += f.id == id;
    if (n < 2) return;
    for (const Field& f : batch_->fields(*event_))
      if (f.id == id) add(f.value);
  }

  const ResultValue* operator()(std::string_view name) {
    if (name == kTimeColumn) {
      if (time_.type != FieldType::Timestamp) time_ = result_time(t_);  // its text costs: only when asked
      return &time_;
    }
    const FieldId id = ids_(name);
    if (id == kNoField) return nullptr;
    for (auto& [cid, v] : cache_) {
      if (cid == id) return v.is_null ? nullptr : &v;
    }
    const Value* found = block_ ? in_block(id) : in_event(id);
    cache_.emplace_back(id, found ? to_result_value(*found) : ResultValue::null());
    return found ? &cache_.back().second : nullptr;
  }

 private:
  void start(TimeNs t) {
    cache_.clear();
    t_ = t;
    time_.type = FieldType::String;  // not made yet
  }
  const Value* in_event(FieldId id) const {
    for (const Field& f : batch_->fields(*event_)) {
      if (f.id == id) return &f.value;
    }
    return nullptr;
  }
  // A first value is in an occurrence-0 column. (A field of two types in one event:
  // the columns' order, not the event's, says which is first.)
  const Value* in_block(FieldId id) const {
    for (const ColumnSlice& c : block_->columns) {
      if (c.id != id || c.occurrence != 0) continue;
      if (c.constant) return &c.constant_value;
      if (c.present[row_]) return &c.values[row_];
    }
    return nullptr;
  }

  FieldIds& ids_;
  const EventBatch* batch_ = nullptr;
  const Event* event_ = nullptr;
  const BlockView* block_ = nullptr;
  uint32_t row_ = 0;
  std::vector<std::pair<FieldId, ResultValue>> cache_;
  TimeNs t_ = 0;
  ResultValue time_;
};

template <typename F>
void for_each_selected(const BlockView& block, F&& f) {
  for (uint32_t r = 0; r < block.rows; ++r) {
    if (!block.selected || block.selected[r]) f(r);
  }
}

// Any grouping stage, a row at a time: the block's rows through column lookups.
class RowGroups : public GroupStream {
 public:
  explicit RowGroups(std::unique_ptr<RowStream> rows, const ExecLimits& lim = {}, std::atomic<size_t>* held = nullptr)
      : rows_(std::move(rows)), max_bytes_(lim.max_bytes), held_(held ? held : &own_) {}
  Status add_block(const BlockView& block) override {
    Status st;
    if (rows_->add_block(block, st)) return st.ok() ? budget() : st;
    for_each_selected(block, [&](uint32_t r) {
      if (!st.ok()) return;
      look_.reset_row(block, r);
      st = add_row(block.times ? block.times[r] : 0);
    });
    return st;
  }
  Status add_event(const EventBatch& batch, const Event& e) override {
    look_.reset_event(batch, e);
    return add_row(e.time);
  }
  void merge(GroupStream& other) override { rows_->merge(*static_cast<RowGroups&>(other).rows_); }
  bool mergeable() const override { return rows_->mergeable(); }
  Result<Table> finish() override { return rows_->finish(); }
  bool needs_times() const override { return true; }

 private:
  // Workers' groups count together against the budget, checked per block.
  Status budget() {
    const size_t now = rows_->bytes();
    const size_t total = held_->fetch_add(now - reported_) + (now - reported_);
    reported_ = now;
    return total > max_bytes_ ? groups_over_budget(max_bytes_, rows_->groups()) : Status();
  }

  // The row once, or once per combination of the distinct values of the fields the
  // stream splits on, when one of them is repeated in this row.
  Status add_row(TimeNs time) {
    const std::vector<std::string>* split = rows_->each_value_of();
    if (!split) return rows_->add(std::ref(look_), time);
    split_.resize(split->size());
    size_t combinations = 1;
    for (size_t i = 0; i < split->size(); ++i) {
      look_.values((*split)[i], split_[i]);
      combinations *= std::max<size_t>(1, split_[i].size());
    }
    if (combinations == 1) return rows_->add(std::ref(look_), time);
    std::vector<size_t> at(split->size(), 0);
    for (size_t n = 0; n < combinations; ++n) {
      FieldLookup chosen = [&](std::string_view name) -> const ResultValue* {
        for (size_t i = 0; i < split->size(); ++i)
          if ((*split)[i] == name && !split_[i].empty()) return &split_[i][at[i]];
        return look_(name);
      };
      if (Status st = rows_->add(chosen, time); !st.ok()) return st;
      for (size_t i = 0; i < at.size(); ++i) {  // the next combination, like an odometer
        if (split_[i].size() > 1 && ++at[i] < split_[i].size()) break;
        at[i] = 0;
      }
    }
    return Status();
  }

  std::unique_ptr<RowStream> rows_;
  FieldIds ids_;
  RowLookup look_{ids_};
  std::vector<std::vector<ResultValue>> split_;
  size_t max_bytes_;
  std::atomic<size_t> own_{0};
  std::atomic<size_t>* held_;
  size_t reported_ = 0;
};

Table to_table(SearchResult&& r) {
  Table t;
  t.columns = std::move(r.columns);
  t.rows = std::move(r.rows);
  return t;
}

// `stats` of count()s: StatsAccumulator counts from the columns' values, typed, and
// from blocks only with at most one by-field.
class CountStats : public GroupStream {
 public:
  CountStats(const StatsStage& s, const ExecLimits& lim, std::atomic<size_t>* held, bool first_value_only = false)
      : acc_(s, first_value_only), max_bytes_(lim.max_bytes), held_(held ? held : &own_) {}
  Status add_block(const BlockView& block) override {
    acc_.add_block(block);
    return budget();
  }
  Status add_event(const EventBatch& batch, const Event& e) override {
    acc_.add(batch, e);
    return budget();
  }
  void merge(GroupStream& other) override { acc_.merge(static_cast<CountStats&>(other).acc_); }
  Result<Table> finish() override {
    SearchResult r;
    acc_.finish(r);
    return to_table(std::move(r));
  }
  bool takes_blocks() const override { return acc_.takes_blocks(); }
  bool mergeable() const override { return true; }
  bool packed_ips() const override { return true; }

 private:
  // Workers' groups count together against the budget (merging them only shrinks
  // the whole). Checked per block or event: the groups grow by a block at most.
  Status budget() {
    const size_t now = acc_.bytes();
    const size_t total = held_->fetch_add(now - reported_) + (now - reported_);
    reported_ = now;
    return total > max_bytes_ ? groups_over_budget(max_bytes_, acc_.groups()) : Status();
  }

  StatsAccumulator acc_;
  size_t max_bytes_;
  std::atomic<size_t> own_{0};
  std::atomic<size_t>* held_;
  size_t reported_ = 0;
};

StatsStage count_by(const std::string& field, const std::string& name) {
  StatsStage s;
  s.by = {field};
  Aggregate a;
  a.name = name;
  s.aggregates = {a};
  return s;
}

// `top`/`rare` of one field: a count by its first value (the null group, events
// without it, is left out), then ranked.
class TopCount : public CountStats {
 public:
  TopCount(const TopStage& s, const ExecLimits& lim, std::atomic<size_t>* held)
      : CountStats(count_by(s.fields[0], "count"), lim, held, true), s_(s) {}
  Result<Table> finish() override {
    auto t = CountStats::finish();
    if (!t.ok()) return t;
    std::erase_if(t->rows, [](const std::vector<ResultValue>& r) { return r[0].is_null; });
    rank_top(s_, *t);
    return t;
  }

 private:
  TopStage s_;
};

// The buckets of a timechart: the span, each row's bucket, and the range of the
// data for a layout over an open time range.
struct TimeBuckets {
  TimeBuckets(const TimechartStage& s, const ExecLimits& lim)
      : stage(s), limits(lim), span(s.span_ns > 0 ? s.span_ns : auto_span_ns(lim.from, lim.to)) {}
  TimeNs bucket_of(TimeNs t) const { return (t / span - (t % span < 0 ? 1 : 0)) * span; }
  void see(TimeNs t) {
    dmin = std::min(dmin, t);
    dmax = std::max(dmax, t);
  }
  void merge(const TimeBuckets& o) {
    dmin = std::min(dmin, o.dmin);
    dmax = std::max(dmax, o.dmax);
  }
  // The table of the timechart from its groups (timechart_layout), or the error of
  // one with too many buckets.
  Result<Table> layout(const Table& groups, const std::vector<std::string>& series) const {
    const TimeNs lo = limits.from != kMinTime ? limits.from : dmin, hi = limits.to != kMaxTime ? limits.to : dmax;
    if (lo <= hi && (hi - lo) / span > 10'000) {
      return Status::error("col " + std::to_string(stage.col) +
                           ": timechart would draw more than 10000 buckets; choose a larger span=");
    }
    return timechart_layout(stage, groups, series, lo, hi, span);
  }

  TimechartStage stage;
  ExecLimits limits;
  int64_t span;
  TimeNs dmin = kMaxTime, dmax = kMinTime;
};

// `timechart` of count()s without `by`: one counter per bucket, the bucket from the
// time column (no field is read).
class BucketCount : public GroupStream {
 public:
  BucketCount(const TimechartStage& s, const ExecLimits& lim) : b_(s, lim) {}
  Status add_block(const BlockView& block) override {
    // Rows of a block are mostly in time order: count a run while the bucket holds,
    // and divide only when a row leaves it.
    TimeNs lo = 0, hi = -1;  // the bucket of the run, [lo, hi]
    uint64_t run = 0;
    for_each_selected(block, [&](uint32_t r) {
      const TimeNs t = block.times[r];
      b_.see(t);
      if (t >= lo && t <= hi) {
        ++run;
        return;
      }
      if (run) counts_.add(static_cast<uint64_t>(lo), run);
      lo = b_.bucket_of(t);
      hi = lo + (b_.span - 1);
      run = 1;
    });
    if (run) counts_.add(static_cast<uint64_t>(lo), run);
    return {};
  }
  Status add_event(const EventBatch&, const Event& e) override {
    b_.see(e.time);
    counts_.add(static_cast<uint64_t>(b_.bucket_of(e.time)));
    return {};
  }
  void merge(GroupStream& other) override {
    auto& o = static_cast<BucketCount&>(other);
    o.counts_.for_each([&](uint64_t key, uint64_t n) { counts_.add(key, n); });
    b_.merge(o.b_);
  }
  Result<Table> finish() override {
    Table groups;
    groups.columns.push_back("_bucket");
    for (const Aggregate& a : b_.stage.aggregates) groups.columns.push_back(a.name);
    counts_.for_each([&](uint64_t key, uint64_t n) {
      std::vector<ResultValue> row(groups.columns.size(), ResultValue::int64(static_cast<int64_t>(n)));
      row[0] = ResultValue::int64(static_cast<int64_t>(key));
      groups.rows.push_back(std::move(row));
    });
    return b_.layout(groups, {});
  }
  bool mergeable() const override { return true; }
  bool needs_times() const override { return true; }

 private:
  TimeBuckets b_;
  FlatCounter counts_;
};

// `timechart` of count()s `by` a field: a count per bucket and value (a value's
// text, "NULL" without one); when done, the `limit` values with the most events keep
// their series and the rest are summed into OTHER, as the row path does.
class SeriesCount : public GroupStream {
 public:
  SeriesCount(const TimechartStage& s, const ExecLimits& lim, std::atomic<size_t>* held)
      : b_(s, lim), by_(field_dictionary().intern(s.by)), max_bytes_(lim.max_bytes), held_(held ? held : &own_) {}

  Status add_block(const BlockView& block) override {
    // Per block, counts by value as stored; each distinct one is named once.
    local_.clear();
    std::vector<const ColumnSlice*> cols;
    for (const ColumnSlice& c : block.columns) {
      if (c.id == by_ && c.occurrence == 0) cols.push_back(&c);
    }
    for_each_selected(block, [&](uint32_t r) {
      const TimeNs t = block.times[r];
      b_.see(t);
      const Value* v = nullptr;
      for (const ColumnSlice* c : cols) {
        if (c->constant || c->present[r]) {
          v = c->constant ? &c->constant_value : &c->values[r];
          break;
        }
      }
      ++local_[LocalKey{b_.bucket_of(t), v}];
    });
    for (const auto& [k, n] : local_) add(k.bucket, k.value, n);
    return budget();
  }
  Status add_event(const EventBatch& batch, const Event& e) override {
    b_.see(e.time);
    const Value* v = nullptr;
    for (const Field& f : batch.fields(e)) {
      if (f.id == by_) {
        v = &f.value;
        break;
      }
    }
    add(b_.bucket_of(e.time), v, 1);
    return budget();
  }
  void merge(GroupStream& other) override {
    auto& o = static_cast<SeriesCount&>(other);
    for (const auto& [k, n] : o.counts_) counts_[k] += n;
    b_.merge(o.b_);
  }
  Result<Table> finish() override {
    std::map<std::string, uint64_t> totals;  // by text: ties rank in text order
    for (const auto& [k, n] : counts_) {
      if (k.second != kNull) totals[k.second] += n;
    }
    std::vector<std::pair<std::string, uint64_t>> ranked(totals.begin(), totals.end());
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::string> series;
    for (size_t i = 0; i < ranked.size() && i < b_.stage.limit; ++i) series.push_back(ranked[i].first);
    std::map<std::pair<TimeNs, std::string>, uint64_t> folded;
    bool other = false;
    for (const auto& [k, n] : counts_) {
      const bool named = k.second == kNull || std::find(series.begin(), series.end(), k.second) != series.end();
      other = other || !named;
      folded[{k.first, named ? k.second : "OTHER"}] += n;
    }
    Table groups;
    groups.columns = {"_bucket", "_series"};
    for (const Aggregate& a : b_.stage.aggregates) groups.columns.push_back(a.name);
    for (const auto& [k, n] : folded) {
      std::vector<ResultValue> row(groups.columns.size(), ResultValue::int64(static_cast<int64_t>(n)));
      row[0] = ResultValue::int64(k.first);
      row[1] = ResultValue::string(k.second);
      groups.rows.push_back(std::move(row));
    }
    if (other) series.push_back("OTHER");
    return b_.layout(groups, series);
  }
  bool mergeable() const override { return true; }
  bool needs_times() const override { return true; }

 private:
  static constexpr std::string_view kNull = "NULL";
  // A value as stored, during one block (strings point into it).
  struct LocalKey {
    TimeNs bucket;
    const Value* value;
    friend bool operator==(const LocalKey& a, const LocalKey& b) {
      if (a.bucket != b.bucket || !a.value != !b.value) return false;
      return !a.value || same_value(*a.value, *b.value);
    }
  };
  struct LocalHash {
    size_t operator()(const LocalKey& k) const {
      size_t h = std::hash<int64_t>{}(k.bucket);
      if (k.value) h ^= value_hash(*k.value) * 0x9e3779b97f4a7c15ull;
      return h;
    }
  };
  static size_t value_hash(const Value& v) {
    if (v.type == FieldType::String) return std::hash<std::string_view>{}(v.as_string());
    if (v.type == FieldType::Ip) return std::hash<std::string_view>{}({reinterpret_cast<const char*>(v.ip), 16});
    return std::hash<int64_t>{}(v.i64) + static_cast<size_t>(v.type);
  }
  void add(TimeNs bucket, const Value* v, uint64_t n) {
    std::string text = v ? result_text(to_result_value(*v)) : std::string(kNull);
    auto [it, added] = counts_.try_emplace({bucket, std::move(text)}, 0);
    it->second += n;
    if (added) bytes_ += it->first.second.capacity() + 96;
  }
  Status budget() {
    const size_t total = held_->fetch_add(bytes_ - reported_) + (bytes_ - reported_);
    reported_ = bytes_;
    return total > max_bytes_ ? groups_over_budget(max_bytes_, counts_.size()) : Status();
  }

  TimeBuckets b_;
  FieldId by_;
  std::map<std::pair<TimeNs, std::string>, uint64_t> counts_;
  std::unordered_map<LocalKey, uint64_t, LocalHash> local_;
  size_t max_bytes_, bytes_ = 0, reported_ = 0;
  std::atomic<size_t> own_{0};
  std::atomic<size_t>* held_;
};

bool plain_counts(const std::vector<Aggregate>& aggregates) {
  for (const Aggregate& a : aggregates) {
    if (a.kind != AggKind::Count || !a.field.empty()) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<GroupStream> group_first_stage(const Stage& stage, const ExecLimits& limits,
                                               std::atomic<size_t>* held) {
  if (const auto* s = std::get_if<StatsStage>(&stage)) {
    if (plain_counts(s->aggregates)) return std::make_unique<CountStats>(*s, limits, held);
    return std::make_unique<RowGroups>(std::make_unique<StatsStream>(*s, limits), limits, held);
  }
  if (const auto* s = std::get_if<TopStage>(&stage)) {
    if (s->fields.size() == 1 && s->by.empty()) return std::make_unique<TopCount>(*s, limits, held);
    return std::make_unique<RowGroups>(std::make_unique<TopStream>(*s, limits));
  }
  if (const auto* s = std::get_if<TimechartStage>(&stage)) {
    // Buckets known before the first event: a span, or a closed time range.
    const bool bounded = limits.from != kMinTime && limits.to != kMaxTime;
    if (s->span_ns <= 0 && !bounded) return nullptr;
    if (!s->by.empty()) return plain_counts(s->aggregates) ? std::make_unique<SeriesCount>(*s, limits, held) : nullptr;
    if (plain_counts(s->aggregates)) return std::make_unique<BucketCount>(*s, limits);
    return std::make_unique<RowGroups>(std::make_unique<TimechartStream>(*s, limits));
  }
  return nullptr;
}

}  // namespace vigil::query
