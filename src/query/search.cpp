// run_search: parse, plan, scan the store once, and collect the newest matching
// events, or run the stages: a first one that groups from column blocks where it
// can (group_stream.h), any other over the matching events as rows.
#include "query/search.h"

#include <algorithm>
#include <chrono>
#include <queue>
#include <thread>
#include <unordered_map>

#include "query/aggregate.h"
#include "query/matcher.h"
#include "query/planner.h"
#include "query/query_parser.h"
#include "query/result_event.h"
#include "query/stage_exec.h"
#include "query/group_stream.h"
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

  // Once `limit` events are held, an event older than the oldest of them can't get in.
  bool full() const { return limit_ > 0 && heap_.size() == limit_; }
  TimeNs oldest_time() const { return heap_.top().time; }

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

// Calls each(index, event) for every event of the batch in the time range that the
// search matches, counting what was scanned and matched; stops when each() says so.
template <typename Each>
bool each_match(const EventBatch& batch, const SearchRequest& request, const query::Matcher& matcher,
                SearchResult& result, Each&& each) {
  const auto& events = batch.events();
  for (uint32_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    ++result.events_scanned;
    if (e.time < request.from || e.time > request.to || !matcher.matches(batch, e)) continue;
    ++result.events_matched;
    if (!each(i, e)) return false;
  }
  return true;
}

// The matching events of the time range as rows (within the budget), newest first,
// for a first stage that needs them (where, eval, sort...), then every stage over the table.
Result<SearchResult> run_rows(const Store& store, const SearchRequest& request, const query::Query& q,
                              const query::Matcher& matcher, TimeNs now, const query::ExecLimits& limits,
                              std::chrono::steady_clock::time_point start) {
  const ScanRequest plan = query::plan_scan(q, request.from, request.to, now);
  SearchResult result;
  query::Table table;
  table.columns.push_back(std::string(query::kTimeColumn));
  std::unordered_map<FieldId, size_t> column_of;
  size_t bytes = 0;
  Status failed;
  StopCheck stop(request, start);
  Status s = store.scan(plan, [&](const EventBatch& batch) {
    if (stop.stop()) return false;
    return each_match(batch, request, matcher, result, [&](uint32_t, const Event& e) {
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
      return true;
    });
  }, &result.scan);
  if (!failed.ok()) return failed;
  if (!s.ok()) return s;
  if (Status st = stop.status(); !st.ok()) return st;
  // Newest first, as a plain search lists them: the stages see one order whatever
  // order the store's partitions and segments were read in.
  std::stable_sort(table.rows.begin(), table.rows.end(),
                   [](const std::vector<ResultValue>& a, const std::vector<ResultValue>& b) { return a[0].i64 > b[0].i64; });
  for (const query::Stage& stage : q.stages) {
    if (Status st = query::apply_stage(stage, table, limits); !st.ok()) return st;
  }
  result.is_table = true;
  result.columns = std::move(table.columns);
  result.rows = std::move(table.rows);
  return result;
}

// A first stage that groups (group_stream.h). When the search names typed fields
// only, sealed rows come as column blocks: the filter is decided on the columns
// (Matcher::match_block) and the stage counts from them, on every core when its
// groups can be merged. Otherwise every row comes as an event.
Result<SearchResult> run_grouped(const Store& store, const SearchRequest& request, const query::Query& q,
                                 const query::Matcher& matcher, TimeNs now, const query::ExecLimits& limits,
                                 std::chrono::steady_clock::time_point start,
                                 std::unique_ptr<query::GroupStream> groups, std::atomic<size_t>& held) {
  ScanRequest plan = query::plan_scan(q, request.from, request.to, now);
  SearchResult result;
  StopCheck stop(request, start);
  Status failed;
  auto add_events = [&](const EventBatch& batch) {
    if (stop.stop()) return false;
    return each_match(batch, request, matcher, result, [&](uint32_t, const Event& e) {
      failed = groups->add_event(batch, e);
      return failed.ok();
    });
  };
  Status s;
  // (The planner asks for the raw text, and every field for free text, when the search reads them.)
  if (groups->takes_blocks() && matcher.takes_blocks() && (plan.raw || !matcher.reads_raw())) {
    const bool filtered = !matcher.matches_all();
    plan.packed_ips = groups->packed_ips() && matcher.fields().empty();  // the filter reads no values
    plan.times = groups->needs_times();
    const size_t workers = groups->mergeable() ? std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8) : 1;
    struct Worker {
      std::unique_ptr<query::GroupStream> own;  // workers after the first
      query::GroupStream* groups = nullptr;
      uint64_t scanned = 0, matched = 0;
      std::vector<uint8_t> selected;
      std::vector<std::vector<uint8_t>> scratch;
      Status status;
    };
    std::vector<Worker> work(workers);
    work[0].groups = groups.get();  // also takes the unsealed events (add_events)
    for (size_t w = 1; w < workers; ++w) {
      work[w].own = query::group_first_stage(q.stages[0], limits, &held);
      work[w].groups = work[w].own.get();
    }
    std::vector<VisitBlock> visitors;
    for (size_t w = 0; w < workers; ++w) {
      visitors.push_back([&, w](const BlockView& block) {
        Worker& k = work[w];
        if (stop.stop()) return false;
        k.scanned += block.selected_count;
        BlockView view = block;
        if (filtered) {
          if (block.selected) {
            k.selected.assign(block.selected, block.selected + block.rows);
          } else {
            k.selected.assign(block.rows, 1);
          }
          matcher.match_block(block, k.selected.data(), k.scratch);
          view.selected = k.selected.data();
          view.selected_count = static_cast<uint32_t>(std::count(k.selected.begin(), k.selected.end(), 1));
        }
        k.matched += view.selected_count;
        if (view.selected_count == 0) return true;
        k.status = k.groups->add_block(view);
        return k.status.ok();
      });
    }
    s = store.scan_blocks(plan, visitors, add_events, &result.scan);
    for (size_t w = 0; w < workers; ++w) {
      result.events_scanned += work[w].scanned;
      result.events_matched += work[w].matched;
      if (failed.ok() && !work[w].status.ok()) failed = work[w].status;
      if (w > 0) groups->merge(*work[w].groups);
    }
  } else {
    s = store.scan(plan, add_events, &result.scan);
  }
  if (!failed.ok()) return failed;
  if (!s.ok()) return s;
  if (Status st = stop.status(); !st.ok()) return st;
  auto table = groups->finish();
  if (!table.ok()) return table.status();
  for (size_t i = 1; i < q.stages.size(); ++i) {
    if (Status st = query::apply_stage(q.stages[i], *table, limits); !st.ok()) return st;
  }
  result.is_table = true;
  result.columns = std::move(table->columns);
  result.rows = std::move(table->rows);
  return result;
}

}  // namespace

Result<SearchResult> run_search(const Store& store, const SearchRequest& in) {
  const auto start = std::chrono::steady_clock::now();
  auto parsed = query::parse_query(in.query);
  if (!parsed.ok()) return parsed.status();
  const query::Query& q = *parsed;
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
  auto elapsed = [&](Result<SearchResult> r) {
    if (r.ok()) r->elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  // The first stage decides how events are read: one that groups holds only its
  // groups; any other gets the events as rows.
  if (!q.stages.empty()) {
    std::atomic<size_t> held{0};
    if (auto groups = query::group_first_stage(q.stages[0], limits, &held)) {
      return elapsed(run_grouped(store, request, q, matcher, now, limits, start, std::move(groups), held));
    }
    return elapsed(run_rows(store, request, q, matcher, now, limits, start));
  }

  NewestEvents newest(request.limit);
  SearchResult result;
  StopCheck stop(request, start);
  ScanRequest plan = query::plan_scan(q, request.from, request.to, now);
  // Newest first, and nothing older than the window once it is full: a search for a
  // common word reads the newest blocks, not all of them.
  std::atomic<TimeNs> floor{kMinTime};
  plan.newest_first = true;
  plan.floor = &floor;
  Status s = store.scan(plan, [&](const EventBatch& batch) {
    if (stop.stop()) return false;
    each_match(batch, request, matcher, result, [&](uint32_t i, const Event& e) {
      newest.add_match(i, e.time);
      return true;
    });
    newest.flush_batch(batch);
    if (newest.full()) floor.store(newest.oldest_time(), std::memory_order_relaxed);
    return true;
  }, &result.scan);
  result.matched_complete = result.scan.skipped_older == 0;
  if (!s.ok()) return s;
  if (Status st = stop.status(); !st.ok()) return st;
  result.events = newest.take_newest_first();
  return elapsed(std::move(result));
}

}  // namespace vigil
