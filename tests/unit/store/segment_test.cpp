// Segments: a round trip of every kind of value, pruning by time, token index and
// statistics, projection, and clear errors for damaged files.
#include "store/segment.h"

#include <gtest/gtest.h>

#include <algorithm>
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
      const size_t pid = r.find('[') + 1;  // distinct in every event: stored as a slice of the raw text
      batch.add_string_ref(field_id("process.pid_text"), r.substr(pid, r.find(']') - pid));
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

// Every event of a segment as text (time, raw, provenance, fields in order), sorted.
std::vector<std::string> event_texts(const Info& info) {
  std::vector<std::string> out;
  Plan plan{ScanRequest{}};
  ScanStats stats;
  auto more = scan(info, plan,
                   [&](const EventBatch& b) {
                     for (const Event& e : b.events()) {
                       std::string t = std::to_string(e.time) + "|" + std::to_string(e.receive_time) + "|" +
                                       std::string(e.raw) + "|" + std::string(e.source) + "|" +
                                       std::to_string(e.flags) + "|" + std::string(e.parse_error);
                       for (const Field& f : b.fields(e)) t += "|" + std::string(field_name(f.id)) + "=" + f.value.to_string();
                       out.push_back(std::move(t));
                     }
                     return true;
                   },
                   stats);
  EXPECT_TRUE(more.ok()) << more.error();
  std::sort(out.begin(), out.end());
  return out;
}

Info parsed(const Built& built, uint64_t seq) {
  auto info = parse(built.bytes, "mem.vseg", seq);
  EXPECT_TRUE(info.ok()) << info.error();
  info->bytes = std::make_shared<const std::string>(built.bytes);
  return std::move(*info);
}

// Three segments of the fixture's events: A (events 0-19999: a full block and a small
// one), B (20000-20999: one small block), C (the rest: two blocks worth copying).
TEST(SegmentMerge, CopiesFullBlocksRebuildsSmallOnesAndKeepsEveryEvent) {
  Fixture& f = fixture();
  PartitionKey key = f.info.footer->partition;
  auto part = [&](uint32_t from, uint32_t to, uint64_t wal) {
    std::vector<Row> rows(f.rows.begin() + from, f.rows.begin() + to);
    return parsed(build(key, rows, wal, wal), wal);
  };
  Info a = part(0, 20'000, 5), b = part(20'000, 21'000, 6), c = part(21'000, 50'000, 7);
  const Info* parts[] = {&c, &a, &b};  // any order
  auto merged = merge(parts);
  ASSERT_TRUE(merged.ok()) << merged.error();
  Info m = parsed(*merged, 8);

  EXPECT_EQ(m.header.events, 50'000u);
  EXPECT_EQ(m.header.wal_first, 5u);
  EXPECT_EQ(m.header.wal_last, 7u);
  EXPECT_EQ(m.header.min_time, f.info.header.min_time);
  EXPECT_EQ(m.header.max_time, f.info.header.max_time);
  EXPECT_EQ(event_texts(m), event_texts(f.info));

  // C's two blocks and A's first are copied; A's 3616 rows and B's 1000 make one block.
  std::vector<uint32_t> block_rows;
  for (const BlockMeta& bm : m.footer->blocks) block_rows.push_back(bm.rows);
  EXPECT_EQ(block_rows, (std::vector<uint32_t>{16384, 12616, 16384, 4616}));
  // Nothing got bigger: copied chunks are the same bytes, and the rebuilt block keeps
  // the pids as references into the raw text.
  EXPECT_LE(merged->bytes.size(), a.file_bytes + b.file_bytes + c.file_bytes);
  bool pid_column = false;
  for (const ColumnMeta& col : m.footer->columns) {
    if (col.name != "process.pid_text") continue;
    pid_column = true;
    for (const ChunkMeta& ch : col.chunks) EXPECT_TRUE(ch.uses_raw);
  }
  EXPECT_TRUE(pid_column);
  // The copied token filters still find the needle (event 31337, in C).
  ScanRequest needle;
  needle.terms = {"needle-7f3a9c"};
  Plan plan(needle);
  ScanStats st;
  size_t found = 0;
  ASSERT_TRUE(scan(m, plan, [&](const EventBatch& batch) { found += batch.size(); return true; }, st).ok());
  EXPECT_GT(found, 0u);
  EXPECT_EQ(st.blocks_skipped_index, 3u);

  // A damaged chunk of a block to copy stops the merge with the reason.
  std::string damaged = *c.bytes;
  damaged[c.footer->columns[3].chunks[0].offset + 5] ^= 0x10;
  Info bad = c;
  bad.bytes = std::make_shared<const std::string>(damaged);
  const Info* with_bad[] = {&a, &bad};
  auto refused = merge(with_bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("block 0 column @raw: checksum mismatch"), std::string::npos) << refused.error();
}

}  // namespace
}  // namespace vigil::segment
