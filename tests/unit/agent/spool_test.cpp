// The agent's spool on real files: redelivery after restarts, acks, seqs that never
// come back, the cap's drop-oldest policy, torn and flipped records, and a writer
// killed with SIGKILL in the middle of appends.
#include "agent/spool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace vigil {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() / ("vigil-spool-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter++) + "-" + (info ? info->name() : "x"));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string payload_for(uint64_t i, size_t size = 40) {
  std::string p = "batch #" + std::to_string(i) + " ";
  while (p.size() < size) p.push_back(static_cast<char>('a' + (p.size() + i) % 26));
  return p;
}
uint32_t events_for(uint64_t i) { return static_cast<uint32_t>(i % 5 + 1); }

std::unique_ptr<Spool> open_or_die(const SpoolOptions& o) {
  auto s = Spool::open(o);
  EXPECT_TRUE(s.ok()) << s.error();
  return s.ok() ? std::move(*s) : nullptr;
}

std::vector<SpooledBatch> drain(Spool& spool) {
  std::vector<SpooledBatch> out;
  uint64_t after = 0;
  for (;;) {
    auto b = spool.next_after(after);
    EXPECT_TRUE(b.ok()) << b.error();
    if (!b.ok() || !b->has_value()) return out;
    after = (*b)->seq;
    out.push_back(std::move(**b));
  }
}

std::vector<uint64_t> seqs_of(const std::vector<SpooledBatch>& v) {
  std::vector<uint64_t> s;
  for (const auto& b : v) s.push_back(b.seq);
  return s;
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("spool-")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

TEST(SpoolSegment, RoundTripAndGarbage) {
  std::string seg;
  for (uint64_t i = 1; i <= 3; ++i) append_spool_record(seg, i, events_for(i), payload_for(i));
  auto c = read_spool_segment(seg);
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_TRUE(c.damage.empty());
  EXPECT_EQ(c.records[1].seq, 2u);
  EXPECT_EQ(c.records[1].events, events_for(2));
  EXPECT_EQ(c.records[1].offset, kSpoolRecordHeader + payload_for(1).size());
  EXPECT_EQ(seg.substr(c.records[2].offset + kSpoolRecordHeader, c.records[2].length), payload_for(3));

  // Garbage between records 2 and 3: the third is found again after it.
  std::string with_gap = seg;
  with_gap.insert(c.records[2].offset, "garbage in the middle");
  auto g = read_spool_segment(with_gap);
  ASSERT_EQ(g.records.size(), 3u);
  ASSERT_EQ(g.damage.size(), 1u);
  EXPECT_EQ(g.damage[0].bytes, std::strlen("garbage in the middle"));
  EXPECT_FALSE(g.damage[0].at_tail);

  // A record whose seq does not rise is not trusted.
  std::string replay = seg;
  append_spool_record(replay, 2, 1, "replayed seq");
  auto r = read_spool_segment(replay);
  EXPECT_EQ(r.records.size(), 3u);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_TRUE(r.damage[0].at_tail);

  auto junk = read_spool_segment(std::string(100, '\0'));
  EXPECT_TRUE(junk.records.empty());
  ASSERT_EQ(junk.damage.size(), 1u);
  EXPECT_EQ(junk.damage[0].bytes, 100u);
}

TEST(Spool, AppendRestartRedeliversInOrder) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool", .segment_bytes = 200};  // several segments
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (uint64_t i = 1; i <= 10; ++i) {
      auto seq = s->append(payload_for(i), events_for(i));
      ASSERT_TRUE(seq.ok()) << seq.error();
      EXPECT_EQ(*seq, i);
    }
    EXPECT_GT(segment_files(o.dir).size(), 1u);
  }
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  auto got = drain(*s);
  ASSERT_EQ(got.size(), 10u);
  uint64_t events = 0;
  for (uint64_t i = 1; i <= 10; ++i) {
    EXPECT_EQ(got[i - 1].seq, i);
    EXPECT_EQ(got[i - 1].payload, payload_for(i));
    EXPECT_EQ(got[i - 1].events, events_for(i));
    events += events_for(i);
  }
  SpoolStats st = s->stats();
  EXPECT_EQ(st.batches_waiting, 10u);
  EXPECT_EQ(st.events_waiting, events);
  EXPECT_EQ(st.next_seq, 11u);
  EXPECT_EQ(st.corrupt_records, 0u);
  uint64_t on_disk = 0;
  for (const auto& f : segment_files(o.dir)) on_disk += fs::file_size(f);
  EXPECT_EQ(st.bytes_on_disk, on_disk);
  EXPECT_EQ(on_disk, 10 * (kSpoolRecordHeader + 40));
}

TEST(Spool, AckedBatchesAreNotRedelivered) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool", .segment_bytes = 200};
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (uint64_t i = 1; i <= 8; ++i) ASSERT_TRUE(s->append(payload_for(i), 1).ok());
    auto first = s->oldest();
    ASSERT_TRUE(first.ok() && first->has_value());
    EXPECT_EQ((*first)->seq, 1u);
    ASSERT_TRUE(s->ack(5).ok());
    ASSERT_TRUE(s->ack(3).ok());  // older than the position: a no-op
    EXPECT_FALSE(s->ack(9).ok());  // never handed out
    EXPECT_EQ(s->stats().batches_waiting, 3u);
    auto next = s->oldest();
    ASSERT_TRUE(next.ok() && next->has_value());
    EXPECT_EQ((*next)->seq, 6u);
  }
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  EXPECT_EQ(seqs_of(drain(*s)), (std::vector<uint64_t>{6, 7, 8}));
  EXPECT_EQ(s->stats().done_seq, 5u);
  EXPECT_EQ(s->stats().events_waiting, 3u);
}

TEST(Spool, SeqNeverReusedAfterEverythingAckedAndRestart) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool"};
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE(s->append(payload_for(i), 1).ok());
    ASSERT_TRUE(s->ack(3).ok());
    EXPECT_TRUE(segment_files(o.dir).empty()) << "fully acknowledged segments are deleted";
    EXPECT_EQ(s->stats().bytes_on_disk, 0u);
  }
  for (uint64_t expect = 4; expect <= 5; ++expect) {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    auto none = s->oldest();
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    auto seq = s->append("after restart", 1);
    ASSERT_TRUE(seq.ok()) << seq.error();
    EXPECT_EQ(*seq, expect);
    ASSERT_TRUE(s->ack(*seq).ok());
  }
}

TEST(Spool, SecondOpenOfTheSameDirectoryIsRefused) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool"};
  auto a = open_or_die(o);
  auto b = Spool::open(o);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().find("in use"), std::string::npos) << b.error();
}

TEST(Spool, FullDropsOldestCountsThemAndKeepsNewest) {
  TempDir t;
  // Records are 24 + 100 bytes: 8 per 1 KiB segment, at most 4 segments in 4 KiB.
  SpoolOptions o{.dir = t.path / "spool", .max_bytes = 4096, .segment_bytes = 1024};
  const uint64_t n = 100;
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (uint64_t i = 1; i <= n; ++i) {
      auto seq = s->append(payload_for(i, 100), events_for(i));
      ASSERT_TRUE(seq.ok()) << seq.error();
      ASSERT_EQ(*seq, i);
      if (i == 10) {
        ASSERT_TRUE(s->ack(5).ok());  // acknowledged batches are not "dropped"
      }
      SpoolStats st = s->stats();
      ASSERT_LE(st.bytes_on_disk, o.max_bytes);
      uint64_t on_disk = 0;
      for (const auto& f : segment_files(o.dir)) on_disk += fs::file_size(f);
      ASSERT_EQ(on_disk, st.bytes_on_disk);
    }
  }
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  auto got = drain(*s);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().seq, n) << "the newest batch is kept";
  EXPECT_EQ(got.back().payload, payload_for(n, 100));
  const uint64_t first = got.front().seq;
  for (size_t k = 0; k < got.size(); ++k) ASSERT_EQ(got[k].seq, first + k) << "what is kept is the newest, in a row";
  // At least cap minus one segment stays: (4096 - 1024) / 124 = 24 batches.
  EXPECT_GE(got.size(), 24u);
  uint64_t dropped_events = 0;
  for (uint64_t i = 6; i < first; ++i) dropped_events += events_for(i);
  uint64_t waiting_events = 0;
  for (uint64_t i = first; i <= n; ++i) waiting_events += events_for(i);
  SpoolStats st = s->stats();
  EXPECT_EQ(st.dropped_batches, first - 6);  // 1..5 were acknowledged
  EXPECT_EQ(st.dropped_events, dropped_events);
  EXPECT_EQ(st.batches_waiting, n - first + 1);
  EXPECT_EQ(st.events_waiting, waiting_events);
  EXPECT_EQ(st.next_seq, n + 1);

  auto too_big = s->append(std::string(5000, 'x'), 1);
  EXPECT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().find("cap"), std::string::npos) << too_big.error();
}

// Copies the STATE file and one segment (cut or changed) into a fresh spool directory.
fs::path fresh_copy(const fs::path& root, const std::string& name, const fs::path& state, const fs::path& segment,
                    std::string_view segment_bytes) {
  fs::path dir = root / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(state, dir / "STATE");
  write_file(dir / segment.filename(), segment_bytes);
  return dir;
}

TEST(Spool, TornTailAtEveryOffsetIsCutAndCounted) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "orig"};
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(s->append(payload_for(i), events_for(i)).ok());
  }
  auto files = segment_files(o.dir);
  ASSERT_EQ(files.size(), 1u);
  const std::string full = read_file(files[0]);
  const size_t last_start = 4 * (kSpoolRecordHeader + 40);
  ASSERT_EQ(full.size(), last_start + kSpoolRecordHeader + 40);

  for (size_t cut = last_start; cut < full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    fs::path dir = fresh_copy(t.path, "cut", o.dir / "STATE", files[0], std::string_view(full).substr(0, cut));
    SpoolOptions c{.dir = dir};
    auto s = open_or_die(c);
    ASSERT_TRUE(s);
    auto got = drain(*s);
    ASSERT_EQ(seqs_of(got), (std::vector<uint64_t>{1, 2, 3, 4}));
    for (const auto& b : got) EXPECT_EQ(b.payload, payload_for(b.seq));
    EXPECT_EQ(s->stats().corrupt_records, cut > last_start ? 1u : 0u);
    EXPECT_EQ(fs::file_size(dir / files[0].filename()), last_start) << "the damaged tail is cut away";
    auto seq = s->append("next", 1);
    ASSERT_TRUE(seq.ok()) << seq.error();
    // Batch 5 was acknowledged by append() before the damage: its seq never comes back.
    if (cut > last_start) {
      EXPECT_GE(*seq, 6u);
    } else {
      EXPECT_EQ(*seq, 5u);  // a clean cut between records: indistinguishable from never written
    }
    s.reset();
    auto again = open_or_die(c);  // the damage is counted once, not at every open
    ASSERT_TRUE(again);
    EXPECT_EQ(again->stats().corrupt_records, cut > last_start ? 1u : 0u);
  }
}

TEST(Spool, FlippedByteInAMiddleRecordKeepsEveryGoodRecord) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "orig"};
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(s->append(payload_for(i), events_for(i)).ok());
  }
  auto files = segment_files(o.dir);
  ASSERT_EQ(files.size(), 1u);
  const std::string full = read_file(files[0]);
  const size_t rec = kSpoolRecordHeader + 40;
  for (size_t at = 2 * rec; at < 3 * rec; ++at) {  // every byte of record 3
    SCOPED_TRACE("flip at " + std::to_string(at));
    std::string bad = full;
    bad[at] ^= 0x20;
    fs::path dir = fresh_copy(t.path, "flip", o.dir / "STATE", files[0], bad);
    SpoolOptions c{.dir = dir};
    for (int open = 0; open < 2; ++open) {
      auto s = open_or_die(c);
      ASSERT_TRUE(s);
      auto got = drain(*s);
      ASSERT_EQ(seqs_of(got), (std::vector<uint64_t>{1, 2, 4, 5}));
      for (const auto& b : got) EXPECT_EQ(b.payload, payload_for(b.seq));
      SpoolStats st = s->stats();
      EXPECT_EQ(st.corrupt_records, 1u);
      EXPECT_EQ(st.batches_waiting, 4u);
      EXPECT_GE(st.next_seq, 6u);
    }
    EXPECT_EQ(fs::file_size(dir / files[0].filename()), 4 * rec) << "rewritten without the damaged record";
  }
}

TEST(Spool, DamagedStateFileIsRefusedWithAReason) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool"};
  { ASSERT_TRUE(open_or_die(o)); }
  std::string state = read_file(o.dir / "STATE");
  state[10] ^= 1;
  write_file(o.dir / "STATE", state);
  auto s = Spool::open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("damaged"), std::string::npos) << s.error();
}

TEST(Spool, ShipperThreadAcksWhileCollectorThreadAppends) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool", .segment_bytes = 4096, .sync = false};
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  const uint64_t n = 2000;
  std::thread writer([&] {
    for (uint64_t i = 1; i <= n; ++i) ASSERT_TRUE(s->append(payload_for(i), events_for(i)).ok());
  });
  std::vector<uint64_t> shipped;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (shipped.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto b = s->oldest();
    ASSERT_TRUE(b.ok()) << b.error();
    if (!b->has_value()) {
      std::this_thread::yield();
      continue;
    }
    ASSERT_EQ((*b)->payload, payload_for((*b)->seq));
    shipped.push_back((*b)->seq);
    ASSERT_TRUE(s->ack((*b)->seq).ok());
  }
  writer.join();
  ASSERT_EQ(shipped.size(), n);
  for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(shipped[i], i + 1);
  SpoolStats st = s->stats();
  EXPECT_EQ(st.batches_waiting, 0u);
  EXPECT_EQ(st.events_waiting, 0u);
  EXPECT_EQ(st.bytes_on_disk, 0u);
  EXPECT_TRUE(segment_files(o.dir).empty());
}

// What the child reports through the pipe; one write(2) each, so never interleaved.
struct Report {
  uint64_t kind;  // 0 append returned, 1 about to ack, 2 ack returned
  uint64_t seq;
  uint64_t index;  // payload index of an append
};

[[noreturn]] void child_appends(const SpoolOptions& o, int fd, uint64_t round) {
  auto s = Spool::open(o);
  if (!s.ok()) _exit(2);
  for (uint64_t i = 1;; ++i) {
    auto seq = (*s)->append(payload_for(round * 1'000'000 + i), events_for(i));
    if (!seq.ok()) _exit(3);
    Report r{0, *seq, round * 1'000'000 + i};
    if (::write(fd, &r, sizeof r) != sizeof r) _exit(4);
    if (i % 37 == 0) {
      Report a{1, *seq - 20, 0};
      if (::write(fd, &a, sizeof a) != sizeof a) _exit(4);
      if (!(*s)->ack(*seq - 20).ok()) _exit(5);
      a.kind = 2;
      if (::write(fd, &a, sizeof a) != sizeof a) _exit(4);
    }
  }
}

TEST(Spool, KilledWriterLosesNothingItAcknowledged) {
  TempDir t;
  SpoolOptions o{.dir = t.path / "spool", .segment_bytes = 1024};  // rolls every ~16 batches
  std::map<uint64_t, uint64_t> returned;                           // seq -> payload index
  uint64_t acked_returned = 0, ack_asked = 0;
  const uint64_t kill_after[] = {60, 143, 211};
  for (uint64_t round = 1; round <= 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_appends(o, fds[1], round);
    }
    ::close(fds[1]);
    uint64_t appends = 0;
    uint64_t last_index = round * 1'000'000;
    auto take = [&](const Report& r) {
      if (r.kind == 0) {
        returned[r.seq] = r.index;
        last_index = r.index;
        ++appends;
      } else if (r.kind == 1) {
        ack_asked = std::max(ack_asked, r.seq);
      } else {
        acked_returned = std::max(acked_returned, r.seq);
      }
    };
    Report r;
    while (appends < kill_after[round - 1] && ::read(fds[0], &r, sizeof r) == sizeof r) take(r);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself, status " << status;
    while (::read(fds[0], &r, sizeof r) == sizeof r) take(r);
    ::close(fds[0]);

    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    SpoolStats st = s->stats();
    EXPECT_GE(st.done_seq, acked_returned);
    EXPECT_LE(st.done_seq, ack_asked);
    auto got = drain(*s);
    size_t k = 0;
    for (const auto& [seq, index] : returned) {
      if (seq <= st.done_seq) continue;
      ASSERT_LT(k, got.size()) << "acknowledged append " << seq << " is missing";
      ASSERT_EQ(got[k].seq, seq);
      ASSERT_EQ(got[k].payload, payload_for(index));
      ++k;
    }
    // At most one more: the append in flight when the child died, durable but unreported.
    ASSERT_LE(got.size(), k + 1);
    if (got.size() == k + 1) {
      EXPECT_GT(got[k].seq, returned.rbegin()->first);
      EXPECT_EQ(got[k].payload, payload_for(last_index + 1));
      returned[got[k].seq] = last_index + 1;
    }
    EXPECT_EQ(st.batches_waiting, got.size());
    EXPECT_EQ(st.dropped_batches, 0u);
    EXPECT_LE(st.corrupt_records, round) << "at most the one append in flight per kill is torn";
  }
}

}  // namespace
}  // namespace vigil
