// First stages that group, run over the real store (sealed rows as column blocks,
// several segments on several scan workers, the newest rows still unsealed) must
// give exactly what the same stages give over the same events in memory, where
// every row goes through the event path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "../store/store_test_util.h"
#include "core/batch_codec.h"
#include "memory_store.h"
#include "query/search.h"

namespace vigil {
namespace {

constexpr TimeNs kBase = 1'790'000'000'000'000'000;

EventBatch make_events(std::mt19937& rng, int first, int n) {
  const char* users[] = {"root", "Alice", "bob", "admin", "bOB", "svc_backup"};
  EventBatch b;
  for (int i = first; i < first + n; ++i) {
    const TimeNs t = kBase + static_cast<TimeNs>(i) * 3'600'000'000'000 / 500 + static_cast<TimeNs>(rng() % 1000);
    std::string raw = "sshd[" + std::to_string(i) + "]: event " + std::to_string(i);
    b.begin_event({.receive_time = t + 1, .raw = raw, .source = "10.9.9.9:514", .input = "syslog-udp"});
    b.set_time(t);
    b.add_int(field_id("test.id"), i);
    b.add_string(field_id("user.name"), users[rng() % 6]);
    if (rng() % 10) {
      std::string ip = rng() % 15 ? "10." + std::to_string(rng() % 3) + ".0." + std::to_string(rng() % 40)
                                  : "fe80::" + std::to_string(rng() % 5);
      b.add_ip(field_id("src_endpoint.ip"), *IpAddress::parse(ip));
    }
    if (rng() % 4) b.add_int(field_id("dst_endpoint.port"), rng() % 3 ? 53 : static_cast<int64_t>(rng() % 3000));
    b.add_float(field_id("risk_score"), static_cast<double>(rng() % 100) / 100.0);
    b.add_bool(field_id("actor.user.is_admin"), rng() % 3 == 0);
    for (unsigned k = rng() % 3; k > 0; --k) b.add_string(field_id("metadata.labels"), rng() % 2 ? "x" : "Y");
    if (rng() % 3 == 0) {
      b.add_int(field_id("mixed"), rng() % 7);
    } else if (rng() % 2) {
      b.add_string(field_id("mixed"), rng() % 2 ? "5" : "five");
    }
    b.end_event();
  }
  return b;
}

// Rows equal cell by cell, decimals to 12 significant digits: scan workers add their
// parts of a sum in whichever order they finish.
bool same_rows(const std::vector<std::vector<ResultValue>>& a, const std::vector<std::vector<ResultValue>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t j = 0; j < a[i].size(); ++j) {
      const ResultValue &x = a[i][j], &y = b[i][j];
      if (x.type == FieldType::Float64 && y.type == FieldType::Float64 && !x.is_null && !y.is_null) {
        if (std::fabs(x.f64 - y.f64) > 1e-12 * std::max({1.0, std::fabs(x.f64), std::fabs(y.f64)})) return false;
      } else if (!(x == y)) {
        return false;
      }
    }
  }
  return true;
}

EventBatch copy_of(const EventBatch& batch) {
  std::string bytes;
  encode_batch(batch, bytes);
  return std::move(*decode_batch(bytes));
}

TEST(BlockExec, GroupingStagesAgreeWithTheEventPath) {
  testing::MemoryStore memory;
  testing::TempDir dir;
  auto disk = Store::open(testing::options_for(dir.path));
  ASSERT_TRUE(disk.ok()) << disk.error();
  std::mt19937 rng(11);
  for (int s = 0; s < 6; ++s) {
    EventBatch b = make_events(rng, s * 500, 500);
    ASSERT_TRUE((*disk)->append_sync(copy_of(b)).ok());
    memory.add(std::move(b));
    if (s < 5) {
      ASSERT_TRUE((*disk)->flush().ok());  // five segments; the last batch stays unsealed
    }
  }
  ASSERT_EQ((*disk)->stats().memory_events, 500u);

  const char* queries[] = {
      "| stats count()",
      "dst_endpoint.port:53 | stats count()",
      "dst_endpoint.port>1000 user.name:b* | stats count() by src_endpoint.ip",
      "NOT user.name:root | stats count() by user.name",
      "src_endpoint.ip:10.0.0.0/8 | stats count() by src_endpoint.ip",
      "src_endpoint.ip:10.1.0.0/16 | stats count(), dc(user.name), sum(dst_endpoint.port), avg(risk_score), "
      "min(dst_endpoint.port), max(risk_score), values(user.name), first(test.id), last(test.id) by user.name",
      "| top 5 src_endpoint.ip",
      "| rare 3 user.name",
      "dst_endpoint.port<100 OR actor.user.is_admin:true | top user.name",
      "| top user.name, src_endpoint.ip",
      "| top 3 user.name by actor.user.is_admin",
      "| timechart span=10m count()",
      "user.name:bob | timechart span=1h count(), count() as n2",
      "| timechart span=30m avg(risk_score), count(dst_endpoint.port)",
      "| timechart span=20m count() by user.name",
      "dst_endpoint.port:53 | timechart span=1h count() by src_endpoint.ip limit=3",
      "| timechart span=1h count() as n by mixed limit=2",
      "| timechart span=1h count() by actor.user.is_admin",
      "| timechart span=2h count() by risk_score limit=4",
      "| timechart span=1h count() by metadata.labels",
      "metadata.labels:x | stats count() by metadata.labels",
      "| stats count() by metadata.labels",
      "| top metadata.labels",
      "mixed:5 | stats count() by mixed",
      "| top mixed",
      "| stats count() by dst_endpoint.port | sort dst_endpoint.port | head 5",
      "risk_score:[0.2 TO 0.6] | stats percentile(dst_endpoint.port, 50) as p50 by actor.user.is_admin",
      "sshd | stats count() by user.name",
      "mixed:* | timechart span=1h count()",
      "NOT src_endpoint.ip:* | stats count()",
      "user.name:/^b/ | top user.name",
      "(user.name:root OR user.name:admin) NOT (dst_endpoint.port:53) | stats count() by user.name, actor.user.is_admin",
      "test.id>=2990 | stats count() by test.id",
      "nosuchfield:1 | stats count()",
      "risk_score>0.5 | stats count() as n by risk_score | sort -n, risk_score | head 3",
  };
  size_t nonempty = 0;
  for (const char* q : queries) {
    SearchRequest req;
    req.query = q;
    auto want = run_search(memory, req);
    auto got = run_search(**disk, req);
    ASSERT_TRUE(want.ok()) << q << ": " << want.error();
    ASSERT_TRUE(got.ok()) << q << ": " << got.error();
    EXPECT_EQ(got->columns, want->columns) << q;
    EXPECT_TRUE(same_rows(got->rows, want->rows)) << q;
    EXPECT_EQ(got->events_matched, want->events_matched) << q;
    nonempty += !want->rows.empty() && want->events_matched > 0;
  }
  EXPECT_GE(nonempty, std::size(queries) - 2);  // all but the empty searches find something

  // The streamed stages against the same stage over rows: a first `eval` makes the
  // events rows, and the stage after it runs over the table.
  const char* streamed[] = {
      "| timechart span=20m count() by user.name",
      "| timechart span=1h count() by src_endpoint.ip limit=3",
      "| timechart span=2h count() by risk_score limit=4",
      "| timechart span=1h count() by mixed limit=2",
      "| top 4 src_endpoint.ip",
      "| rare mixed",
      "| stats count() by user.name",
      "| timechart span=10m count()",
  };
  for (const char* stage : streamed) {
    for (const Store* store : {static_cast<const Store*>(&memory), static_cast<const Store*>(disk->get())}) {
      auto want = run_search(*store, SearchRequest{.query = std::string("| eval k = 1 ") + stage});
      auto got = run_search(*store, SearchRequest{.query = stage});
      ASSERT_TRUE(want.ok() && got.ok()) << stage;
      EXPECT_EQ(got->columns, want->columns) << stage;
      EXPECT_EQ(got->rows, want->rows) << stage;
    }
  }
}

TEST(BlockExec, CountGroupsStayWithinTheBudget) {
  testing::TempDir dir;
  auto disk = Store::open(testing::options_for(dir.path));
  ASSERT_TRUE(disk.ok()) << disk.error();
  std::mt19937 rng(3);
  for (int s = 0; s < 4; ++s) {
    ASSERT_TRUE((*disk)->append_sync(make_events(rng, s * 500, 500)).ok());
    ASSERT_TRUE((*disk)->flush().ok());
  }
  for (const char* q : {"| stats count() by test.id", "dst_endpoint.port:53 | top test.id",
                        "| timechart span=1h count() by test.id"}) {
    SearchRequest req;
    req.query = q;
    req.max_memory_bytes = 16 << 10;  // far fewer than 2,000 groups fit
    auto r = run_search(**disk, req);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_NE(r.error().find("the groups of this query need more than"), std::string::npos) << r.error();
    req.max_memory_bytes = 64 << 20;
    EXPECT_TRUE(run_search(**disk, req).ok()) << q;
  }
}

// A repeated by-field puts an event in the group of each of its distinct values for
// every aggregate (it used to take the first value unless every aggregate was count()),
// on both paths: sealed column blocks and events.
TEST(BlockExec, RepeatedByFieldCountsUnderEachValueForEveryAggregate) {
  EventBatch b;
  const FieldId labels = field_id("metadata.labels"), bytes = field_id("traffic.bytes");
  const std::vector<std::vector<std::string>> label_sets = {{"a", "b"}, {"a"}, {"b", "b", "c"}, {}};
  for (size_t i = 0; i < label_sets.size(); ++i) {
    b.begin_event({.receive_time = kBase + 1, .raw = "e" + std::to_string(i), .source = "s", .input = "test"});
    b.set_time(kBase + static_cast<TimeNs>(i));
    for (const std::string& l : label_sets[i]) b.add_string(labels, l);
    b.add_int(bytes, static_cast<int64_t>(10 * (i + 1)));
    b.end_event();
  }
  testing::MemoryStore memory;
  memory.add(copy_of(b));
  testing::TempDir dir;
  auto disk = Store::open(testing::options_for(dir.path));
  ASSERT_TRUE(disk.ok()) << disk.error();
  ASSERT_TRUE((*disk)->append_sync(copy_of(b)).ok());
  ASSERT_TRUE((*disk)->flush().ok());
  for (const Store* store : {static_cast<const Store*>(&memory), static_cast<const Store*>(disk->get())}) {
    SearchRequest req;
    req.query = "* | stats sum(traffic.bytes) as s, first(traffic.bytes) as f by metadata.labels";
    auto r = run_search(*store, req);
    ASSERT_TRUE(r.ok()) << r.status().message();
    // a: events 1 and 2 (10 + 20); b: events 1 and 3 (10 + 30, once for "b b"); c: 30; none: 40.
    std::map<std::string, std::pair<int64_t, int64_t>> got;
    for (const auto& row : r->rows) got[row[0].is_null ? "-" : row[0].text] = {row[1].i64, row[2].i64};
    const std::map<std::string, std::pair<int64_t, int64_t>> want = {
        {"a", {30, 10}}, {"b", {40, 10}}, {"c", {30, 30}}, {"-", {40, 40}}};
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace vigil
