// The ClickHouse SQL translation against a real clickhouse-server (Debian's 18.16),
// started here as a plain process on free loopback ports with a generated config:
// translated queries must return what the embedded engine returns over the same
// events, stages must compute what the test computes, and hostile values must
// neither break the statement nor the table.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "../unit/query/memory_store.h"
#include "clickhouse_server.h"
#include "cluster/clickhouse_http.h"
#include "cluster/clickhouse_insert.h"
#include "core/event_batch.h"
#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "query/clickhouse_sql.h"
#include "query/query_parser.h"
#include "query/search.h"

namespace vigil {
namespace {

using namespace vigil::query;
using testing::tsv;
using testing::tsv_escape;

// One generated event, kept in plain form so that the test computes expectations.
struct Gen {
  TimeNs time;
  std::string raw, user, ip, action;
  int64_t cls, severity, bytes;
  bool has_bytes, has_action;
};

constexpr TimeNs kBase = 1'700'000'000'000'000'000;
constexpr int kEvents = 300;

std::vector<Gen> generate() {
  std::mt19937 rng(42);
  const char* users[] = {"root", "Alice", "bob", "admin", "svc_backup"};
  const char* actions[] = {"login", "logout", "Failed", "sudo"};
  const char* words[] = {"sshd", "failed", "Failed password", "accepted", "session opened", "cron", "kernel: oops"};
  std::vector<Gen> out;
  for (int i = 0; i < kEvents; ++i) {
    Gen g;
    g.time = kBase + static_cast<TimeNs>(i) * 1'000'000'007;  // distinct times: a total order
    g.user = users[rng() % 5];
    g.ip = "10." + std::to_string(rng() % 3) + "." + std::to_string(rng() % 4) + "." + std::to_string(rng() % 250 + 1);
    if (rng() % 7 == 0) g.ip = "192.168.1." + std::to_string(rng() % 20);
    g.cls = rng() % 2 ? 3002 : 1007;
    g.severity = rng() % 5;
    g.bytes = static_cast<int64_t>(rng() % 5000);
    g.has_bytes = rng() % 4 != 0;
    g.has_action = rng() % 5 != 0;
    g.action = actions[rng() % 4];
    g.raw = std::string(words[rng() % 7]) + " for " + g.user + " from " + g.ip + " port " + std::to_string(rng() % 65535) +
            (i % 11 == 0 ? " failed_x" : "") + (i % 13 == 0 ? " FAILED!" : "");
    out.push_back(std::move(g));
  }
  return out;
}

EventBatch make_batch(const std::vector<Gen>& events) {
  const FieldId cls = field_dictionary().intern("class_uid"), sev = field_dictionary().intern("severity_id"),
                ip = field_dictionary().intern("src_endpoint.ip"), user = field_dictionary().intern("user.name"),
                action = field_dictionary().intern("action"), bytes = field_dictionary().intern("bytes");
  EventBatch b;
  for (const Gen& g : events) {
    b.begin_event({.receive_time = g.time + 5, .raw = g.raw, .source = "10.9.9.9:514", .input = "syslog-udp"});
    b.set_time(g.time);
    b.add_int(cls, g.cls);
    b.add_int(sev, g.severity);
    b.add_ip(ip, *IpAddress::parse(g.ip));
    b.add_string(user, g.user);
    if (g.has_action) b.add_string(action, g.action);
    if (g.has_bytes) b.add_int(bytes, g.bytes);
    b.end_event();
  }
  return b;
}

class ClickHouseSql : public testing::ClickHouseSuite {
 protected:
  static void SetUpTestSuite() {
    ClickHouseSuite::SetUpTestSuite();
    if (!start_error_.empty()) return;
    table_ = default_clickhouse_table();
    auto create = create_table_sql(table_);
    auto r = cluster::clickhouse_query(server_->endpoint(), *create);
    if (!r.ok()) start_error_ = r.status().message();
    events_ = generate();
    EventBatch batch = make_batch(events_);
    auto insert = cluster::clickhouse_insert_sql(batch, table_);
    if (!insert.ok()) start_error_ = insert.status().message();
    r = cluster::clickhouse_query(server_->endpoint(), insert.ok() ? *insert : "");
    if (!r.ok()) start_error_ = r.status().message();
    store_.add(std::move(batch));
  }

  static std::vector<std::vector<std::string>> run(const Query& q, size_t limit = 1000) {
    SqlOptions o;
    o.limit = limit;
    auto plan = to_clickhouse_plan(q, table_, o);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) return {};
    auto r = cluster::clickhouse_query(server_->endpoint(), plan->sql + " FORMAT TabSeparated");
    EXPECT_TRUE(r.ok()) << r.status().message() << "\nSQL: " << plan->sql;
    return r.ok() ? tsv(*r) : std::vector<std::vector<std::string>>{};
  }
  static std::vector<std::vector<std::string>> run(const std::string& text, size_t limit = 1000) {
    auto q = parse_query(text);
    EXPECT_TRUE(q.ok()) << q.status().message();
    return q.ok() ? run(*q, limit) : std::vector<std::vector<std::string>>{};
  }
  static int64_t table_count() {
    auto r = cluster::clickhouse_query(server_->endpoint(), "SELECT count() FROM events");
    return r.ok() ? std::stoll(*r) : -1;
  }

  static inline ClickHouseTable table_;
  static inline std::vector<Gen> events_;
  static inline testing::MemoryStore store_;
};

// Raw texts (TSV-escaped) of the events a plain search returns, newest first.
std::vector<std::string> embedded_raws(const Store& store, const std::string& q, size_t limit) {
  SearchRequest req;
  req.query = q;
  req.limit = limit;
  auto r = run_search(store, req);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> out;
  if (r.ok())
    for (const ResultEvent& e : r->events) out.push_back(tsv_escape(e.raw));
  return out;
}

TEST_F(ClickHouseSql, SearchesMatchTheEmbeddedEngine) {
  const size_t raw_col = 7;  // tenant, time, receive_time, input, source, flags, parse_error, raw
  const char* queries[] = {
      "",
      "*",
      "failed",
      "FAILED",
      "fail*",
      "\"failed password\"",
      "failed_x",
      "kernel",
      "oops",
      "user.name:root",
      "user.name:ALICE",
      "user.name:svc*",
      "user.name:*a*",
      "src_endpoint.ip:10.0.0.0/8",
      "src_endpoint.ip:192.168.1.0/24",
      "src_endpoint.ip:10.1.*",
      "class_uid:3002",
      "class_uid:3002.0",
      "severity_id:4 OR severity_id:0",
      "action:login",
      "action:*",
      "NOT action:*",
      "bytes:42",
      "bytes:1*",
      "NOT bytes:*",
      "user.name:root AND NOT class_uid:1007",
      "(failed OR accepted) AND NOT user.name:bob",
      "-user.name:admin sshd",
      "nosuchfield:x",
      "raw:*port*",
      "input:syslog-udp",
      "tenant:default",
      "10.1",
  };
  for (const char* q : queries) {
    SCOPED_TRACE(q);
    for (size_t limit : {size_t(1000), size_t(7)}) {
      std::vector<std::string> got;
      for (const auto& row : run(q, limit)) got.push_back(row.at(raw_col));
      EXPECT_EQ(got, embedded_raws(store_, q, limit));
    }
  }
}

TEST_F(ClickHouseSql, StatsCountByMatchesTheEmbeddedEngine) {
  const char* queries[] = {
      "* | stats count()",
      "* | stats count() by user.name",
      "failed | stats count() as n by user.name, class_uid",
      "* | stats count() by action",
      "* | stats count(), count(bytes) by src_endpoint.ip",
      "user.name:root | stats count() by nosuch",
  };
  for (const char* q : queries) {
    SCOPED_TRACE(q);
    SearchRequest req;
    req.query = q;
    auto want = run_search(store_, req);
    ASSERT_TRUE(want.ok()) << want.status().message();
    std::vector<std::vector<std::string>> expected;
    for (const auto& row : want->rows) {
      std::vector<std::string> cells;
      for (const ResultValue& v : row)
        cells.push_back(v.is_null ? "\\N" : v.type == FieldType::Int64 ? std::to_string(v.i64) : tsv_escape(v.text));
      expected.push_back(cells);
    }
    EXPECT_EQ(run(q), expected);
  }
}

Query with_stages(const std::string& search, std::vector<Stage> stages) {
  auto q = parse_query(search);
  EXPECT_TRUE(q.ok());
  q->stages = std::move(stages);
  return *q;
}

ValueExpr field(const std::string& n) { return {.kind = ValueExpr::Kind::Field, .text = n}; }
ValueExpr integer(int64_t i) { return {.kind = ValueExpr::Kind::Int, .i = i}; }
ValueExpr str(const std::string& s) { return {.kind = ValueExpr::Kind::String, .text = s}; }
ValueExpr binary(ValueExpr::Op op, ValueExpr a, ValueExpr b) {
  return {.kind = ValueExpr::Kind::Binary, .op = op, .children = {std::move(a), std::move(b)}};
}
ValueExpr fn(const std::string& name, std::vector<ValueExpr> args) {
  return {.kind = ValueExpr::Kind::Call, .text = name, .children = std::move(args)};
}
Aggregate agg(AggKind k, const std::string& f, const std::string& name, double p = 0) {
  return {.kind = k, .field = f, .percentile = p, .name = name};
}

TEST_F(ClickHouseSql, AggregatesComputeWhatTheTestComputes) {
  auto rows = run(with_stages("*", {StatsStage{.aggregates = {agg(AggKind::Dc, "src_endpoint.ip", "dc"),
                                                               agg(AggKind::Sum, "bytes", "sum"),
                                                               agg(AggKind::Min, "bytes", "min"),
                                                               agg(AggKind::Max, "bytes", "max"),
                                                               agg(AggKind::Count, "bytes", "n"),
                                                               agg(AggKind::Values, "user.name", "users"),
                                                               agg(AggKind::First, "user.name", "first"),
                                                               agg(AggKind::Last, "user.name", "last")},
                                               .by = {"class_uid"}}}));
  std::map<int64_t, std::vector<const Gen*>> by;
  for (const Gen& g : events_) by[g.cls].push_back(&g);
  ASSERT_EQ(rows.size(), by.size());
  for (const auto& row : rows) {
    const auto& evs = by.at(std::stoll(row[0]));
    std::set<std::string> ips, users;
    int64_t sum = 0, mn = INT64_MAX, mx = INT64_MIN, n = 0;
    for (const Gen* g : evs) {
      ips.insert(g->ip);
      users.insert(g->user);
      if (!g->has_bytes) continue;
      sum += g->bytes, mn = std::min(mn, g->bytes), mx = std::max(mx, g->bytes), ++n;
    }
    EXPECT_EQ(row[1], std::to_string(ips.size()));
    EXPECT_EQ(std::stod(row[2]), static_cast<double>(sum));
    EXPECT_EQ(std::stod(row[3]), static_cast<double>(mn));
    EXPECT_EQ(std::stod(row[4]), static_cast<double>(mx));
    EXPECT_EQ(row[5], std::to_string(n));
    std::string list;  // values(): sorted, joined by ", " as the embedded engine writes them
    for (const std::string& u : users) list += (list.empty() ? "" : ", ") + u;
    EXPECT_EQ(row[6], list);
    EXPECT_EQ(row[7], evs.front()->user);  // events_ are in time order
    EXPECT_EQ(row[8], evs.back()->user);
  }
}

TEST_F(ClickHouseSql, WhereEvalSortHeadTailFieldsRenameDedupTop) {
  // eval + where + sort + head: the 5 largest bytes of root's events, with bytes*2.
  using Op = ValueExpr::Op;
  auto rows = run(with_stages("user.name:root",
                              {EvalStage{.assignments = {{"double", binary(Op::Mul, field("bytes"), integer(2))},
                                                         {"who", fn("upper", {field("user.name")})}}},
                               WhereStage{.condition = binary(Op::Gt, field("bytes"), integer(100))},
                               SortStage{.keys = {{"double", true}}},
                               HeadStage{.count = 5},
                               TableStage{.fields = {"who", "double", "bytes"}}}));
  std::vector<int64_t> want;
  for (const Gen& g : events_)
    if (g.user == "root" && g.has_bytes && g.bytes > 100) want.push_back(g.bytes);
  std::sort(want.rbegin(), want.rend());
  want.resize(std::min<size_t>(5, want.size()));
  ASSERT_EQ(rows.size(), want.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], "ROOT");
    EXPECT_EQ(std::stod(rows[i][1]), 2.0 * static_cast<double>(want[i]));
    EXPECT_EQ(rows[i][2], std::to_string(want[i]));
  }
  // tail: the 3 oldest events, still newest first; rename a stored field.
  rows = run(with_stages("*", {TailStage{.count = 3}, RenameStage{.renames = {{"user.name", "who"}}},
                               FieldsStage{.fields = {"who", "time"}}}));
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i][0], events_[2 - i].user);
    EXPECT_EQ(rows[i][1], std::to_string(events_[2 - i].time));
  }
  // dedup: the newest event of each user.
  rows = run(with_stages("*", {DedupStage{.fields = {"user.name"}}, TableStage{.fields = {"user.name", "time"}}}));
  std::map<std::string, TimeNs> newest;
  for (const Gen& g : events_) newest[g.user] = std::max(newest[g.user], g.time);
  ASSERT_EQ(rows.size(), newest.size());
  for (const auto& r : rows) EXPECT_EQ(r[1], std::to_string(newest.at(r[0])));
  // top 2 users, with percent.
  rows = run(with_stages("*", {TopStage{.fields = {"user.name"}, .limit = 2}}));
  std::map<std::string, int> counts;
  for (const Gen& g : events_) ++counts[g.user];
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [u, c] : counts) ranked.push_back({-c, u});
  std::sort(ranked.begin(), ranked.end());
  ASSERT_EQ(rows.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(rows[i][0], ranked[i].second);
    EXPECT_EQ(rows[i][1], std::to_string(-ranked[i].first));
    EXPECT_NEAR(std::stod(rows[i][2]), -ranked[i].first * 100.0 / kEvents, 1e-9);
  }
  // timechart span=60s count.
  rows = run(with_stages("*", {TimechartStage{.span_ns = 60 * kNsPerSec, .aggregates = {agg(AggKind::Count, "", "count()")}}}));
  std::map<TimeNs, int> buckets;
  for (const Gen& g : events_) ++buckets[g.time / (60 * kNsPerSec) * (60 * kNsPerSec)];
  ASSERT_EQ(rows.size(), buckets.size());
  size_t i = 0;
  for (auto& [t, c] : buckets) {
    EXPECT_EQ(rows[i][0], std::to_string(t));
    EXPECT_EQ(rows[i][1], std::to_string(c));
    ++i;
  }
}

TEST_F(ClickHouseSql, HostileValuesAndNamesAreData) {
  const std::string hostile[] = {"x'; DROP TABLE events; --", "a\\'b", "`events`", "\"q\"", "semi;colon", "-- c",
                                 "/* c */", "line\nbreak", std::string("nul\0byte", 8), "ünï©ødé", "\\", "'"};
  for (const std::string& v : hostile) {
    SCOPED_TRACE(v);
    for (bool quoted : {true, false}) {
      Expr e{.kind = Expr::Kind::Field, .field = "user.name", .value = v, .quoted = quoted};
      EXPECT_TRUE(run(Query{.filter = e}).empty());
      e.field = v;  // an unknown field name: looked up in the attribute arrays as a literal
      EXPECT_TRUE(run(Query{.filter = e}).empty());
      Expr t{.kind = Expr::Kind::Text, .value = v, .quoted = quoted};
      EXPECT_TRUE(run(Query{.filter = t}).empty());
    }
    auto rows = run(with_stages("user.name:root", {EvalStage{.assignments = {{v, str(v)}}}, TableStage{.fields = {v}}}));
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0][0], tsv_escape(v));
  }
  // A hostile value that does match: a quoted term equal to a stored user name.
  Expr e{.kind = Expr::Kind::Field, .field = "user.name", .value = "svc_backup", .quoted = true};
  size_t want = 0;
  for (const Gen& g : events_) want += g.user == "svc_backup";
  EXPECT_EQ(run(Query{.filter = e}).size(), want);
  EXPECT_EQ(table_count(), kEvents);
}

}  // namespace
}  // namespace vigil
