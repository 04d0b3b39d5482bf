// run_search: parse, plan (v1: a filter and at most one stats stage), scan the
// store once and collect either the newest matching events or the stats table.
#include "query/search.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <queue>
#include <thread>
#include <unordered_map>

#include "query/aggregate.h"
#include "query/matcher.h"
#include "query/planner.h"
#include "query/query_parser.h"
#include "query/result_event.h"
#include "query/stage_exec.h"
#include "query/stats.h"
#include "query/value_eval.h"

namespace vigil {

namespace {

// The newest `limit` events seen so far, in any scan order. A full window reuses
// the slot of the event it evicts, so steady state copies without allocating.
class NewestEvents {
 public:
  explicit NewestEvents(size_t limit) : limit_(limit) {}

  // Matches of one batch are offered together, so that at most `limit` of them are
  // copied: in a scan in time order every match would otherwise enter the window.
  void add_match(uint32_t index, TimeNs time) { pending_.push_back({time, seq_++, index}); }

  void flush_batch(const EventBatch& batch) {
    if (pending_.size() > limit_) {
      auto newer = [](const Key& a, const Key& b) { return older(b, a); };
      std::nth_element(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(limit_), pending_.end(),
                       newer);
      pending_.resize(limit_);
    }
    for (const Key& k : pending_) offer(batch, k);
    pending_.clear();
  }

  std::vector<ResultEvent> take_newest_first() {
    std::vector<Key> keys;
    keys.reserve(heap_.size());
    while (!heap_.empty()) {
      keys.push_back(heap_.top());
      heap_.pop();
    }
    std::vector<ResultEvent> out;
    out.reserve(keys.size());
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) out.push_back(std::move(slots_[it->slot]));
    return out;
  }

 private:
  struct Key {
    TimeNs time;
    uint64_t seq;    // among equal times, later in the scan counts as newer
    size_t slot;     // pending_: the event's index in its batch; heap_: its slot
  };
  static bool older(const Key& a, const Key& b) { return a.time != b.time ? a.time < b.time : a.seq < b.seq; }
  struct NewerFirst {
    bool operator()(const Key& a, const Key& b) const { return older(b, a); }
  };

  void offer(const EventBatch& batch, const Key& match) {
    if (limit_ == 0) return;
    Key key{match.time, match.seq, 0};
    if (slots_.size() < limit_) {
      key.slot = slots_.size();
      slots_.emplace_back();
    } else {
      const Key& oldest = heap_.top();
      if (!older(oldest, key)) return;
      key.slot = oldest.slot;
      heap_.pop();
    }
    query::assign_result_event(batch, batch[match.slot], slots_[key.slot]);
    heap_.push(key);
  }

  size_t limit_;
  uint64_t seq_ = 0;
  std::vector<Key> pending_;  // matches of the batch being scanned
  std::vector<ResultEvent> slots_;
  std::priority_queue<Key, std::vector<Key>, NewerFirst> heap_;  // top: the oldest kept
};

// Whether a running query must stop (cancelled or out of time), and why. Checked
// once per batch or block: a clock read per event would cost more than the check.
class StopCheck {
 public:
  StopCheck(const SearchRequest& r, std::chrono::steady_clock::time_point start)
      : cancel_(r.cancel), timeout_(r.timeout), deadline_(start + r.timeout) {}
  bool stop() {
    if (stopped_.load(std::memory_order_relaxed)) return true;
    bool now = (cancel_ && cancel_->load(std::memory_order_relaxed)) ||
               (timeout_.count() > 0 && std::chrono::steady_clock::now() > deadline_);
    if (now) stopped_ = true;
    return now;
  }
  // The error to return when stop() said so, else ok.
  Status status() const {
    if (!stopped_) return {};
    if (cancel_ && cancel_->load()) return Status::error("query cancelled");
    return Status::error("query timed out after " + std::to_string(timeout_.count()) +
                         " ms: narrow the search or the time range, or allow more time");
  }

 private:
  const std::atomic<bool>* cancel_;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stopped_{false};  // workers of a parallel scan share it
};

// The stages after a first `stats` of count()s, over its table.
Status apply_later_stages(const query::Query& q, SearchResult& result, const query::ExecLimits& limits) {
  if (q.stages.size() < 2) return {};
  query::Table t;
  t.columns = std::move(result.columns);
  t.rows = std::move(result.rows);
  for (size_t i = 1; i < q.stages.size(); ++i) {
    if (Status s = query::apply_stage(q.stages[i], t, limits); !s.ok()) return s;
  }
  result.columns = std::move(t.columns);
  result.rows = std::move(t.rows);
  return {};
}

// Lookups into one event, converting a field's first value on demand.
struct EventLookup {
  const EventBatch* batch = nullptr;
  const Event* event = nullptr;
  std::vector<std::pair<FieldId, ResultValue>> cache;
  ResultValue time;

  const ResultValue* operator()(std::string_view name) {
    if (name == query::kTimeColumn) return &time;
    FieldId id = field_dictionary().find(name);
    if (id == kNoField) return nullptr;
    for (auto& [cid, v] : cache) {
      if (cid == id) return &v;
    }
    for (const Field& f : batch->fields(*event)) {
      if (f.id == id) {
        cache.emplace_back(id, query::to_result_value(f.value));
        return &cache.back().second;
      }
    }
    return nullptr;
  }
  void reset(const EventBatch& b, const Event& e) {
    batch = &b;
    event = &e;
    cache.clear();
    // (a returned pointer is used before the next lookup, which may move the cache)
    time = query::result_time(e.time);
  }
};

// Queries whose first stage is not a stats of count()s: a first stage that can
// (stats, top, rare, most timecharts) takes the matching events one at a time into
// groups; anything else keeps them as rows (within the budget) for the stages.
Result<SearchResult> run_stages(const Store& store, const SearchRequest& request, const query::Query& q,
                                const query::Matcher& matcher, TimeNs now, const query::ExecLimits& limits,
                                std::chrono::steady_clock::time_point start) {
  const ScanRequest plan = query::plan_scan(q, request.from, request.to, now);
  SearchResult result;
  query::Table table;
  std::unique_ptr<query::EventStream> groups = query::stream_first_stage(q.stages[0], limits);
  const size_t first = groups ? 1 : 0;
  if (!groups) table.columns.push_back(std::string(query::kTimeColumn));
  std::unordered_map<FieldId, size_t> column_of;
  size_t bytes = 0;
  Status failed;
  EventLookup look;
  StopCheck stop(request, start);
  Status s = store.scan(plan, [&](const EventBatch& batch) {
    if (stop.stop()) return false;
    for (const Event& e : batch.events()) {
      ++result.events_scanned;
      if (e.time < request.from || e.time > request.to) continue;
      if (!matcher.matches(batch, e)) continue;
      ++result.events_matched;
      if (groups) {
        look.reset(batch, e);
        failed = groups->add(std::ref(look), e.time);
        if (!failed.ok()) return false;
        continue;
      }
      std::vector<ResultValue> row(table.columns.size(), ResultValue::null());
      row[0] = query::result_time(e.time);
      for (const Field& f : batch.fields(e)) {
        auto [it, added] = column_of.try_emplace(f.id, table.columns.size());
        if (added) {  // a new column widens every row kept so far: that counts too
          table.columns.emplace_back(field_name(f.id));
          for (auto& r : table.rows) r.push_back(ResultValue::null());
          row.push_back(ResultValue::null());
          bytes += table.rows.size() * sizeof(ResultValue);
        }
        ResultValue& slot = row[it->second];
        if (slot.is_null) slot = query::to_result_value(f.value);  // a repeated field: its first value
        bytes += query::value_bytes(slot);
      }
      table.rows.push_back(std::move(row));
      bytes += sizeof(std::vector<ResultValue>) + table.columns.size() * sizeof(ResultValue);
      if (bytes > limits.max_bytes) {
        failed = Status::error("this query keeps more than " + std::to_string(limits.max_bytes >> 20) +
                               " MiB of events in memory for its stages: narrow the search or the time range, or begin with stats");
        return false;
      }
    }
    return true;
  }, &result.scan);
  if (!failed.ok()) return failed;
  if (!s.ok()) return s;
  if (Status st = stop.status(); !st.ok()) return st;
  if (groups) {
    auto t = groups->finish();
    if (!t.ok()) return t.status();
    table = std::move(*t);
  }
  for (size_t i = first; i < q.stages.size(); ++i) {
    if (Status st = query::apply_stage(q.stages[i], table, limits); !st.ok()) return st;
  }
  result.is_table = true;
  result.columns = std::move(table.columns);
  result.rows = std::move(table.rows);
  result.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

Result<SearchResult> run_search(const Store& store, const SearchRequest& in) {
  const auto start = std::chrono::steady_clock::now();
  auto parsed = query::parse_query(in.query);
  if (!parsed.ok()) return parsed.status();
  const query::Query& q = *parsed;
  // The first stage decides how events are read: stats of count()s only take the
  // fast path (from column blocks when every event matches); other first stages go to
  // run_stages(), which streams them into groups when it can.
  const auto* first_stats = q.stages.empty() ? nullptr : std::get_if<query::StatsStage>(&q.stages[0]);
  bool counts_only = first_stats != nullptr;
  if (first_stats) {
    for (const query::Aggregate& a : first_stats->aggregates) counts_only = counts_only && a.kind == query::AggKind::Count;
  }
  // One `now` for the query's relative times: the time range, the matcher and the plan.
  const TimeNs now = now_ns();
  SearchRequest request = in;
  // from=/to= in the query text bound the search; the request's own range wins.
  if (request.from == kMinTime && !q.time.from.empty())
    request.from = parse_time_arg(q.time.from, now).value_or(kMinTime);
  if (request.to == kMaxTime && !q.time.to.empty()) request.to = parse_time_arg(q.time.to, now).value_or(kMaxTime);
  auto compiled = query::Matcher::compile(q.filter, now);
  if (!compiled.ok()) return compiled.status();
  const query::Matcher& matcher = *compiled;
  query::ExecLimits limits;
  limits.max_bytes = request.max_memory_bytes;
  limits.from = request.from;
  limits.to = request.to;
  if (!q.stages.empty() && !counts_only) return run_stages(store, request, q, matcher, now, limits, start);
  std::optional<query::StatsAccumulator> stats;
  if (counts_only) stats.emplace(*first_stats);
  NewestEvents newest(request.limit);

  SearchResult result;
  StopCheck stop(request, start);
  ScanRequest plan = query::plan_scan(q, request.from, request.to, now);
  if (stats && stats->takes_blocks() && q.filter.kind == query::Expr::Kind::All) {
    plan.packed_ips = true;  // add_block() counts addresses from their stored bytes
    // Every row in the time range matches: count sealed rows from their columns, on
    // every core (one accumulator per worker, merged after).
    const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    std::vector<query::StatsAccumulator> partial(workers - 1, query::StatsAccumulator(*first_stats));
    std::vector<uint64_t> rows(workers, 0);
    std::vector<VisitBlock> visitors;
    for (size_t w = 0; w < workers; ++w) {
      query::StatsAccumulator* acc = w == 0 ? &*stats : &partial[w - 1];
      visitors.push_back([acc, &rows, &stop, w](const BlockView& block) {
        if (stop.stop()) return false;
        rows[w] += block.selected_count;
        acc->add_block(block);
        return true;
      });
    }
    Status s = store.scan_blocks(
        plan, visitors,
        [&](const EventBatch& batch) {
          if (stop.stop()) return false;
          for (const Event& e : batch.events()) {
            ++result.events_scanned;
            if (e.time < request.from || e.time > request.to) continue;
            ++result.events_matched;
            stats->add(batch, e);
          }
          return true;
        },
        &result.scan);
    for (uint64_t n : rows) {
      result.events_scanned += n;
      result.events_matched += n;
    }
    for (auto& p : partial) stats->merge(p);
    if (!s.ok()) return s;
    if (Status st = stop.status(); !st.ok()) return st;
    stats->finish(result);
    if (Status st = apply_later_stages(q, result, limits); !st.ok()) return st;
    result.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  Status s = store.scan(plan, [&](const EventBatch& batch) {
    if (stop.stop()) return false;
    const auto& events = batch.events();
    for (uint32_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      ++result.events_scanned;
      if (e.time < request.from || e.time > request.to) continue;
      if (!matcher.matches(batch, e)) continue;
      ++result.events_matched;
      if (stats) {
        stats->add(batch, e);
      } else {
        newest.add_match(i, e.time);
      }
    }
    if (!stats) newest.flush_batch(batch);
    return true;
  }, &result.scan);
  if (!s.ok()) return s;
  if (Status st = stop.status(); !st.ok()) return st;

  if (stats) {
    stats->finish(result);
    if (Status st = apply_later_stages(q, result, limits); !st.ok()) return st;
  } else {
    result.events = newest.take_newest_first();
  }
  result.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace vigil
