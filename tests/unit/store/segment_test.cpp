// Segments: a round trip of every kind of value, pruning by time, token index and
// statistics, projection, and clear errors for damaged files.
#include "store/segment.h"

#include <gtest/gtest.h>

#include <random>

namespace vigil::segment {
namespace {

constexpr TimeNs kT0 = 1'763'000'000'000'000'000;

// 50,000 events in 4 blocks of 16k: host-N, user-N, a port, an IP; event 31337 alone
// carries the token "needle-7f3a9c".
struct Fixture {
  EventBatch batch;
  std::vector<Row> rows;
  Built built;
  Info info;

  Fixture() {
    for (int i = 0; i < 50'000; ++i) {
      std::string user = i == 31337 ? "needle-7f3a9c" : "user" + std::to_string(i % 500);
      std::string raw = "Nov 22 06:00:00 host" + std::to_string(i % 7) + " sshd[" + std::to_string(1000 + i) +
                        "]: Accepted password for " + user + " from 10.0." + std::to_string(i % 256) + ".9";
      batch.begin_event({.receive_time = kT0 + i * 1000 + 5, .raw = raw, .source = "10.1.1.1:514", .input = "syslog-udp"});
      batch.set_time(kT0 + static_cast<TimeNs>(i) * 1000);
      std::string_view r = batch.current().raw;
      batch.add_int(field_id("class_uid"), 3002);
      batch.add_string_ref(field_id("actor.user.name"), r.substr(r.find(user), user.size()));
      batch.add_int(field_id("src_endpoint.port"), 1000 + i);
      batch.add_ip(field_id("src_endpoint.ip"), IpAddress::v4(10, 0, static_cast<uint8_t>(i % 256), 9));
      batch.add_time(field_id("time"), kT0 + static_cast<TimeNs>(i) * 1000);
      if (i % 1000 == 0) batch.add_string(field_id("metadata.labels"), "a"), batch.add_string(field_id("metadata.labels"), "b");
      if (i == 7) batch.set_parse_error("partial");
      batch.end_event();
    }
    for (uint32_t i = 0; i < batch.size(); ++i) rows.push_back({&batch, i});
    PartitionKey key{.tenant = "acme", .day = 20414, .class_uid = 3002, .input = "syslog-udp"};
    built = build(key, rows, 3, 4);
    auto parsed = parse(built.bytes, "mem.vseg", 9);
    EXPECT_TRUE(parsed.ok()) << parsed.error();
    info = std::move(*parsed);
    info.bytes = std::make_shared<const std::string>(built.bytes);
  }

  // ids (src_endpoint.port - 1000) returned by a scan, and its stats.
  std::vector<int64_t> ids(const ScanRequest& r, ScanStats* stats_out = nullptr) {
    std::vector<int64_t> out;
    ScanStats stats;
    Plan plan(r);
    auto more = scan(info, plan,
                     [&](const EventBatch& b) {
                       for (const Event& e : b.events()) {
                         const Value* v = b.find(e, field_id("src_endpoint.port"));
                         out.push_back(v ? v->i64 - 1000 : -1);
                       }
                       return true;
                     },
                     stats);
    EXPECT_TRUE(more.ok()) << more.error();
    if (stats_out) *stats_out = stats;
    return out;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

TEST(Segment, RoundTripKeepsEveryEventAndValue) {
  Fixture& f = fixture();
  EXPECT_EQ(f.info.header.events, 50'000u);
  EXPECT_EQ(f.info.header.wal_first, 3u);
  EXPECT_EQ(f.info.header.wal_last, 4u);
  EXPECT_EQ(f.info.footer->partition.name(), "acme/2025-11-22/3002/syslog-udp");
  EXPECT_EQ(f.info.footer->blocks.size(), 4u);
  size_t n = 0;
  Plan plan{ScanRequest{}};
  ScanStats stats;
  ASSERT_TRUE(scan(f.info, plan,
                   [&](const EventBatch& b) {
                     for (const Event& e : b.events()) {
                       const Event& want = f.batch[n];
                       EXPECT_EQ(e.time, want.time);
                       EXPECT_EQ(e.receive_time, want.receive_time);
                       EXPECT_EQ(e.raw, want.raw);
                       EXPECT_EQ(e.source, want.source);
                       EXPECT_EQ(e.input, "syslog-udp");
                       EXPECT_EQ(e.tenant, "acme");
                       EXPECT_EQ(e.flags, want.flags);
                       EXPECT_EQ(e.parse_error, want.parse_error);
                       auto got = b.fields(e);
                       auto exp = f.batch.fields(want);
                       EXPECT_EQ(got.size(), exp.size());
                       for (size_t k = 0; k < std::min(got.size(), exp.size()); ++k) {
                         EXPECT_EQ(got[k].id, exp[k].id);
                         EXPECT_EQ(got[k].value.to_string(), exp[k].value.to_string());
                       }
                       ++n;
                     }
                     return true;
                   },
                   stats)
                  .ok());
  EXPECT_EQ(n, 50'000u);
  // Compact: far smaller than the raw text.
  size_t raw = 0;
  for (const Event& e : f.batch.events()) raw += e.raw.size();
  EXPECT_LT(f.built.bytes.size() * 5, raw);
}

TEST(Segment, NeedleReadsOnlyTheBlockThatHoldsIt) {
  Fixture& f = fixture();
  ScanRequest r;
  r.terms = {"needle-7f3a9c"};
  ScanStats st;
  auto ids = f.ids(r, &st);
  // The store returns the block's rows; the matcher picks the one. The index skips the rest.
  EXPECT_NE(std::find(ids.begin(), ids.end(), 31337), ids.end());
  EXPECT_EQ(st.blocks_skipped_index, 3u);
  r.terms = {"needle-7f3a9d"};
  EXPECT_TRUE(f.ids(r, &st).empty());
  EXPECT_EQ(st.blocks_skipped_index, 4u);
  EXPECT_EQ(st.rows_read, 0u);
}

TEST(Segment, ConditionsPruneByStatisticsAndFilterRows) {
  Fixture& f = fixture();
  ScanRequest r;
  FieldCondition port{.field = "src_endpoint.port", .op = FieldCondition::Op::IntRange};
  port.int_lo = port.int_hi = 1000 + 40'000;
  r.conditions = {port};
  ScanStats st;
  EXPECT_EQ(f.ids(r, &st), std::vector<int64_t>{40'000});
  EXPECT_EQ(st.blocks_skipped_stats, 3u);

  FieldCondition user{.field = "actor.user.name", .op = FieldCondition::Op::StringEq, .text = "USER42"};
  r.conditions = {user};
  auto ids = f.ids(r);
  EXPECT_EQ(ids.size(), 100u);  // every 500th event
  for (int64_t id : ids) EXPECT_EQ(id % 500, 42);

  FieldCondition net{.field = "src_endpoint.ip", .op = FieldCondition::Op::IpRange};
  net.ip_lo = IpAddress::v4(10, 0, 255, 0);
  net.ip_hi = IpAddress::v4(10, 0, 255, 255);
  r.conditions = {net};
  EXPECT_EQ(f.ids(r).size(), 195u);  // i % 256 == 255 below 50,000

  FieldCondition missing{.field = "no.such.field", .op = FieldCondition::Op::Exists};
  r.conditions = {missing};
  EXPECT_TRUE(f.ids(r, &st).empty());
  EXPECT_EQ(st.blocks_skipped_stats, 4u);
}

TEST(Segment, TimeRangeAndProjection) {
  Fixture& f = fixture();
  ScanRequest r;
  r.from = kT0 + 20'000'000;
  r.to = kT0 + 20'002'000;
  r.all_fields = false;
  r.fields = {"src_endpoint.port"};
  r.raw = false;
  ScanStats st;
  size_t fields = 0;
  Plan plan(r);
  std::vector<int64_t> ids;
  ASSERT_TRUE(scan(f.info, plan,
                   [&](const EventBatch& b) {
                     for (const Event& e : b.events()) {
                       fields += b.fields(e).size();
                       EXPECT_TRUE(e.raw.empty());
                       ids.push_back(b.find(e, field_id("src_endpoint.port"))->i64 - 1000);
                     }
                     return true;
                   },
                   st)
                  .ok());
  EXPECT_EQ(ids, (std::vector<int64_t>{20'000, 20'001, 20'002}));
  EXPECT_EQ(fields, 3u);
  EXPECT_EQ(st.blocks_skipped_time, 3u);
}

TEST(Segment, DamageIsAClearErrorNeverACrash) {
  Fixture& f = fixture();
  const std::string& good = f.built.bytes;
  EXPECT_NE(parse(good.substr(0, 50), "x.vseg", 1).error().find("shorter than its header"), std::string::npos);
  EXPECT_NE(parse(good.substr(0, good.size() - 1), "x.vseg", 1).error().find("header says"), std::string::npos);
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_NE(parse(bad_magic, "x.vseg", 1).error().find("bad magic"), std::string::npos);
  std::string footer = good;
  footer[footer.size() - 3] ^= 0x40;
  EXPECT_NE(parse(footer, "x.vseg", 1).error().find("footer checksum"), std::string::npos);

  // A flipped byte in a column chunk: the scan names the block and column.
  std::string body = good;
  const ChunkMeta& ch = f.info.footer->columns[3].chunks[1];  // @raw, block 1
  body[ch.offset + 10] ^= 0x01;
  auto info = parse(body, "x.vseg", 1);
  ASSERT_TRUE(info.ok());
  info->bytes = std::make_shared<const std::string>(body);
  Plan plan{ScanRequest{}};
  ScanStats st;
  auto r = scan(*info, plan, [](const EventBatch&) { return true; }, st);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("block 1 column @raw: checksum mismatch"), std::string::npos) << r.error();

  std::mt19937 rng(1);
  for (int i = 0; i < 300; ++i) {
    std::string b = good;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    auto p = parse(b, "x.vseg", 1);
    if (!p.ok()) continue;
    p->bytes = std::make_shared<const std::string>(b);
    (void)scan(*p, plan, [](const EventBatch&) { return true; }, st);
  }
}

}  // namespace
}  // namespace vigil::segment
