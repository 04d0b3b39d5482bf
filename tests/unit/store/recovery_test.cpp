// Store recovery at open: WAL replay, torn tails, corruption, crashes between seal
// steps, and a process killed while appending.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>
#include <thread>

#include "store/manifest.h"
#include "store/wal.h"
#include "store_test_util.h"

namespace vigil::testing {
namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_bytes(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Appends three batches of 10 events (ids 0..29) and closes the store; returns the WAL
// file and the offset where each record starts.
fs::path three_batches_in_wal(const fs::path& dir, std::vector<uint64_t>* offsets = nullptr) {
  {
    auto store = open_store(dir);
    EXPECT_TRUE(store.ok()) << store.error();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE((*store)->append_sync(make_batch(i * 10, 10, i * 10)).ok());
  }
  auto wals = files_in(dir / "wal", ".log");
  EXPECT_EQ(wals.size(), 1u);
  if (offsets) {
    std::string data = read_bytes(wals[0]);
    auto r = wal::read_records(data, wals[0], [&](std::string_view, uint64_t off) {
      offsets->push_back(off);
      return Status();
    });
    EXPECT_TRUE(r.ok());
  }
  return wals[0];
}

TEST(Recovery, ReopenReplaysTheWal) {
  TempDir dir;
  three_batches_in_wal(dir.path);
  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_EQ(scan_ids(**store).size(), 30u);
  EXPECT_EQ((*store)->stats().replayed_events, 30u);
  EXPECT_EQ((*store)->stats().memory_events, 30u);
  // Appends after a reopen go to a new WAL file; both replay next time, in order.
  ASSERT_TRUE((*store)->append_sync(make_batch(30, 10, 30)).ok());
  store->reset();
  store = open_store(dir.path);
  ASSERT_TRUE(store.ok());
  auto ids = scan_ids(**store);
  EXPECT_EQ(ids.size(), 40u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  // A seal folds every replayed WAL file into one segment and deletes them.
  ASSERT_TRUE((*store)->flush().ok());
  EXPECT_EQ(files_in(dir.path / "wal", ".log").size(), 1u);
  EXPECT_EQ((*store)->stats().wal_bytes, 0u);
}

TEST(Recovery, ReopeningWithoutAppendsLeavesNoEmptyWalFiles) {
  TempDir dir;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(open_store(dir.path).ok());
  EXPECT_LE(files_in(dir.path / "wal", ".log").size(), 1u);
}

TEST(Recovery, ReopenAfterSealReadsSegments) {
  TempDir dir;
  {
    auto store = open_store(dir.path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->append_sync(make_batch(0, 50, 0)).ok());
    ASSERT_TRUE((*store)->flush().ok());
    ASSERT_TRUE((*store)->append_sync(make_batch(50, 50, 50)).ok());
  }
  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok());
  auto st = (*store)->stats();
  EXPECT_EQ(st.segments, 1u);
  EXPECT_EQ(st.segment_events, 50u);
  EXPECT_EQ(st.replayed_events, 50u);
  auto ids = scan_ids(**store);
  EXPECT_EQ(ids.size(), 100u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

TEST(Recovery, TornTailIsCutWithAWarning) {
  TempDir dir;
  std::vector<uint64_t> offsets;
  fs::path wal = three_batches_in_wal(dir.path, &offsets);
  std::string bytes = read_bytes(wal);
  write_bytes(wal, std::string_view(bytes).substr(0, bytes.size() - 5));  // the last write, half done
  {
    LogCapture log;
    auto store = open_store(dir.path);
    ASSERT_TRUE(store.ok()) << store.error();
    auto ids = scan_ids(**store);
    EXPECT_EQ(ids.size(), 20u);
    EXPECT_EQ(ids.count(25), 0u);
    auto warnings = log.at(spdlog::level::warn);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(wal.string()), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("discarding " + std::to_string(bytes.size() - 5 - offsets[2]) + " bytes at offset " +
                               std::to_string(offsets[2])),
              std::string::npos)
        << warnings[0];
  }
  EXPECT_EQ(fs::file_size(wal), offsets[2]);
  LogCapture log;
  auto store = open_store(dir.path);  // repaired: no warning the second time
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(scan_ids(**store).size(), 20u);
  EXPECT_TRUE(log.at(spdlog::level::warn).empty());
}

TEST(Recovery, GarbledOrZeroFilledTailIsTorn) {
  for (bool zeros : {false, true}) {
    TempDir dir;
    fs::path wal = three_batches_in_wal(dir.path);
    std::string bytes = read_bytes(wal);
    if (zeros) {
      bytes.append(4096, '\0');  // size extended, data never written
    } else {
      for (size_t i = bytes.size() - 3; i < bytes.size(); ++i) bytes[i] = static_cast<char>(~bytes[i]);
    }
    write_bytes(wal, bytes);
    LogCapture log;
    auto store = open_store(dir.path);
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_EQ(scan_ids(**store).size(), zeros ? 30u : 20u);
    EXPECT_EQ(log.at(spdlog::level::warn).size(), 1u);
  }
}

TEST(Recovery, CorruptionBeforeIntactRecordsRefusesToOpen) {
  TempDir dir;
  std::vector<uint64_t> offsets;
  fs::path wal = three_batches_in_wal(dir.path, &offsets);
  std::string bytes = read_bytes(wal);
  bytes[offsets[1] + wal::kHeaderSize + 20] ^= 0x01;  // one bit of the second, acknowledged, batch
  write_bytes(wal, bytes);
  auto store = open_store(dir.path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find("WAL file " + wal.string() + " is corrupt at offset " + std::to_string(offsets[1])),
            std::string::npos)
      << store.error();
  EXPECT_EQ(read_bytes(wal), bytes) << "a refused open must not repair anything";
  EXPECT_FALSE(open_store(dir.path, true).ok());
}

TEST(Recovery, DamagedTailOfAnOlderWalFileRefusesToOpen) {
  TempDir dir;
  fs::path wal = three_batches_in_wal(dir.path);
  {
    auto store = open_store(dir.path);  // starts WAL file 2
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->append_sync(make_batch(30, 10, 30)).ok());
  }
  std::string bytes = read_bytes(wal);
  write_bytes(wal, std::string_view(bytes).substr(0, bytes.size() - 5));
  auto store = open_store(dir.path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find(wal.string()), std::string::npos) << store.error();
}

TEST(Recovery, CrashBetweenSegmentWriteAndWalDeletionDuplicatesNothing) {
  TempDir dir;
  TempDir saved;
  {
    auto store = open_store(dir.path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*store)->append_sync(make_batch(i * 10, 10, i)).ok());
    // Acknowledged, so the WAL file is complete: keep a copy as the crash would leave it.
    for (const auto& f : files_in(dir.path / "wal", ".log")) fs::copy_file(f, saved.path / f.filename());
    ASSERT_TRUE((*store)->flush().ok());
    ASSERT_TRUE((*store)->append_sync(make_batch(30, 10, 3)).ok());
  }
  for (const auto& f : files_in(saved.path, ".log")) fs::copy_file(f, dir.path / "wal" / f.filename());
  write_bytes(dir.path / "segments" / "0000000000000002.seg.tmp", "half a segment");

  for (bool read_only : {true, false}) {
    auto store = open_store(dir.path, read_only);
    ASSERT_TRUE(store.ok()) << store.error();
    auto ids = scan_ids(**store);
    EXPECT_EQ(ids.size(), 40u);
    for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << "id " << id << (read_only ? " read-only" : "");
  }
  // The writer open cleaned up: the covered WAL file and the temp file are gone.
  for (const auto& f : files_in(saved.path, ".log")) EXPECT_FALSE(fs::exists(dir.path / "wal" / f.filename()));
  EXPECT_TRUE(files_in(dir.path / "segments", ".tmp").empty());
}

TEST(Recovery, DamagedSegmentRefusesToOpen) {
  TempDir dir;
  {
    auto store = open_store(dir.path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->append_sync(make_batch(0, 10, 0)).ok());
    ASSERT_TRUE((*store)->flush().ok());
  }
  auto seg = files_in(dir.path / "segments", ".vseg").at(0);
  std::string bytes = read_bytes(seg);
  bytes[20] ^= 1;  // the event count, under the header checksum
  write_bytes(seg, bytes);
  auto store = open_store(dir.path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find(seg.string()), std::string::npos) << store.error();
}

// A child appends from several threads and reports each acknowledged batch through a
// pipe; the parent SIGKILLs it mid-stream (seals included), reopens, and checks that
// every acknowledged event is there exactly once.
TEST(Recovery, KilledWriterLosesNoAcknowledgedEvent) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    StoreOptions o = options_for(dir.path);
    o.seal_events = 400;
    spdlog::set_level(spdlog::level::warn);
    auto store = Store::open(o);
    if (!store.ok()) ::_exit(2);
    std::atomic<int64_t> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (;;) {
          int64_t first = next.fetch_add(10);
          if (!(*store)->append_sync(make_batch(first, 10, first)).ok()) ::_exit(3);
          if (::write(fds[1], &first, sizeof first) != sizeof first) ::_exit(4);
        }
      });
    }
    for (auto& t : threads) t.join();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::set<int64_t> acked;
  auto read_one = [&] {
    int64_t first;
    ssize_t n = ::read(fds[0], &first, sizeof first);
    if (n == sizeof first) acked.insert(first);
    return n > 0;
  };
  while (acked.size() < 300 && read_one()) {
  }
  ::kill(pid, SIGKILL);
  while (read_one()) {  // acks written before the kill
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
  ASSERT_GE(acked.size(), 300u);

  auto store = open_store(dir.path);
  ASSERT_TRUE(store.ok()) << store.error();
  auto ids = scan_ids(**store);
  for (const auto& [id, n] : ids) ASSERT_EQ(n, 1) << "id " << id << " stored twice";
  for (int64_t first : acked) {
    for (int64_t id = first; id < first + 10; ++id) ASSERT_EQ(ids.count(id), 1u) << "acknowledged id " << id << " lost";
  }
  auto st = (*store)->stats();
  EXPECT_GE(st.segments, 1u);
  std::printf("acked %zu batches, found %zu events (%llu in segments, %llu replayed)\n", acked.size(), ids.size(),
              (unsigned long long)st.segment_events, (unsigned long long)st.replayed_events);
  // Whatever the kill interrupted, what the manifest records is intact.
  store->reset();
  auto report = manifest::verify(dir.path, std::nullopt);
  ASSERT_TRUE(report.ok()) << report.error();
  for (const auto& p : report->problems) ADD_FAILURE() << p;
  EXPECT_EQ(report->segments_checked, st.segments);
}

}  // namespace
}  // namespace vigil::testing
