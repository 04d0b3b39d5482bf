// Value expressions (where/eval) and every pipe stage, through run_search over a
// small generated set whose expected results the test computes itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "memory_store.h"
#include "query/search.h"
#include "query/stage_parser.h"
#include "query/value_eval.h"

namespace vigil::query {
namespace {

ResultValue eval_text(std::string_view text, const std::map<std::string, ResultValue>& row = {}) {
  auto e = parse_value_expr(text);
  EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error());
  if (!e.ok()) return ResultValue::null();
  return eval_value(*e, [&](std::string_view name) -> const ResultValue* {
    auto it = row.find(std::string(name));
    return it == row.end() ? nullptr : &it->second;
  });
}
std::string shown(const ResultValue& v) { return v.is_null ? "null" : result_text(v); }

TEST(ValueExpr, ArithmeticComparisonAndNulls) {
  EXPECT_EQ(shown(eval_text("1 + 2 * 3")), "7");
  EXPECT_EQ(shown(eval_text("(1 + 2) * 3")), "9");
  EXPECT_EQ(shown(eval_text("7 / 2")), "3.5");
  EXPECT_EQ(shown(eval_text("7 % 3")), "1");
  EXPECT_EQ(shown(eval_text("-3 + 1")), "-2");
  EXPECT_EQ(shown(eval_text("1 / 0")), "null");
  EXPECT_EQ(shown(eval_text("\"a\" + \"b\"")), "ab");
  EXPECT_EQ(shown(eval_text("9223372036854775807 + 1")), "9223372036854775808");  // a float: no wrap-around
  EXPECT_EQ(shown(eval_text("2 > 1 and 1 = 1")), "true");
  EXPECT_EQ(shown(eval_text("not (2 > 1) or false")), "false");
  EXPECT_EQ(shown(eval_text("missing + 1")), "null");
  EXPECT_EQ(shown(eval_text("missing > 1")), "null");
  EXPECT_FALSE(truthy(eval_text("missing > 1")));
  std::map<std::string, ResultValue> row = {{"port", ResultValue::int64(22)}, {"n", ResultValue::string("10")}};
  EXPECT_EQ(shown(eval_text("port < 1024", row)), "true");
  EXPECT_EQ(shown(eval_text("n > 9", row)), "true");  // a string holding a number compares as one
  EXPECT_EQ(shown(eval_text("\"10\" > \"9\"")), "false");  // two strings compare as text
}

TEST(ValueExpr, Functions) {
  std::map<std::string, ResultValue> row = {{"user.name", ResultValue::string("Alice")},
                                            {"ip", ResultValue::string("10.1.2.3")}};
  row["ip"].type = FieldType::Ip;
  EXPECT_EQ(shown(eval_text("lower(user.name)", row)), "alice");
  EXPECT_EQ(shown(eval_text("upper(user.name)", row)), "ALICE");
  EXPECT_EQ(shown(eval_text("len(user.name)", row)), "5");
  EXPECT_EQ(shown(eval_text("len(\"h\u00e9!\")")), "3");  // characters, not bytes
  EXPECT_EQ(shown(eval_text("substr(user.name, 2, 3)", row)), "lic");
  EXPECT_EQ(shown(eval_text("substr(user.name, -2)", row)), "ce");
  EXPECT_EQ(shown(eval_text("contains(user.name, \"LIC\")", row)), "true");
  EXPECT_EQ(shown(eval_text("startswith(user.name, \"al\")", row)), "true");
  EXPECT_EQ(shown(eval_text("endswith(user.name, \"x\")", row)), "false");
  EXPECT_EQ(shown(eval_text("match(user.name, \"^A.i\")", row)), "true");
  EXPECT_EQ(shown(eval_text("cidrmatch(\"10.0.0.0/8\", ip)", row)), "true");
  EXPECT_EQ(shown(eval_text("cidrmatch(\"192.168.0.0/16\", ip)", row)), "false");
  EXPECT_EQ(shown(eval_text("coalesce(nothing, user.name)", row)), "Alice");
  EXPECT_EQ(shown(eval_text("if(len(user.name) > 3, \"long\", \"short\")", row)), "long");
  EXPECT_EQ(shown(eval_text("tonumber(\"42\") + 1")), "43");
  EXPECT_EQ(shown(eval_text("tostring(42) + \"x\"")), "42x");
  std::map<std::string, ResultValue> t = {{"_time", result_time(*parse_rfc3339("2026-11-22T06:05:09Z"))}};
  EXPECT_EQ(shown(eval_text("strftime(_time, \"%Y-%m-%d %H:%M\")", t)), "2026-11-22 06:05");
}

TEST(ValueExpr, ErrorsSayWhereAndWhat) {
  auto err = [](std::string_view t) {
    auto e = parse_value_expr(t);
    return e.ok() ? std::string("no error") : e.error();
  };
  EXPECT_EQ(err("1 +"), "col 4: expected a value, not the end of the stage");
  EXPECT_EQ(err("foo(1)"),
            "col 1: unknown function 'foo' (functions: lower, upper, len, substr, contains, startswith, endswith, "
            "match, cidrmatch, coalesce, if, tostring, tonumber, strftime)");
  EXPECT_EQ(err("len(a, b)"), "col 1: len() takes 1 argument, not 2");
  EXPECT_EQ(err("match(a, \"(\")").substr(0, 32), "col 10: bad regular expression: ");
  EXPECT_EQ(err("cidrmatch(\"10.0.0.0/33\", ip)"), "col 11: expected a network like 10.0.0.0/8, not '10.0.0.0/33'");
  EXPECT_EQ(err("(1 + 2"), "col 7: expected ')' to close the '(' of col 1");
  EXPECT_EQ(err("\"abc"), "col 1: unterminated string");
  EXPECT_EQ(err("a ! b"), "col 3: unexpected '!' (use 'not' or '!=')");
  std::string deep(200, '(');
  EXPECT_NE(err(deep + "1").find("nested too deeply"), std::string::npos);
}

// 600 events over 10 minutes: host h0..h4, user u0..u9 (u9 on few), port, bytes,
// and no user at all on every 7th event. The test keeps its own copy to compute
// what each query must return.
struct Ev {
  TimeNs time;
  std::string host, user;  // user empty: absent
  int64_t port, bytes;
};
constexpr TimeNs kT0 = 1'763'791'200'000'000'000;  // 2025-11-22T06:00:00Z

class Stages : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(11);
    EventBatch b;
    for (int i = 0; i < 600; ++i) {
      Ev e{kT0 + i * kNsPerSec, "h" + std::to_string(rng() % 5), i % 7 == 0 ? "" : "u" + std::to_string(rng() % 9),
           static_cast<int64_t>(rng() % 4) * 1000 + 22, static_cast<int64_t>(rng() % 10'000)};
      if (i % 97 == 0 && !e.user.empty()) e.user = "u9";
      evs.push_back(e);
      b.begin_event({.receive_time = e.time, .raw = "event " + std::to_string(i)});
      b.set_time(e.time);
      b.add_string(field_id("device.hostname"), e.host);
      if (!e.user.empty()) b.add_string(field_id("user.name"), e.user);
      b.add_int(field_id("dst_endpoint.port"), e.port);
      b.add_int(field_id("traffic.bytes"), e.bytes);
      b.end_event();
    }
    store.add(std::move(b));
  }

  SearchResult run(std::string_view q) {
    auto r = run_search(store, SearchRequest{.query = std::string(q)});
    EXPECT_TRUE(r.ok()) << q << ": " << (r.ok() ? "" : r.error());
    return r.ok() ? *r : SearchResult{};
  }
  // Column c of every row as text.
  static std::vector<std::string> column(const SearchResult& r, std::string_view name) {
    std::vector<std::string> out;
    auto it = std::find(r.columns.begin(), r.columns.end(), name);
    if (it == r.columns.end()) return out;
    size_t c = static_cast<size_t>(it - r.columns.begin());
    for (const auto& row : r.rows) out.push_back(shown(row[c]));
    return out;
  }

  testing::MemoryStore store;
  std::vector<Ev> evs;
};

TEST_F(Stages, StatsWithEveryAggregate) {
  auto r = run("| stats count(), count(user.name) as with_user, dc(user.name) as users, sum(traffic.bytes) as total, "
               "avg(traffic.bytes) as mean, min(traffic.bytes) as lo, max(traffic.bytes) as hi, p50(traffic.bytes) as med, "
               "values(device.hostname) as hosts, first(user.name) as first_user, last(user.name) as last_user "
               "by device.hostname | sort device.hostname");
  std::map<std::string, std::vector<const Ev*>> by;
  for (const Ev& e : evs) by[e.host].push_back(&e);
  ASSERT_EQ(r.rows.size(), by.size());
  size_t g = 0;
  for (const auto& [host, list] : by) {
    int64_t users_n = 0, sum = 0, lo = INT64_MAX, hi = INT64_MIN;
    std::set<std::string> users;
    std::vector<int64_t> bytes;
    std::string first, last;
    for (const Ev* e : list) {
      if (!e->user.empty()) {
        ++users_n;
        users.insert(e->user);
        if (first.empty()) first = e->user;
        last = e->user;
      }
      sum += e->bytes;
      lo = std::min(lo, e->bytes);
      hi = std::max(hi, e->bytes);
      bytes.push_back(e->bytes);
    }
    std::sort(bytes.begin(), bytes.end());
    const int64_t median = bytes[(bytes.size() + 1) / 2 - 1];  // nearest rank
    EXPECT_EQ(column(r, "device.hostname")[g], host);
    EXPECT_EQ(column(r, "count()")[g], std::to_string(list.size()));
    EXPECT_EQ(column(r, "with_user")[g], std::to_string(users_n));
    EXPECT_EQ(column(r, "users")[g], std::to_string(users.size()));
    EXPECT_EQ(column(r, "total")[g], std::to_string(sum));
    EXPECT_NEAR(std::stod(column(r, "mean")[g]), static_cast<double>(sum) / static_cast<double>(list.size()), 1e-9);
    EXPECT_EQ(column(r, "lo")[g], std::to_string(lo));
    EXPECT_EQ(column(r, "hi")[g], std::to_string(hi));
    EXPECT_EQ(column(r, "med")[g], std::to_string(median));
    EXPECT_EQ(column(r, "hosts")[g], host);
    EXPECT_EQ(column(r, "first_user")[g], first);
    EXPECT_EQ(column(r, "last_user")[g], last);
    ++g;
  }
}

TEST_F(Stages, WhereEvalSortHeadTailFieldsRenameTable) {
  auto r = run("| where dst_endpoint.port = 22 and traffic.bytes >= 5000 | eval kb = traffic.bytes / 1000, "
               "big = if(kb > 9, \"yes\", \"no\") | sort -traffic.bytes, device.hostname | head 5 "
               "| rename traffic.bytes as bytes | table device.hostname, bytes, kb, big");
  std::vector<Ev> want;
  for (const Ev& e : evs) {
    if (e.port == 22 && e.bytes >= 5000) want.push_back(e);
  }
  std::stable_sort(want.begin(), want.end(), [](const Ev& a, const Ev& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.host < b.host;
  });
  want.resize(std::min<size_t>(5, want.size()));
  EXPECT_EQ(r.columns, (std::vector<std::string>{"device.hostname", "bytes", "kb", "big"}));
  ASSERT_EQ(r.rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(column(r, "bytes")[i], std::to_string(want[i].bytes));
    EXPECT_EQ(column(r, "big")[i], want[i].bytes / 1000.0 > 9 ? "yes" : "no");
  }
  auto t = run("| fields - traffic.bytes, _time | tail 3");
  EXPECT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(std::find(t.columns.begin(), t.columns.end(), "traffic.bytes"), t.columns.end());
  // Stages see the events newest first, as a search lists them: the tail is the oldest.
  EXPECT_EQ(column(t, "dst_endpoint.port").back(), std::to_string(evs.front().port));
  EXPECT_EQ(column(run("| head 1"), "dst_endpoint.port")[0], std::to_string(evs.back().port));
}

TEST_F(Stages, DedupTopRare) {
  auto d = run("| dedup 2 device.hostname | stats count() by device.hostname");
  for (const std::string& n : column(d, "count()")) EXPECT_EQ(n, "2");
  std::map<std::string, int64_t> counts;
  size_t with_user = 0;
  for (const Ev& e : evs) {
    if (!e.user.empty()) {
      ++counts[e.user];
      ++with_user;
    }
  }
  auto top = run("| top 3 user.name");
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [u, n] : counts) sorted.emplace_back(n, u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  ASSERT_EQ(top.rows.size(), 3u);
  EXPECT_EQ(top.columns, (std::vector<std::string>{"user.name", "count", "percent"}));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(column(top, "count")[i], std::to_string(sorted[i].first));
    EXPECT_NEAR(std::stod(column(top, "percent")[i]), 100.0 * static_cast<double>(sorted[i].first) / static_cast<double>(with_user), 1e-9);
  }
  auto rare = run("| rare 1 user.name");
  ASSERT_EQ(rare.rows.size(), 1u);
  EXPECT_EQ(column(rare, "count")[0], std::to_string(sorted.back().first));
}

TEST_F(Stages, TimechartFillsBucketsAndSplitsByField) {
  auto r = run("| timechart span=1m count() by device.hostname limit=2");
  ASSERT_EQ(r.rows.size(), 10u);  // 600 s in 1-minute buckets
  // The two busiest hosts have their own column; the rest are OTHER. Columns add up.
  ASSERT_EQ(r.columns.size(), 4u);
  EXPECT_EQ(r.columns[3], "OTHER");
  for (size_t b = 0; b < 10; ++b) {
    int64_t sum = 0;
    for (size_t c = 1; c < 4; ++c) sum += r.rows[b][c].i64;
    EXPECT_EQ(sum, 60) << "bucket " << b;
  }
  auto whole = run("| timechart span=5m count()");
  ASSERT_EQ(whole.rows.size(), 2u);
  EXPECT_EQ(column(whole, "count()"), (std::vector<std::string>{"300", "300"}));
  EXPECT_EQ(column(whole, "_time")[0], "2025-11-22T06:00:00.000Z");
}

TEST_F(Stages, StagesAfterAFastCount) {
  // The first stats takes the count() fast path; the later stages run on its table.
  auto r = run("| stats count() as n by device.hostname | where n > 100 | sort -n | head 2");
  std::map<std::string, int64_t> n;
  for (const Ev& e : evs) ++n[e.host];
  std::vector<int64_t> big;
  for (const auto& [h, c] : n) {
    if (c > 100) big.push_back(c);
  }
  std::sort(big.rbegin(), big.rend());
  big.resize(std::min<size_t>(2, big.size()));
  ASSERT_EQ(r.rows.size(), big.size());
  for (size_t i = 0; i < big.size(); ++i) EXPECT_EQ(column(r, "n")[i], std::to_string(big[i]));
}

TEST_F(Stages, GroupMemoryIsBounded) {
  // Each row its own group: with a tiny budget the query stops with a clear error.
  auto r = run_search(store, SearchRequest{.query = "| stats dc(user.name) by _time"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->rows.size(), 600u);
  r = run_search(store, SearchRequest{.query = "| stats dc(user.name) by _time", .max_memory_bytes = 64 << 10});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("the groups of this query need more than 0 MiB of memory"), std::string::npos) << r.error();
  r = run_search(store, SearchRequest{.query = "| sort -traffic.bytes", .max_memory_bytes = 64 << 10});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("keeps more than 0 MiB of events in memory"), std::string::npos) << r.error();
}

TEST_F(Stages, FirstStagesThatGroupDoNotHoldTheEvents) {
  // 600 events take more than 64 KiB as rows; stats, top, rare and a timechart with a
  // span count them as they come, within it, and answer as with room to spare.
  const size_t tiny = 64 << 10;
  for (const char* q : {"| top 3 user.name", "| rare 2 device.hostname by dst_endpoint.port",
                        "| timechart span=1m count(), max(traffic.bytes)", "| stats p50(traffic.bytes) by device.hostname"}) {
    auto small = run_search(store, SearchRequest{.query = q, .max_memory_bytes = tiny});
    ASSERT_TRUE(small.ok()) << q << ": " << small.error();
    auto roomy = run_search(store, SearchRequest{.query = q});
    ASSERT_TRUE(roomy.ok()) << q;
    EXPECT_EQ(small->columns, roomy->columns) << q;
    EXPECT_EQ(small->rows, roomy->rows) << q;
    EXPECT_FALSE(small->rows.empty()) << q;
  }
  // The same timechart through the rows (a later stage after `sort` keeps them): equal.
  auto streamed = run("| timechart span=1m count(), max(traffic.bytes)");
  auto from_rows = run("| sort _time | timechart span=1m count(), max(traffic.bytes)");
  EXPECT_EQ(streamed.rows, from_rows.rows);
  auto top_streamed = run("| top 4 user.name by device.hostname");
  auto top_rows = run("| sort _time | top 4 user.name by device.hostname");
  EXPECT_EQ(top_streamed.rows, top_rows.rows);
  // Without a span over an open range the buckets depend on the data: rows are kept.
  auto open = run_search(store, SearchRequest{.query = "| timechart count()", .max_memory_bytes = tiny});
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().find("keeps more than 0 MiB of events in memory"), std::string::npos) << open.error();
}

TEST(StagesMemory, ANewColumnCountsForEveryRowItWidens) {
  // 500 narrow events, then one with 200 fields: keeping them as rows widens the 500
  // to 201 columns (about 5 MiB of values), which a 1 MiB budget must refuse.
  testing::MemoryStore store;
  EventBatch b;
  for (int i = 0; i < 501; ++i) {
    b.begin_event({.receive_time = kT0 + i, .raw = "e"});
    if (i < 500) {
      b.add_int(field_id("narrow"), i);
    } else {
      for (int f = 0; f < 200; ++f) b.add_int(field_id("wide." + std::to_string(f)), f);
    }
    b.end_event();
  }
  store.add(std::move(b));
  auto r = run_search(store, SearchRequest{.query = "| sort _time", .max_memory_bytes = 1 << 20});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("keeps more than 1 MiB of events in memory"), std::string::npos) << r.error();
  EXPECT_TRUE(run_search(store, SearchRequest{.query = "| sort _time"}).ok());
}

TEST_F(Stages, CancelledAndTimedOutQueriesStopWithAnError) {
  std::atomic<bool> cancel{true};
  for (const char* q : {"event", "| stats count() by device.hostname", "| sort -traffic.bytes"}) {
    auto r = run_search(store, SearchRequest{.query = q, .cancel = &cancel});
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.error(), "query cancelled");
  }
  cancel = false;
  EXPECT_TRUE(run_search(store, SearchRequest{.query = "event", .cancel = &cancel}).ok());
  // A store that takes 20 ms per batch: a 30 ms budget ends during the second one.
  struct SlowStore : testing::MemoryStore {
    Status scan(const ScanRequest& r, const Visit& visit, ScanStats* st) const override {
      return testing::MemoryStore::scan(r, [&](const EventBatch& b) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return visit(b);
      }, st);
    }
  } slow;
  for (int i = 0; i < 10; ++i) {
    EventBatch b;
    b.begin_event({.receive_time = kT0 + i, .raw = "event"});
    b.end_event();
    slow.add(std::move(b));
  }
  auto r = run_search(slow, SearchRequest{.query = "event", .timeout = std::chrono::milliseconds(30)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "query timed out after 30 ms: narrow the search or the time range, or allow more time");
  EXPECT_TRUE(run_search(slow, SearchRequest{.query = "event", .timeout = std::chrono::seconds(30)}).ok());
}

}  // namespace
}  // namespace vigil::query
