// run_search over an in-memory store: every match form, booleans, stats, limits
// and time ranges.
#include "query/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "../store/store_test_util.h"
#include "core/batch_codec.h"
#include "memory_store.h"
#include "query/matcher.h"
#include "query/query_parser.h"

namespace vigil {
namespace {

constexpr TimeNs kSec = kNsPerSec;
const TimeNs kBase = *parse_rfc3339("2026-11-22T06:00:00Z");

// Five events; test.id tells them apart in assertions. Each test runs twice: over an
// in-memory store, and over the real store after a seal, where the planner pushes
// terms and conditions down into segment pruning and filtering: both must agree.
class SearchTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    FieldId id = field_id("test.id"), cls = field_id("class_uid"), user = field_id("actor.user.name"),
            ip = field_id("src_endpoint.ip"), port = field_id("src_endpoint.port"), host = field_id("device.hostname"),
            status = field_id("status_id"), cmd = field_id("process.cmd_line"), tags = field_id("metadata.labels"),
            score = field_id("risk_score"), admin = field_id("actor.user.is_admin"), t = field_id("time");
    EventBatch b;
    auto begin = [&](int n, TimeNs time, std::string_view raw, std::string_view input = "syslog-udp") {
      b.begin_event({.receive_time = time + 5, .raw = raw, .source = "10.9.9.9:514", .input = input});
      b.set_time(time);
      b.add_int(id, n);
      b.add_time(t, time);
    };
    begin(1, kBase + 1 * kSec, "Nov 22 06:00:01 web-01 sshd[123]: Failed password for root from 10.0.0.5 port 22 ssh2");
    b.add_int(cls, 3002);
    b.add_string(user, "root");
    b.add_ip(ip, *IpAddress::parse("10.0.0.5"));
    b.add_int(port, 22);
    b.add_string(host, "web-01");
    b.add_int(status, 2);
    b.end_event();
    begin(2, kBase + 2 * kSec, "Nov 22 06:00:02 web-01 sshd[124]: Accepted publickey for alice from 192.168.1.20");
    b.add_int(cls, 3002);
    b.add_string(user, "Alice");
    b.add_ip(ip, *IpAddress::parse("192.168.1.20"));
    b.add_int(port, 50022);
    b.add_string(host, "web-01");
    b.add_int(status, 1);
    b.end_event();
    store.add(std::move(b));

    b = EventBatch();
    begin(3, kBase + 3 * kSec, "Nov 22 06:00:03 db-01 sshd[9]: Failed password for invalid user admin from 10.1.2.3");
    b.add_int(cls, 3002);
    b.add_string(user, "admin");
    b.add_ip(ip, *IpAddress::parse("10.1.2.3"));
    b.add_string(host, "db-01");
    b.add_string(field_id("unmapped.peer"), "10.1.2.3");
    b.add_int(status, 2);
    b.end_event();
    begin(4, kBase + 4 * kSec, "process started", "agent");
    b.add_int(cls, 1007);
    b.add_string(cmd, "C:\\Windows\\System32\\cmd.exe /c whoami");
    b.add_string(host, "WIN-7");
    b.add_string(tags, "lateral");
    b.add_string(tags, "Discovery");
    b.add_float(score, 0.75);
    b.add_bool(admin, true);
    b.add_ip(ip, *IpAddress::parse("fe80::1"));
    b.end_event();
    begin(5, kBase + 5 * kSec, "\x01\xff garbage \"quoted\" \\ line");
    b.set_parse_error("no syslog header");
    b.end_event();
    store.add(std::move(b));
    if (GetParam() == "sealed") {
      auto disk = Store::open(testing::options_for(dir_.path));
      ASSERT_TRUE(disk.ok()) << disk.error();
      disk_ = std::move(*disk);
      ASSERT_TRUE(store
                      .scan(ScanRequest{},
                            [&](const EventBatch& batch) {
                              std::string bytes;
                              encode_batch(batch, bytes);
                              auto copy = decode_batch(bytes);
                              EXPECT_TRUE(copy.ok());
                              EXPECT_TRUE(disk_->append_sync(std::move(*copy)).ok());
                              return true;
                            },
                            nullptr)
                      .ok());
      ASSERT_TRUE(disk_->flush().ok());
      ASSERT_EQ(disk_->stats().memory_events, 0u);
    }
  }

  const Store& subject() const { return disk_ ? *disk_ : static_cast<const Store&>(store); }

  // test.id of the matching events, ascending.
  std::vector<int64_t> ids(std::string_view q) {
    SearchRequest req;
    req.query = q;
    req.limit = 1000;
    auto r = run_search(subject(), req);
    EXPECT_TRUE(r.ok()) << q << ": " << r.error();
    std::vector<int64_t> out;
    if (!r.ok()) return out;
    for (const ResultEvent& e : r->events)
      for (const auto& [name, v] : e.fields)
        if (name == "test.id") out.push_back(v.i64);
    std::sort(out.begin(), out.end());
    EXPECT_EQ(r->events_matched, out.size());
    EXPECT_EQ(grouped_ids(q, "stats count() by test.id"), out) << q;
    return out;
  }
  using Ids = std::vector<int64_t>;

  // The same search through a first stage that groups: on the sealed store it is
  // decided on column blocks (Matcher::match_block) when it names typed fields only,
  // so it must find what the event path finds.
  std::vector<int64_t> grouped_ids(std::string_view q, std::string_view stage) {
    SearchRequest req;
    req.query = std::string(q) + " | " + std::string(stage);
    auto r = run_search(subject(), req);
    EXPECT_TRUE(r.ok()) << req.query << ": " << r.error();
    std::vector<int64_t> out;
    if (!r.ok()) return out;
    for (const auto& row : r->rows) {
      EXPECT_EQ(row[1].i64, 1) << req.query;  // one event per id
      if (!row[0].is_null) out.push_back(row[0].i64);
    }
    std::sort(out.begin(), out.end());
    EXPECT_EQ(r->events_matched, out.size()) << req.query;
    return out;
  }

  testing::MemoryStore store;
  testing::TempDir dir_;
  std::unique_ptr<Store> disk_;
};

INSTANTIATE_TEST_SUITE_P(Stores, SearchTest, ::testing::Values("memory", "sealed"),
                         [](const auto& info) { return info.param; });

TEST_P(SearchTest, FreeText) {
  EXPECT_EQ(ids(""), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("*"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("failed"), (Ids{1, 3}));
  EXPECT_EQ(ids("FAILED PASSWORD"), (Ids{1, 3}));
  EXPECT_EQ(ids("\"failed password for root\""), (Ids{1}));
  EXPECT_EQ(ids("\"password root\""), Ids{});
  EXPECT_EQ(ids("fail*root"), (Ids{1}));
  EXPECT_EQ(ids("web-*"), (Ids{1, 2}));
  EXPECT_EQ(ids("whoami"), (Ids{4}));        // only in a string field, not in raw
  EXPECT_EQ(ids("discovery"), (Ids{4}));     // any value of a repeated field
  EXPECT_EQ(ids("\"\\\"quoted\\\"\""), (Ids{5}));
  EXPECT_EQ(ids("garbage"), (Ids{5}));
  EXPECT_EQ(ids("nowhere"), Ids{});
}

TEST_P(SearchTest, FieldStrings) {
  EXPECT_EQ(ids("actor.user.name:root"), (Ids{1}));
  EXPECT_EQ(ids("actor.user.name:ROOT"), (Ids{1}));
  EXPECT_EQ(ids("actor.user.name:alice"), (Ids{2}));  // stored as "Alice"
  EXPECT_EQ(ids("actor.user.name:roo"), Ids{});       // whole value, not a substring
  EXPECT_EQ(ids("actor.user.name:a*"), (Ids{2, 3}));
  EXPECT_EQ(ids("actor.user.name:*o*"), (Ids{1}));
  EXPECT_EQ(ids("actor.user.name:\"a*\""), Ids{});    // quoted: literal star
  EXPECT_EQ(ids("device.hostname:\"web-01\""), (Ids{1, 2}));
  EXPECT_EQ(ids("process.cmd_line:C:\\Windows\\*"), (Ids{4}));
  EXPECT_EQ(ids("process.cmd_line:*whoami"), (Ids{4}));
  EXPECT_EQ(ids("metadata.labels:discovery"), (Ids{4}));
  EXPECT_EQ(ids("metadata.labels:lateral"), (Ids{4}));
  EXPECT_EQ(ids("metadata.labels:other"), Ids{});
}

TEST_P(SearchTest, FieldExistsAndMissing) {
  EXPECT_EQ(ids("src_endpoint.port:*"), (Ids{1, 2}));
  EXPECT_EQ(ids("-src_endpoint.port:*"), (Ids{3, 4, 5}));
  EXPECT_EQ(ids("no.such.field:*"), Ids{});
  EXPECT_EQ(ids("no.such.field:x"), Ids{});
  EXPECT_EQ(ids("NOT no.such.field:x"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("src_endpoint.port:1"), Ids{});
}

TEST_P(SearchTest, Numbers) {
  EXPECT_EQ(ids("class_uid:3002"), (Ids{1, 2, 3}));
  EXPECT_EQ(ids("class_uid:3002.0"), (Ids{1, 2, 3}));
  EXPECT_EQ(ids("class_uid:+1007"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.port:22"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.port:5*"), (Ids{2}));  // wildcard: the decimal text
  EXPECT_EQ(ids("src_endpoint.port:abc"), Ids{});
  EXPECT_EQ(ids("risk_score:0.75"), (Ids{4}));
  EXPECT_EQ(ids("risk_score:.75"), (Ids{4}));
  EXPECT_EQ(ids("risk_score:0.750"), (Ids{4}));
  EXPECT_EQ(ids("risk_score:0.7*"), (Ids{4}));
  EXPECT_EQ(ids("actor.user.is_admin:true"), (Ids{4}));
  EXPECT_EQ(ids("actor.user.is_admin:TRUE"), (Ids{4}));
  EXPECT_EQ(ids("actor.user.is_admin:false"), Ids{});
  EXPECT_EQ(ids("actor.user.is_admin:1"), (Ids{4}));
}

TEST_P(SearchTest, IpsAndCidr) {
  EXPECT_EQ(ids("src_endpoint.ip:10.0.0.5"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.ip:10.0.0.0/8"), (Ids{1, 3}));
  EXPECT_EQ(ids("src_endpoint.ip:10.0.0.0/24"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.ip:0.0.0.0/0"), (Ids{1, 2, 3}));
  EXPECT_EQ(ids("src_endpoint.ip:192.168.0.0/16"), (Ids{2}));
  EXPECT_EQ(ids("src_endpoint.ip:fe80::1"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.ip:fe80::/10"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.ip:10.0.*"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.ip:10.0.0.0/33"), Ids{});
  EXPECT_EQ(ids("unmapped.peer:10.0.0.0/8"), (Ids{3}));  // an address kept as a string
  EXPECT_EQ(ids("unmapped.peer:10.1.2.3"), (Ids{3}));
  EXPECT_EQ(ids("-src_endpoint.ip:10.0.0.0/8 src_endpoint.ip:*"), (Ids{2, 4}));
}

TEST_P(SearchTest, TimesAndPseudoFields) {
  EXPECT_EQ(ids("time:2026-11-22T06:00:03Z"), (Ids{3}));
  EXPECT_EQ(ids("time:2026-11-22T07:00:03+01:00"), (Ids{3}));
  EXPECT_EQ(ids("time:2026-11-22T06:00:0*"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("input:agent"), (Ids{4}));
  EXPECT_EQ(ids("input:SYSLOG*"), (Ids{1, 2, 3, 5}));
  EXPECT_EQ(ids("source:10.9.9.9\\:514"), Ids{});  // no escapes in words: the value is "10.9.9.9\:514"
  EXPECT_EQ(ids("source:10.9.9.9:514"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("tenant:default"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("tenant:other"), Ids{});
  EXPECT_EQ(ids("raw:*garbage*"), (Ids{5}));
  EXPECT_EQ(ids("raw:garbage"), Ids{});  // whole value, like any field
}

TEST_P(SearchTest, BooleansAndPrecedence) {
  EXPECT_EQ(ids("failed OR accepted"), (Ids{1, 2, 3}));
  EXPECT_EQ(ids("failed AND root"), (Ids{1}));
  EXPECT_EQ(ids("failed root"), (Ids{1}));
  EXPECT_EQ(ids("failed -root"), (Ids{3}));
  EXPECT_EQ(ids("failed NOT root"), (Ids{3}));
  EXPECT_EQ(ids("not failed"), (Ids{2, 4, 5}));
  // AND binds tighter than OR: accepted OR (failed AND root)
  EXPECT_EQ(ids("accepted OR failed root"), (Ids{1, 2}));
  EXPECT_EQ(ids("(accepted OR failed) root"), (Ids{1}));
  EXPECT_EQ(ids("accepted or failed and root"), (Ids{1, 2}));
  // NOT binds tighter than AND and OR.
  EXPECT_EQ(ids("NOT failed OR root"), (Ids{1, 2, 4, 5}));
  EXPECT_EQ(ids("NOT (failed OR root)"), (Ids{2, 4, 5}));
  EXPECT_EQ(ids("-(failed OR accepted) class_uid:*"), (Ids{4}));
  EXPECT_EQ(ids("class_uid:3002 AND NOT status_id:1"), (Ids{1, 3}));
}

TEST_P(SearchTest, LimitNewestFirstAndCounts) {
  SearchRequest req;
  req.limit = 2;
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->is_table);
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].time, kBase + 5 * kSec);
  EXPECT_EQ(r->events[1].time, kBase + 4 * kSec);
  if (GetParam() == "memory") {
    EXPECT_EQ(r->events_matched, 5u);
    EXPECT_EQ(r->events_scanned, 5u);
    EXPECT_TRUE(r->matched_complete);
  } else {
    // Newest first: once two are held, the older segments are not read, and the
    // count says it is a lower bound.
    EXPECT_LT(r->events_scanned, 5u);
    EXPECT_GE(r->events_matched, 2u);
    EXPECT_FALSE(r->matched_complete);
    EXPECT_GT(r->scan.skipped_older, 0u);
  }
  EXPECT_GE(r->elapsed_ms, 0.0);
  req.limit = 5;  // every event fits: all are read and counted
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events_matched, 5u);
  EXPECT_TRUE(r->matched_complete);

  req.limit = 0;
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->events.empty());
  EXPECT_EQ(r->events_matched, 5u);
}

TEST_P(SearchTest, NewestFirstAcrossBatchesInAnyOrder) {
  // Batches arrive out of time order, and with equal times: the window still keeps
  // the newest, and among equal times the later ones in scan order.
  testing::MemoryStore s;
  FieldId id = field_id("test.id");
  int n = 0;
  for (int batch : {3, 1, 4, 1, 5, 9, 2, 6}) {
    EventBatch b;
    for (int i = 0; i < 10; ++i) {
      b.begin_event({.receive_time = 0, .raw = "x"});
      b.set_time(batch * 100 + i);
      b.add_int(id, n++);
      b.end_event();
    }
    s.add(std::move(b));
  }
  SearchRequest req;
  req.limit = 15;
  auto r = run_search(s, req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 15u);
  EXPECT_EQ(r->events[0].time, 909);
  EXPECT_EQ(r->events[9].time, 900);
  EXPECT_EQ(r->events[10].time, 609);
  EXPECT_EQ(r->events[14].time, 605);
  for (size_t i = 1; i < r->events.size(); ++i) EXPECT_GT(r->events[i - 1].time, r->events[i].time);
  // Equal times: the later duplicate batch (second "1") wins.
  req.limit = 1;
  req.query = "x";
  req.to = 100;
  r = run_search(s, req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].fields[0].second.i64, 30);
  EXPECT_EQ(r->events_matched, 2u);
}

TEST_P(SearchTest, CompareNumbers) {
  EXPECT_EQ(ids("src_endpoint.port>22"), (Ids{2}));
  EXPECT_EQ(ids("src_endpoint.port>=22"), (Ids{1, 2}));
  EXPECT_EQ(ids("src_endpoint.port<50022"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.port <= 50022"), (Ids{1, 2}));
  EXPECT_EQ(ids("src_endpoint.port > 21.5"), (Ids{1, 2}));  // an int against a fraction
  EXPECT_EQ(ids("src_endpoint.port>abc"), Ids{});           // no numeric reading: no int matches
  EXPECT_EQ(ids("NOT src_endpoint.port>22"), (Ids{1, 3, 4, 5}));
  EXPECT_EQ(ids("test.id >= -5 test.id<3"), (Ids{1, 2}));
  EXPECT_EQ(ids("risk_score>0.5"), (Ids{4}));
  EXPECT_EQ(ids("risk_score>0"), (Ids{4}));  // a float against an integer
  EXPECT_EQ(ids("risk_score<0.75"), Ids{});
  EXPECT_EQ(ids("risk_score<=0.75"), (Ids{4}));
  EXPECT_EQ(ids("actor.user.is_admin>0"), Ids{});  // booleans are not ordered
}

TEST_P(SearchTest, RangesWithOpenSides) {
  EXPECT_EQ(ids("src_endpoint.port:[22 TO 50022]"), (Ids{1, 2}));
  EXPECT_EQ(ids("src_endpoint.port:{22 TO 50022}"), Ids{});
  EXPECT_EQ(ids("src_endpoint.port:[22 TO 50022}"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.port:{22 TO 50022]"), (Ids{2}));
  EXPECT_EQ(ids("src_endpoint.port:[* TO 100]"), (Ids{1}));
  EXPECT_EQ(ids("src_endpoint.port:[100 TO *]"), (Ids{2}));
  EXPECT_EQ(ids("src_endpoint.port:[* TO *]"), (Ids{1, 2}));  // both open: the field exists
  EXPECT_EQ(ids("test.id:{2 TO *]"), (Ids{3, 4, 5}));
  EXPECT_EQ(ids("test.id:[4 TO 2]"), Ids{});
  EXPECT_EQ(ids("risk_score:[0.5 TO 1]"), (Ids{4}));
  EXPECT_EQ(ids("-test.id:[2 TO 4]"), (Ids{1, 5}));
}

TEST_P(SearchTest, CompareTimes) {
  EXPECT_EQ(ids("time>2026-11-22T06:00:03Z"), (Ids{4, 5}));
  EXPECT_EQ(ids("time>=2026-11-22T07:00:03+01:00"), (Ids{3, 4, 5}));
  EXPECT_EQ(ids("time:[2026-11-22T06:00:02Z TO 2026-11-22T06:00:03Z]"), (Ids{2, 3}));
  EXPECT_EQ(ids("time:{2026-11-22T06:00:02Z TO *}"), (Ids{3, 4, 5}));
  EXPECT_EQ(ids("time:[* TO \"2026-11-22 06:00:01\"]"), (Ids{1}));
  // Relative times count from now; bounds far enough off not to depend on the clock.
  EXPECT_EQ(ids("time>-100000d"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("time<+10000d"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("time>+10000d"), Ids{});
  // Numbers are Unix seconds.
  const std::string third = std::to_string(kBase / kSec + 3);
  EXPECT_EQ(ids("time>=" + third), (Ids{3, 4, 5}));
  EXPECT_EQ(ids("time:[* TO " + third + "}"), (Ids{1, 2}));
}

TEST_P(SearchTest, CompareAddressesAndStrings) {
  EXPECT_EQ(ids("src_endpoint.ip<10.0.0.10"), (Ids{1}));  // by address: 10.0.0.5 < 10.0.0.10
  EXPECT_EQ(ids("src_endpoint.ip>10.0.0.9"), (Ids{2, 3}));
  EXPECT_EQ(ids("src_endpoint.ip:[10.0.0.0 TO 10.255.255.255]"), (Ids{1, 3}));
  EXPECT_EQ(ids("src_endpoint.ip:{10.0.0.5 TO *]"), (Ids{2, 3}));  // IPv4 only: no v6 against a v4 bound
  EXPECT_EQ(ids("src_endpoint.ip>=fe80::"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.ip<fe80::2"), (Ids{4}));
  EXPECT_EQ(ids("unmapped.peer<10.1.2.10"), (Ids{3}));  // a string that reads as an address
  // Strings in byte order: upper case sorts before lower case.
  EXPECT_EQ(ids("actor.user.name>b"), (Ids{1}));
  EXPECT_EQ(ids("actor.user.name:[a TO c]"), (Ids{3}));
  EXPECT_EQ(ids("device.hostname<web"), (Ids{3, 4}));
  EXPECT_EQ(ids("input>=agent input<=agent"), (Ids{4}));  // pseudo-fields compare as text
}

TEST_P(SearchTest, CidrV4AndV6) {
  EXPECT_EQ(ids("src_endpoint.ip:10.0.0.0/8"), (Ids{1, 3}));
  EXPECT_EQ(ids("src_endpoint.ip:10.1.2.0/24"), (Ids{3}));
  EXPECT_EQ(ids("src_endpoint.ip:fe80::/10"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.ip:fe80::/128"), Ids{});
  EXPECT_EQ(ids("src_endpoint.ip:fe80::1/128"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.ip:::/0"), (Ids{4}));  // a v6 network holds no v4 address
  EXPECT_EQ(ids("NOT src_endpoint.ip:10.0.0.0/8"), (Ids{2, 4, 5}));
}

TEST_P(SearchTest, Regexes) {
  EXPECT_EQ(ids("/FAILED password/"), (Ids{1, 3}));  // case-insensitive by default
  EXPECT_EQ(ids("/(?-i)FAILED/"), Ids{});
  EXPECT_EQ(ids("/(?-i)Failed/"), (Ids{1, 3}));
  EXPECT_EQ(ids("/for (root|alice) from/"), (Ids{1, 2}));
  EXPECT_EQ(ids("/whoami/"), Ids{});  // /re/ reads the raw text only
  EXPECT_EQ(ids("/sshd\\[12\\d\\]/"), (Ids{1, 2}));
  EXPECT_EQ(ids("actor.user.name:/^a/"), (Ids{2, 3}));
  EXPECT_EQ(ids("actor.user.name:/^(?-i)a/"), (Ids{3}));
  EXPECT_EQ(ids("process.cmd_line:/exe \\/c who/"), (Ids{4}));
  EXPECT_EQ(ids("process.cmd_line:/system32\\\\cmd/"), (Ids{4}));
  EXPECT_EQ(ids("src_endpoint.port:/^5/"), (Ids{2}));  // the text form of an int
  EXPECT_EQ(ids("src_endpoint.ip:/^10\\./"), (Ids{1, 3}));
  EXPECT_EQ(ids("metadata.labels:/^disc/"), (Ids{4}));  // any value of a repeated field
  EXPECT_EQ(ids("input:/^agent$/"), (Ids{4}));
  EXPECT_EQ(ids("no.such.field:/x/"), Ids{});
  EXPECT_EQ(ids("NOT /password/"), (Ids{2, 4, 5}));
  EXPECT_EQ(ids("/root|admin/"), (Ids{1, 3}));

  SearchRequest req;
  req.query = "x /a(b/";
  auto r = run_search(subject(), req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "col 3: invalid regular expression /a(b/: missing ): a(b");
  req.query = "user:/a{1000}{1000}/";
  r = run_search(subject(), req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind("col 1: invalid regular expression", 0), 0u) << r.error();
}

TEST_P(SearchTest, ExistsAndMissing) {
  EXPECT_EQ(ids("risk_score:* OR unmapped.peer:*"), (Ids{3, 4}));
  EXPECT_EQ(ids("NOT actor.user.name:*"), (Ids{4, 5}));
  EXPECT_EQ(ids("metadata.labels:*"), (Ids{4}));
  EXPECT_EQ(ids("raw:*"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("NOT tenant:*"), Ids{});
}

TEST_P(SearchTest, QuestionMarkWildcards) {
  EXPECT_EQ(ids("actor.user.name:ro?t"), (Ids{1}));
  EXPECT_EQ(ids("actor.user.name:?LICE"), (Ids{2}));
  EXPECT_EQ(ids("actor.user.name:r?t"), Ids{});  // exactly one byte
  EXPECT_EQ(ids("actor.user.name:a?m*"), (Ids{3}));
  EXPECT_EQ(ids("actor.user.name:\"ro?t\""), Ids{});  // quoted: a literal '?'
  EXPECT_EQ(ids("src_endpoint.port:2?"), (Ids{1}));
  EXPECT_EQ(ids("fail?d"), (Ids{1, 3}));
  EXPECT_EQ(ids("?ailed"), (Ids{1, 3}));
  EXPECT_EQ(ids("?iled"), Ids{});  // at token boundaries: not inside "failed"
  EXPECT_EQ(ids("publi?key"), (Ids{2}));
}

TEST_P(SearchTest, TimeBoundsInTheQuery) {
  EXPECT_EQ(ids("from=2026-11-22T06:00:03Z"), (Ids{3, 4, 5}));
  EXPECT_EQ(ids("sshd to=2026-11-22T06:00:02Z"), (Ids{1, 2}));
  EXPECT_EQ(ids("from=2026-11-22T06:00:02Z to=2026-11-22T06:00:04Z -sshd"), (Ids{4}));
  EXPECT_EQ(ids("from=-100000d to=+10000d"), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(ids("from=+10000d"), Ids{});
  // The request's own range wins over the query's.
  SearchRequest req;
  req.query = "from=2026-11-22T06:00:01Z";
  req.from = kBase + 4 * kSec;
  req.limit = 10;
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->events_matched, 2u);
}

// Push-down must never drop a matching event: random comparisons and ranges over
// every type, run by run_search (on the sealed store: with conditions pushed down)
// and by the matcher alone over every event of the memory store.
TEST_P(SearchTest, PushDownAgreesWithTheMatcherOnRandomComparisons) {
  const char* fields[] = {"src_endpoint.port", "risk_score",  "time",     "src_endpoint.ip", "unmapped.peer",
                          "actor.user.name",   "test.id",     "class_uid", "metadata.labels", "actor.user.is_admin"};
  const std::string secs = std::to_string(kBase / kSec + 2);
  const std::string values[] = {"0",        "22",        "22.5",      "50022",      "-1",       "0.75",
                                "10.0.0.5", "10.0.0.10", "fe80::",    "10.1.2.3",   "abc",      "root",
                                "true",     secs,        "-100000d",  "2026-11-22T06:00:03Z", "\"Alice\"", "3"};
  const char* ops[] = {">", ">=", "<", "<="};
  std::mt19937 rng(42);
  auto pick = [&](auto& arr) -> const auto& { return arr[rng() % std::size(arr)]; };
  auto term = [&] {
    std::string f = pick(fields);
    if (rng() % 3 == 0) {
      std::string lo = rng() % 4 ? std::string(pick(values)) : "*", hi = rng() % 4 ? std::string(pick(values)) : "*";
      return f + ":" + (rng() % 2 ? "[" : "{") + lo + " TO " + hi + (rng() % 2 ? "]" : "}");
    }
    return f + pick(ops) + pick(values);
  };
  auto oracle = [&](const std::string& q) {
    std::vector<int64_t> out;
    auto parsed = query::parse_query(q);
    EXPECT_TRUE(parsed.ok()) << q << ": " << parsed.error();
    if (!parsed.ok()) return out;
    auto m = query::Matcher::compile(parsed->filter);
    EXPECT_TRUE(m.ok()) << q << ": " << m.error();
    if (!m.ok()) return out;
    const FieldId id = field_id("test.id");
    (void)store.scan(ScanRequest{}, [&](const EventBatch& b) {
      for (const Event& e : b.events()) {
        if (!m->matches(b, e)) continue;
        for (const Field& f : b.fields(e))
          if (f.id == id) out.push_back(f.value.i64);
      }
      return true;
    }, nullptr);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto run = [](const Store& st, const std::string& q) {
    std::vector<int64_t> out;
    auto r = run_search(st, SearchRequest{.query = q, .limit = 100});
    EXPECT_TRUE(r.ok()) << q << ": " << r.error();
    if (r.ok())
      for (const ResultEvent& e : r->events)
        for (const auto& [name, v] : e.fields)
          if (name == "test.id") out.push_back(v.i64);
    std::sort(out.begin(), out.end());
    return out;
  };
  size_t nonempty = 0;
  for (int i = 0; i < 400; ++i) {
    std::string q = term();
    for (unsigned n = rng() % 2; n > 0; --n) q += (rng() % 4 == 0 ? " NOT " : " ") + term();
    const auto expected = oracle(q);
    EXPECT_EQ(run(subject(), q), expected) << q;
    EXPECT_EQ(grouped_ids(q, i % 2 ? "top 100 test.id" : "stats count() by test.id"), expected) << q;
    nonempty += !expected.empty();
  }
  EXPECT_GT(nonempty, 40u);  // not all trivially empty (72 with this seed: many pairs do not compare)
}

TEST_P(SearchTest, TimeRange) {
  SearchRequest req;
  req.from = kBase + 2 * kSec;
  req.to = kBase + 3 * kSec;
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].time, kBase + 3 * kSec);
  EXPECT_EQ(r->events[1].time, kBase + 2 * kSec);
  EXPECT_EQ(r->events_matched, 2u);
  if (GetParam() == "memory") {
    EXPECT_EQ(r->events_scanned, 5u);  // both batches overlap the range; all their events are read
  } else {
    EXPECT_EQ(r->events_scanned, 2u);  // the store filters sealed rows by time
    EXPECT_EQ(r->scan.rows_returned, 2u);
  }

  req.from = kBase + 10 * kSec;
  req.to = kMaxTime;
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events_scanned, 0u);
  EXPECT_EQ(r->events_matched, 0u);
}

TEST_P(SearchTest, ResultEventsCarryEverything) {
  SearchRequest req;
  req.query = "whoami";
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 1u);
  const ResultEvent& e = r->events[0];
  EXPECT_EQ(e.raw, "process started");
  EXPECT_EQ(e.input, "agent");
  EXPECT_EQ(e.source, "10.9.9.9:514");
  EXPECT_EQ(e.tenant, "default");
  EXPECT_EQ(e.receive_time, kBase + 4 * kSec + 5);
  std::vector<std::string> names;
  for (const auto& [n, v] : e.fields) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"test.id", "time", "class_uid", "process.cmd_line", "device.hostname",
                                             "metadata.labels", "metadata.labels", "risk_score",
                                             "actor.user.is_admin", "src_endpoint.ip"}));
  EXPECT_EQ(e.fields[1].second.type, FieldType::Timestamp);
  EXPECT_EQ(e.fields[1].second.text, "2026-11-22T06:00:04.000Z");
  EXPECT_EQ(e.fields[1].second.i64, kBase + 4 * kSec);
  EXPECT_EQ(e.fields[6].second.text, "Discovery");
  EXPECT_EQ(e.fields[7].second.f64, 0.75);
  EXPECT_EQ(e.fields[8].second.i64, 1);
  EXPECT_EQ(e.fields[9].second.type, FieldType::Ip);
  EXPECT_EQ(e.fields[9].second.text, "fe80::1");

  req.query = "garbage";
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].flags, static_cast<uint32_t>(kFlagParseError));
  EXPECT_EQ(r->events[0].parse_error, "no syslog header");
}

TEST_P(SearchTest, ParseErrorsAreReturned) {
  SearchRequest req;
  req.query = "(failed";
  auto r = run_search(subject(), req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "col 1: unbalanced parenthesis ('(' is never closed)");
  req.query = "a | stats count() | sort";
  r = run_search(subject(), req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "col 25: expected a field name to sort by, not end of stage");
}

// ---- stats -------------------------------------------------------------------

std::vector<std::string> row_text(const std::vector<ResultValue>& row) {
  std::vector<std::string> out;
  for (const ResultValue& v : row) {
    if (v.is_null) out.push_back("null");
    else if (v.type == FieldType::Int64) out.push_back(std::to_string(v.i64));
    else out.push_back(v.text);
  }
  return out;
}
using Row = std::vector<std::string>;

TEST_P(SearchTest, StatsWithoutBy) {
  SearchRequest req;
  req.query = "failed | stats count()";
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->is_table);
  EXPECT_TRUE(r->events.empty());
  EXPECT_EQ(r->columns, (std::vector<std::string>{"count()"}));
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"2"}));
  EXPECT_EQ(r->events_matched, 2u);

  req.query = "nothing | stats count() as n";  // one row even when nothing matched
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->columns, (std::vector<std::string>{"n"}));
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"0"}));
}

TEST_P(SearchTest, StatsByOneField) {
  SearchRequest req;
  req.query = "| stats count() by device.hostname";
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->columns, (std::vector<std::string>{"device.hostname", "count()"}));
  ASSERT_EQ(r->rows.size(), 4u);
  // count descending, then key; the event without a hostname is in the null group.
  EXPECT_EQ(row_text(r->rows[0]), (Row{"web-01", "2"}));
  EXPECT_EQ(row_text(r->rows[1]), (Row{"WIN-7", "1"}));
  EXPECT_EQ(row_text(r->rows[2]), (Row{"db-01", "1"}));
  EXPECT_EQ(row_text(r->rows[3]), (Row{"null", "1"}));
  EXPECT_TRUE(r->rows[3][0].is_null);

  req.query = "| stats count() as n by src_endpoint.ip";
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->columns, (std::vector<std::string>{"src_endpoint.ip", "n"}));
  ASSERT_EQ(r->rows.size(), 5u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"10.0.0.5", "1"}));
  EXPECT_EQ(row_text(r->rows[3]), (Row{"fe80::1", "1"}));
  EXPECT_EQ(row_text(r->rows[4]), (Row{"null", "1"}));

  req.query = "| stats count() by never.seen.field";
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"null", "5"}));
}

TEST_P(SearchTest, StatsByTwoFieldsAndSeveralAggregates) {
  SearchRequest req;
  req.query = "class_uid:3002 | stats count(), count(src_endpoint.port) as with_port by device.hostname, status_id";
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->columns, (std::vector<std::string>{"device.hostname", "status_id", "count()", "with_port"}));
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"db-01", "2", "1", "0"}));
  EXPECT_EQ(row_text(r->rows[1]), (Row{"web-01", "1", "1", "1"}));
  EXPECT_EQ(row_text(r->rows[2]), (Row{"web-01", "2", "1", "1"}));

  req.query = "| stats count() by device.hostname, class_uid";
  r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"web-01", "3002", "2"}));
  EXPECT_EQ(row_text(r->rows[3]), (Row{"null", "null", "1"}));
}

TEST_P(SearchTest, StatsByRepeatedField) {
  SearchRequest req;
  req.query = "| stats count() by metadata.labels";
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(row_text(r->rows[0]), (Row{"null", "4"}));
  EXPECT_EQ(row_text(r->rows[1]), (Row{"Discovery", "1"}));
  EXPECT_EQ(row_text(r->rows[2]), (Row{"lateral", "1"}));
}

TEST_P(SearchTest, StatsSeesFieldsInternedLater) {
  // Names are resolved when the query starts: a field no event had yet is a null key.
  SearchRequest req;
  req.query = "| stats count() by test.later";
  auto r = run_search(subject(), req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_TRUE(r->rows[0][0].is_null);
}

// A store whose batches come into being during scan(), as decoded segments do in a
// freshly started process: their field names are interned only then.
class DecodingStore : public testing::MemoryStore {
 public:
  Status scan(const ScanRequest&, const Visit& visit, ScanStats*) const override {
    EventBatch b;
    for (int i = 0; i < 3; ++i) {
      b.begin_event({.receive_time = 1000 + i, .raw = "decoded"});
      b.add_int(field_id("decoded.only.status"), i % 2);
      b.add_string(field_id("decoded.only.user"), i == 2 ? "bob" : "alice");
      b.end_event();
    }
    visit(b);
    return Status();
  }
};

TEST(SearchFieldResolution, FieldsFirstNamedDuringTheScanStillMatch) {
  DecodingStore store;
  ASSERT_EQ(field_dictionary().find("decoded.only.status"), kNoField);  // nothing has named it yet
  auto r = run_search(store, SearchRequest{.query = "decoded.only.status:1"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->events_matched, 1u);
  auto s = run_search(store, SearchRequest{.query = "decoded.only.status:0 | stats count() by decoded.only.user"});
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_EQ(s->rows.size(), 2u);
  EXPECT_EQ(s->rows[0][0].text, "alice");
}

// The block path of `stats count() by` (sealed columns, addresses counted from their
// stored bytes, split among workers) must give what counting the events gives: over
// several blocks, IPv4 and IPv6 in one chunk, rows without the field, a time range
// that cuts through blocks, and rows not sealed yet.
TEST(StatsByBlocks, AgreesWithCountingTheEvents) {
  testing::TempDir dir;
  auto opened = Store::open(testing::options_for(dir.path));
  ASSERT_TRUE(opened.ok()) << opened.error();
  Store& store = **opened;
  const FieldId ip = field_id("src_endpoint.ip"), status = field_id("status_id");
  std::mt19937_64 rng(7);
  std::map<std::pair<std::string, std::string>, uint64_t> expected;  // (range, key) -> count
  const TimeNs from = kBase + 15'000 * kSec, to = kBase + 30'000 * kSec;
  auto count = [&](TimeNs t, const std::string& ip_key, const std::string& status_key) {
    expected[{"all/ip", ip_key}]++;
    expected[{"all/status", status_key}]++;
    if (t >= from && t <= to) expected[{"range/ip", ip_key}]++;
  };
  auto add_events = [&](int first, int n) {
    EventBatch b;
    for (int i = first; i < first + n; ++i) {
      const TimeNs t = kBase + i * kSec;
      b.begin_event({.receive_time = t, .raw = "event"});
      b.set_time(t);
      std::string ip_key = "null", status_key = "null";
      uint64_t pick = rng() % 100;
      if (pick < 20) {
        // no address
      } else if (pick < 25) {
        auto a = *IpAddress::parse("2001:db8::" + std::to_string(rng() % 7));
        b.add_ip(ip, a);
        ip_key = a.to_string();
      } else {
        auto a = IpAddress::v4(10, 0, static_cast<uint8_t>(rng() % 3), static_cast<uint8_t>(rng() % 200));
        b.add_ip(ip, a);
        ip_key = a.to_string();
      }
      if (pick % 3) {
        int64_t st = static_cast<int64_t>(rng() % 5);
        b.add_int(status, st);
        status_key = std::to_string(st);
      }
      count(t, ip_key, status_key);
      b.end_event();
      if (b.events().size() == 1000) {
        ASSERT_TRUE(store.append_sync(std::move(b)).ok());
        b = EventBatch();
      }
    }
    if (!b.events().empty()) {
      ASSERT_TRUE(store.append_sync(std::move(b)).ok());
    }
  };
  add_events(0, 40'000);  // sealed: three blocks of one segment
  ASSERT_TRUE(store.flush().ok());
  add_events(40'000, 3'000);  // in memory
  ASSERT_GT(store.stats().memory_events, 0u);

  auto check = [&](const std::string& label, const std::string& q, TimeNs lo, TimeNs hi) {
    auto r = run_search(store, SearchRequest{.query = q, .from = lo, .to = hi});
    ASSERT_TRUE(r.ok()) << r.error();
    std::map<std::string, uint64_t> got, want;
    for (const auto& row : r->rows) got[row[0].is_null ? "null" : row_text(row)[0]] += static_cast<uint64_t>(row[1].i64);
    for (const auto& [k, n] : expected) {
      if (k.first == label) want[k.second] = n;
    }
    EXPECT_EQ(got, want) << q;
    EXPECT_EQ(got.size(), r->rows.size()) << q << ": a key came twice";
  };
  check("all/ip", "| stats count() by src_endpoint.ip", kMinTime, kMaxTime);
  check("range/ip", "| stats count() by src_endpoint.ip", from, to);
  check("all/status", "| stats count() by status_id", kMinTime, kMaxTime);
}

}  // namespace
}  // namespace vigil
