// Store behaviour while running: round trips, pruning, group commit, sealing, the
// LOCK file and read-only opens.
#include "store/store.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "store_test_util.h"

namespace vigil::testing {
namespace {

TEST(Store, AppendThenScanRoundTrip) {
  TempDir dir;
  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok()) << store.error();
  EventBatch b = make_batch(0, 3, 1000);
  b.begin_event({.receive_time = 7, .raw = "raw bytes\n\x01", .source = "10.0.0.1:514", .input = "syslog-udp"});
  b.add_string(field_id("actor.user.name"), "alice");
  b.add_int(id_field(), 3);
  b.set_parse_error("no header");
  b.end_event();
  ASSERT_TRUE((*store)->append_sync(std::move(b)).ok());

  int batches = 0;
  ASSERT_TRUE((*store)
                  ->scan(kMinTime, kMaxTime,
                         [&](const EventBatch& got) {
                           ++batches;
                           EXPECT_EQ(got.size(), 4u);
                           const Event& e = got[3];
                           EXPECT_EQ(e.raw, "raw bytes\n\x01");
                           EXPECT_EQ(e.source, "10.0.0.1:514");
                           EXPECT_EQ(e.input, "syslog-udp");
                           EXPECT_EQ(e.parse_error, "no header");
                           EXPECT_EQ(got.find(e, field_id("actor.user.name"))->to_string(), "alice");
                           return true;
                         })
                  .ok());
  EXPECT_EQ(batches, 1);
  auto st = (*store)->stats();
  EXPECT_EQ(st.events_appended, 4u);
  EXPECT_EQ(st.batches_appended, 1u);
  EXPECT_EQ(st.memory_events, 4u);
  EXPECT_EQ(st.wal_syncs, 1u);
  EXPECT_GT(st.wal_bytes, 0u);

  // The same after a seal: the events now come out of segment files, one per
  // partition (input "test" and input "syslog-udp"), with every part intact.
  ASSERT_TRUE((*store)->flush().ok());
  auto ids = scan_ids(**store);
  EXPECT_EQ(ids, (std::map<int64_t, int>{{0, 1}, {1, 1}, {2, 1}, {3, 1}}));
  int found = 0;
  ASSERT_TRUE((*store)
                  ->scan(kMinTime, kMaxTime,
                         [&](const EventBatch& got) {
                           for (const Event& e : got.events()) {
                             if (e.input != "syslog-udp") continue;
                             ++found;
                             EXPECT_EQ(e.raw, "raw bytes\n\x01");
                             EXPECT_EQ(e.source, "10.0.0.1:514");
                             EXPECT_EQ(e.receive_time, 7);
                             EXPECT_EQ(e.tenant, "default");
                             EXPECT_EQ(e.parse_error, "no header");
                             EXPECT_TRUE(e.flags & kFlagParseError);
                             EXPECT_EQ(got.find(e, field_id("actor.user.name"))->to_string(), "alice");
                           }
                           return true;
                         })
                  .ok());
  EXPECT_EQ(found, 1);
  st = (*store)->stats();
  EXPECT_EQ(st.segments, 2u);
  EXPECT_EQ(st.segment_events, 4u);
  EXPECT_EQ(st.memory_events, 0u);
  EXPECT_EQ(st.wal_bytes, 0u);
}

TEST(Store, EmptyBatchIsAcknowledgedAndStoresNothing) {
  TempDir dir;
  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->append_sync(EventBatch()).ok());
  EXPECT_EQ((*store)->stats().batches_appended, 0u);
  EXPECT_TRUE((*store)->flush().ok());
  EXPECT_EQ((*store)->stats().segments, 0u);
}

TEST(Store, ScanSkipsBatchesAndSegmentsOutsideTheTimeRange) {
  TempDir dir;
  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  // Segment 1 holds two batches [1000,1099] and [3000,3099]; segment 2 [5000,5099];
  // the in-memory part [9000,9099].
  ASSERT_TRUE(s.append_sync(make_batch(0, 100, 1000)).ok());
  ASSERT_TRUE(s.append_sync(make_batch(100, 100, 3000)).ok());
  ASSERT_TRUE(s.flush().ok());
  ASSERT_TRUE(s.append_sync(make_batch(200, 100, 5000)).ok());
  ASSERT_TRUE(s.flush().ok());
  ASSERT_TRUE(s.append_sync(make_batch(300, 100, 9000)).ok());
  ASSERT_EQ(s.stats().segments, 2u);

  // Sealed events come filtered to the range; the in-memory part as appended.
  auto visited = [&](TimeNs from, TimeNs to, ScanStats* stats = nullptr) {
    std::vector<TimeNs> firsts;
    ScanRequest r;
    r.from = from;
    r.to = to;
    EXPECT_TRUE(s.scan(r,
                       [&](const EventBatch& b) {
                         firsts.push_back(b.min_time());
                         return true;
                       },
                       stats)
                    .ok());
    return firsts;
  };
  EXPECT_EQ(visited(kMinTime, kMaxTime), (std::vector<TimeNs>{1000, 5000, 9000}));
  EXPECT_EQ(visited(0, 999), std::vector<TimeNs>{});
  ScanStats st;
  EXPECT_EQ(visited(3050, 3050, &st), std::vector<TimeNs>{3050});
  EXPECT_EQ(st.segments_skipped, 1u);  // [5000,5099]
  EXPECT_EQ(st.rows_returned, 1u);
  EXPECT_EQ(visited(5099, 9000), (std::vector<TimeNs>{5099, 9000}));
  EXPECT_EQ(visited(1099, 1099), std::vector<TimeNs>{1099});
  EXPECT_EQ(visited(9100, kMaxTime), std::vector<TimeNs>{});

  // A visitor that returns false stops the scan.
  int calls = 0;
  EXPECT_TRUE(s.scan(kMinTime, kMaxTime, [&](const EventBatch&) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);
}

TEST(Store, ConcurrentAppendersShareSyncsAndLoseNothing) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.seal_events = 500;  // seals happen while appenders run
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok());
  constexpr int kThreads = 8, kBatchesPerThread = 60, kEvents = 10;

  std::mutex mu;
  std::condition_variable cv;
  int pending = kThreads * kBatchesPerThread, failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBatchesPerThread; ++i) {
        int64_t first = (int64_t{t} * kBatchesPerThread + i) * kEvents;
        (*store)->append(make_batch(first, kEvents, 1000 + first), [&](const Status& s) {
          std::lock_guard lk(mu);
          if (!s.ok()) ++failures;
          if (--pending == 0) cv.notify_all();
        });
        if (i % 10 == 0) std::this_thread::yield();
      }
    });
  }
  for (auto& th : threads) th.join();
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return pending == 0; });
  }
  EXPECT_EQ(failures, 0);
  ASSERT_TRUE((*store)->append_sync(make_batch(-10, 10, 0)).ok());
  EXPECT_TRUE(eventually([&] { return (*store)->stats().segments >= 1; }));
  auto st = (*store)->stats();
  EXPECT_EQ(st.batches_appended, uint64_t{kThreads * kBatchesPerThread + 1});
  EXPECT_LT(st.wal_syncs, st.batches_appended) << "no two appends shared an fsync";
  EXPECT_EQ(st.segment_events + st.memory_events, uint64_t{(kThreads * kBatchesPerThread + 1) * kEvents});
  std::printf("%llu batches, %llu WAL syncs, %llu segments\n", (unsigned long long)st.batches_appended,
              (unsigned long long)st.wal_syncs, (unsigned long long)st.segments);

  auto ids = scan_ids(**store);
  ASSERT_EQ(ids.size(), size_t{(kThreads * kBatchesPerThread + 1) * kEvents});
  for (const auto& [id, n] : ids) ASSERT_EQ(n, 1) << "id " << id;
}

TEST(Store, ScanSeesEveryAcknowledgedBatchWhileAppendsContinue) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.seal_events = 500;
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok());
  std::atomic<int64_t> acked{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int64_t i = 0; !stop; ++i) {
      ASSERT_TRUE((*store)->append_sync(make_batch(i * 10, 10, i * 10)).ok());
      acked = (i + 1) * 10;
    }
  });
  for (int round = 0; round < 30; ++round) {
    int64_t before = acked;
    auto ids = scan_ids(**store);
    for (int64_t id = 0; id < before; ++id) ASSERT_EQ(ids[id], 1) << "id " << id << " round " << round;
  }
  stop = true;
  writer.join();
}

TEST(Store, SealsByEventCount) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.seal_events = 100;
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*store)->append_sync(make_batch(i * 25, 25, i * 25)).ok());
  ASSERT_TRUE((*store)->append_sync(make_batch(250, 1, 250)).ok());
  EXPECT_TRUE(eventually([&] { return (*store)->stats().memory_events < 100; }));
  auto st = (*store)->stats();
  EXPECT_GE(st.segments, 2u);
  EXPECT_EQ(st.segment_events + st.memory_events, 251u);
  EXPECT_EQ(scan_ids(**store).size(), 251u);
  // Sealed WAL files are gone: what is left is the current file only.
  EXPECT_TRUE(eventually([&] { return files_in(dir.path / "wal", ".log").size() == 1; }));
  EXPECT_EQ(files_in(dir.path / "segments", ".vseg").size(), st.segments);
}

TEST(Store, SealsByBytesAndByAge) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  o.seal_bytes = 2000;
  {
    auto store = Store::open(o);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->append_sync(make_batch(0, 100, 0)).ok());  // > 2000 bytes encoded
    EXPECT_TRUE(eventually([&] { return (*store)->stats().segments == 1; }));
  }
  TempDir dir2;
  o.dir = dir2.path;
  o.seal_bytes = 64u << 20;
  o.seal_interval = std::chrono::milliseconds(50);
  auto store = Store::open(o);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->append_sync(make_batch(0, 5, 0)).ok());
  EXPECT_TRUE(eventually([&] { return (*store)->stats().segments == 1; }));
  EXPECT_EQ((*store)->stats().memory_events, 0u);
}

TEST(Store, SecondWriterIsRefusedWithThePid) {
  TempDir dir;
  auto first = open_store(dir.path);
  ASSERT_TRUE(first.ok()) << first.error();
  auto second = open_store(dir.path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), "data directory " + dir.path.string() + " is in use by another Vigil process (pid " +
                                std::to_string(::getpid()) + ")");
  first->reset();  // closing releases the lock
  auto third = open_store(dir.path);
  EXPECT_TRUE(third.ok()) << third.error();
}

TEST(Store, LockIsReleasedWhenTheHolderDies) {
  TempDir dir;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = open_store(dir.path);
    ::_exit(s.ok() ? 0 : 1);  // no destructor: the kernel drops the flock with the process
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(fs::exists(dir.path / "LOCK"));
  auto s = open_store(dir.path);
  EXPECT_TRUE(s.ok()) << s.error();
}

TEST(Store, ReadOnlyBesideAWriterSeesAcknowledgedData) {
  TempDir dir;
  StoreOptions o = options_for(dir.path);
  auto writer = Store::open(o);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->append_sync(make_batch(0, 10, 0)).ok());
  ASSERT_TRUE((*writer)->flush().ok());
  ASSERT_TRUE((*writer)->append_sync(make_batch(10, 10, 10)).ok());

  auto reader = open_store(dir.path, /*read_only=*/true);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ(scan_ids(**reader).size(), 20u);
  auto st = (*reader)->stats();
  EXPECT_EQ(st.segments, 1u);
  EXPECT_EQ(st.replayed_events, 10u);

  // A read-only store is a snapshot of open time, and never writes.
  ASSERT_TRUE((*writer)->append_sync(make_batch(20, 10, 20)).ok());
  EXPECT_EQ(scan_ids(**reader).size(), 20u);
  EXPECT_FALSE((*reader)->append_sync(make_batch(99, 1, 0)).ok());
  EXPECT_FALSE((*reader)->flush().ok());
  ASSERT_TRUE((*writer)->flush().ok());
  auto fresh = open_store(dir.path, true);
  ASSERT_TRUE(fresh.ok());
  auto ids = scan_ids(**fresh);
  EXPECT_EQ(ids.size(), 30u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

TEST(Store, ReadOnlyOpenWritesNothing) {
  TempDir dir;
  EXPECT_FALSE(open_store(dir.path / "missing", true).ok());
  EXPECT_FALSE(fs::exists(dir.path / "missing"));
  auto ro = open_store(dir.path, true);  // an empty directory is an empty store
  ASSERT_TRUE(ro.ok()) << ro.error();
  EXPECT_TRUE(scan_ids(**ro).empty());
  ro->reset();
  EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(Store, DestructorFinishesQueuedAppends) {
  TempDir dir;
  std::atomic<int> acked{0};
  {
    auto store = open_store(dir.path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 50; ++i) {
      (*store)->append(make_batch(i * 10, 10, i), [&](const Status& s) {
        if (s.ok()) ++acked;
      });
    }
  }
  EXPECT_EQ(acked, 50);
  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(scan_ids(**store).size(), 500u);
}

}  // namespace
}  // namespace vigil::testing
