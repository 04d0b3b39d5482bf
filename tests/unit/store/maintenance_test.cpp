// Background maintenance of the store: merging small segments, retention dropping
// whole partitions, legal holds keeping them, and the manifest recording each so that
// verify tells them from tampering.
#include <gtest/gtest.h>

#include "store/manifest.h"
#include "store/retention.h"
#include "store/store.h"
#include "store_test_util.h"

namespace vigil::testing {
namespace {

constexpr TimeNs kDay = int64_t{86'400} * 1'000'000'000;
const TimeNs kNow = *parse_rfc3339("2026-11-22T12:00:00Z");

// n events of class `cls` at `time`, ids from `first`.
EventBatch class_batch(int64_t first, int n, TimeNs time, int64_t cls) {
  EventBatch b;
  for (int i = 0; i < n; ++i) {
    b.begin_event({.receive_time = time, .raw = "event " + std::to_string(first + i), .input = "syslog-udp"});
    b.set_time(time + i);
    b.add_int(id_field(), first + i);
    b.add_int(field_id("class_uid"), cls);
    b.end_event();
  }
  return b;
}

manifest::VerifyReport verified(const fs::path& dir) {
  auto r = manifest::verify(dir, std::nullopt);
  EXPECT_TRUE(r.ok()) << r.error();
  for (const auto& p : r->problems) ADD_FAILURE() << "verify: " << p;
  return r.ok() ? *r : manifest::VerifyReport{};
}

TEST(Maintenance, MergesSmallSegmentsOfAPartitionKeepingEveryEvent) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.maintenance_interval = std::chrono::hours(1);  // only when asked
  TimeNs now = kNow;
  o.clock = [&now] { return now; };
  {
    auto store = Store::open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    for (int i = 0; i < 6; ++i) {  // six seals of one partition, two of another
      ASSERT_TRUE((*store)->append_sync(class_batch(i * 100, 100, kNow, 3002)).ok());
      if (i < 2) {
        ASSERT_TRUE((*store)->append_sync(class_batch(10'000 + i * 100, 100, kNow, 4001)).ok());
      }
      ASSERT_TRUE((*store)->flush().ok());
    }
    EXPECT_EQ((*store)->stats().segments, 8u);
    // Today, with fewer than min_segments (8) small segments per partition: not yet.
    ASSERT_TRUE((*store)->maintain().ok());
    EXPECT_EQ((*store)->stats().segments, 8u);
    // Once the day is over, any two small segments of a partition are merged.
    now = kNow + 2 * kDay;
    ASSERT_TRUE((*store)->maintain().ok());
    auto st = (*store)->stats();
    EXPECT_EQ(st.segments, 2u);
    EXPECT_EQ(st.merges, 2u);
    EXPECT_EQ(st.segments_merged, 8u);
    auto ids = scan_ids(**store);
    EXPECT_EQ(ids.size(), 800u);
    for (const auto& [id, n] : ids) ASSERT_EQ(n, 1) << id;
  }
  // Reopened: the same, the replaced files are gone, and verify lists the merges.
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(scan_ids(**store).size(), 800u);
  EXPECT_EQ(files_in(dir.path / "segments", ".vseg").size(), 2u);
  store->reset();
  auto report = verified(dir.path);
  EXPECT_EQ(report.segments_checked, 2u);
  EXPECT_EQ(report.retention.size(), 8u);
  for (const auto& r : report.retention) EXPECT_NE(r.find("merged into"), std::string::npos) << r;
}

TEST(Maintenance, RetentionDropsExpiredPartitionsUnlessHeld) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.maintenance_interval = std::chrono::hours(1);
  o.clock = [] { return kNow; };
  RetentionPolicy network{.name = "network flows", .category_uids = {4}, .days = 30};
  RetentionPolicy auth{.name = "authentication", .class_uids = {3002}, .days = 400};
  o.retention.policies = {network, auth};
  o.retention.default_days = 90;
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok()) << store.error();
  // Network flows 40 and 10 days old; authentication 100 days old; a process event
  // (default 90 days) 100 days old, under a legal hold.
  ASSERT_TRUE((*store)->append_sync(class_batch(0, 10, kNow - 40 * kDay, 4001)).ok());
  ASSERT_TRUE((*store)->append_sync(class_batch(100, 10, kNow - 10 * kDay, 4001)).ok());
  ASSERT_TRUE((*store)->append_sync(class_batch(200, 10, kNow - 100 * kDay, 3002)).ok());
  ASSERT_TRUE((*store)->append_sync(class_batch(300, 10, kNow - 100 * kDay, 1007)).ok());
  ASSERT_TRUE((*store)->append_sync(class_batch(400, 10, kNow - 120 * kDay, 1007)).ok());
  ASSERT_TRUE((*store)->flush().ok());
  ASSERT_EQ((*store)->stats().segments, 5u);
  LegalHold hold{.id = "case-17", .reason = "incident 17", .tenant = "*", .from = kNow - 101 * kDay,
                 .to = kNow - 99 * kDay};
  ASSERT_TRUE(add_hold(dir.path, hold).ok());

  ASSERT_TRUE((*store)->maintain().ok());
  auto ids = scan_ids(**store);
  auto has = [&](int64_t id) { return ids.count(id) == 1; };
  EXPECT_FALSE(has(0));   // network, 40 days > 30
  EXPECT_TRUE(has(100));  // network, 10 days
  EXPECT_TRUE(has(200));  // authentication, 100 days < 400
  EXPECT_TRUE(has(300));  // process, 100 days > 90, but held
  EXPECT_FALSE(has(400)); // process, 120 days, not held
  auto st = (*store)->stats();
  EXPECT_EQ(st.partitions_dropped, 2u);
  EXPECT_EQ(st.events_dropped, 20u);

  // Releasing the hold lets the next pass drop it.
  ASSERT_TRUE(remove_hold(dir.path, "case-17").ok());
  ASSERT_TRUE((*store)->maintain().ok());
  EXPECT_EQ(scan_ids(**store).count(300), 0u);
  store->reset();

  // Retention deletions are recorded: verify lists them and finds no problem...
  auto report = verified(dir.path);
  EXPECT_EQ(report.retention.size(), 3u);
  bool named = false;
  for (const auto& r : report.retention) named |= r.find("network flows: 30 days") != std::string::npos;
  EXPECT_TRUE(named);
  // ...while deleting a segment by hand is tampering.
  auto segs = files_in(dir.path / "segments", ".vseg");
  ASSERT_FALSE(segs.empty());
  fs::remove(segs.front());
  auto tampered = manifest::verify(dir.path, std::nullopt);
  ASSERT_TRUE(tampered.ok());
  ASSERT_EQ(tampered->problems.size(), 1u);
  EXPECT_NE(tampered->problems[0].find("removed outside retention"), std::string::npos) << tampered->problems[0];
}

TEST(Maintenance, BackpressureBoundsMemory) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.max_memory_bytes = 1 << 20;  // 1 MiB: appends must wait for seals
  o.seal_bytes = 256 << 10;
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok());
  uint64_t peak = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE((*store)->append_sync(class_batch(i * 100, 100, kNow + i, 3002)).ok());
    peak = std::max(peak, (*store)->stats().memory_bytes);
  }
  ASSERT_TRUE((*store)->flush().ok());
  EXPECT_EQ(scan_ids(**store).size(), 20'000u);
  // Bounded: the limit plus what one seal can hold while the next part fills.
  EXPECT_LT(peak, 4u << 20);
}

}  // namespace
}  // namespace vigil::testing
