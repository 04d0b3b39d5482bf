// run_search: parse, plan (v1: a filter and at most one stats stage), scan the
// store once and collect either the newest matching events or the stats table.
#include "query/search.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <queue>
#include <thread>

#include "query/matcher.h"
#include "query/planner.h"
#include "query/query_parser.h"
#include "query/result_event.h"
#include "query/stats.h"

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

}  // namespace

Result<SearchResult> run_search(const Store& store, const SearchRequest& in) {
  const auto start = std::chrono::steady_clock::now();
  auto parsed = query::parse_query(in.query);
  if (!parsed.ok()) return parsed.status();
  const query::Query& q = *parsed;
  // What this engine runs so far: one stats stage of count()s (issue 4 brings the rest).
  for (size_t i = 0; i < q.stages.size(); ++i) {
    const size_t at = std::visit([](const auto& st) { return st.col; }, q.stages[i]);
    const auto* st = std::get_if<query::StatsStage>(&q.stages[i]);
    if (!st) return Status::error("col " + std::to_string(at) + ": this stage is not supported by the engine yet");
    if (i > 0) return Status::error("col " + std::to_string(at) + ": only one stage per query is supported so far");
    for (const query::Aggregate& a : st->aggregates) {
      if (a.kind != query::AggKind::Count) {
        return Status::error("col " + std::to_string(a.col) + ": '" + a.name + "' is not supported by the engine yet");
      }
    }
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
  std::optional<query::StatsAccumulator> stats;
  if (!q.stages.empty()) stats.emplace(std::get<query::StatsStage>(q.stages[0]));
  NewestEvents newest(request.limit);

  SearchResult result;
  ScanRequest plan = query::plan_scan(q, request.from, request.to, now);
  if (stats && stats->takes_blocks() && q.filter.kind == query::Expr::Kind::All) {
    plan.packed_ips = true;  // add_block() counts addresses from their stored bytes
    // Every row in the time range matches: count sealed rows from their columns, on
    // every core (one accumulator per worker, merged after).
    const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    std::vector<query::StatsAccumulator> partial(workers - 1, query::StatsAccumulator(std::get<query::StatsStage>(q.stages[0])));
    std::vector<uint64_t> rows(workers, 0);
    std::vector<VisitBlock> visitors;
    for (size_t w = 0; w < workers; ++w) {
      query::StatsAccumulator* acc = w == 0 ? &*stats : &partial[w - 1];
      visitors.push_back([acc, &rows, w](const BlockView& block) {
        rows[w] += block.selected_count;
        acc->add_block(block);
        return true;
      });
    }
    Status s = store.scan_blocks(
        plan, visitors,
        [&](const EventBatch& batch) {
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
    stats->finish(result);
    result.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  Status s = store.scan(plan, [&](const EventBatch& batch) {
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

  if (stats) {
    stats->finish(result);
  } else {
    result.events = newest.take_newest_first();
  }
  result.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace vigil
