// The embedded store (interface in store.h). One writer thread owns the WAL:
// appenders only enqueue, so any number of them share each write + fdatasync (group
// commit). A sealer thread compresses frozen in-memory parts into segments, so a seal
// never stalls acknowledgements. Scans take a snapshot of shared_ptrs under a short
// lock and never wait for either thread.
#include "store/store.h"

#include "core/completion.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <set>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "core/batch_codec.h"
#include "store/io.h"
#include "store/lock_file.h"
#include "store/manifest.h"
#include "store/partition.h"
#include "store/recovery.h"
#include "store/segment.h"
#include "store/wal.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// After a failed seal (disk full...), wait this long before trying again; the events
// stay in memory and in the WAL meanwhile, so nothing is lost.
constexpr auto kSealRetry = std::chrono::seconds(5);

class DiskStore final : public Store {
 public:
  DiskStore(const StoreOptions& options, Recovered&& rec, std::unique_ptr<LockFile> lock,
            std::unique_ptr<wal::Writer> wal, uint64_t wal_seq, std::unique_ptr<manifest::Manifest> manifest);
  ~DiskStore() override;

  void append(EventBatch&& batch, Done done) override;
  Status scan(const ScanRequest& request, const Visit& visit, ScanStats* stats) const override;
  Status scan_blocks(const ScanRequest& request, std::span<const VisitBlock> sealed_per_worker, const Visit& unsealed,
                     ScanStats* stats) const override;
  // Both scans: sealed segments through `each_segment`, then the unsealed batches.
  template <typename EachSegment>
  Status scan_parts(const ScanRequest& request, EachSegment&& each_segment, const Visit& unsealed,
                    ScanStats* stats_out) const;
  Status flush() override;
  Status maintain() override;
  StoreStats stats() const override;

 private:
  // An append (batch set) or a flush (flushed set), in arrival order.
  struct Request {
    std::shared_ptr<const EventBatch> batch;
    Done done;
    std::promise<Status>* flushed = nullptr;
  };
  // A frozen in-memory part on its way into a segment; still scanned until it is one.
  struct SealJob {
    std::vector<MemBatch> batches;
    uint64_t wal_first = 0, wal_last = 0;  // the WAL files holding exactly these batches
    uint64_t events = 0;
    uint64_t wal_bytes = 0;
    uint64_t memory_bytes = 0;
    std::vector<std::promise<Status>*> flushes;  // answered when this job ends
  };

  void run();  // writer thread
  void commit(std::vector<Request*>& group);
  void start_seal(std::promise<Status>* flushed);
  bool seal_due(Clock::time_point now) const;
  bool seal_pending() const;
  void fail(const Status& s);
  void seal_loop();  // sealer thread
  Result<std::vector<segment::Info>> write_segments(const SealJob& job);
  // Writes built segments as .tmp, commits them with `change` in one manifest entry
  // (the commit point: recovery finishes the renames after it), renames them into place.
  // They take the next sequence numbers, in order.
  Result<std::vector<segment::Info>> install(std::vector<segment::Built> built, manifest::Change change);
  // What a scan sees: sealed segments and the batches not yet in one, kept alive.
  struct Snapshot {
    std::vector<std::shared_ptr<const segment::Info>> segments;
    std::vector<MemBatch> memory;
  };
  Snapshot snapshot() const;
  bool over_memory() const;
  // Maintenance, on the sealer thread: retention, then merges; retired files go when unused.
  Status run_maintenance();
  Status apply_retention();
  Status merge_small_segments();
  void replace_segments(const std::vector<uint64_t>& gone, std::vector<segment::Info> added);
  void delete_retired(bool all);
  static manifest::SegmentRecord record_of(const segment::Info& info, std::string_view bytes);
  void drop_sealed_wal(uint64_t first, uint64_t last);

  const StoreOptions options_;
  const std::string name_;  // the directory, for log lines
  std::unique_ptr<LockFile> lock_;

  // Owned by the writer thread.
  std::unique_ptr<wal::Writer> wal_;
  uint64_t wal_seq_ = 0;             // sequence number of wal_
  uint64_t next_job_wal_first_ = 0;  // first WAL file not yet given to a seal job
  uint64_t unassigned_wal_bytes_ = 0;
  Clock::time_point memory_since_;  // when the oldest batch of memory_ arrived
  std::string buf_;

  // Owned by the sealer thread.
  uint64_t next_segment_seq_ = 1;
  Clock::time_point seal_retry_at_;
  Clock::time_point next_maintenance_;
  std::unique_ptr<manifest::Manifest> manifest_;
  std::vector<std::shared_ptr<const segment::Info>> retired_;  // removed; deleted once no scan holds them

  std::mutex queue_mu_;  // taken before state_mu_ when both are needed
  std::condition_variable queue_cv_;
  std::vector<Request> queue_;
  bool stop_ = false;
  bool seal_finished_ = false;  // wakes the writer: a new seal may start

  // What scans and stats see; memory_ changes only on the writer thread, sealing_ is
  // appended by the writer and popped by the sealer, all under state_mu_.
  mutable std::mutex state_mu_;
  std::condition_variable seal_cv_;
  bool stop_sealer_ = false;
  std::vector<std::promise<Status>*> maintain_requests_;
  std::vector<std::shared_ptr<const segment::Info>> segments_;
  std::deque<SealJob> sealing_;  // a deque: the sealer holds a reference to front() unlocked
  std::vector<MemBatch> memory_;
  uint64_t memory_events_ = 0;
  uint64_t memory_bytes_ = 0;   // encoded size, the measure for seal_bytes
  uint64_t memory_held_ = 0;    // EventBatch memory of memory_ and sealing_, for max_memory_bytes
  uint64_t sealing_events_ = 0;
  uint64_t segment_bytes_ = 0;
  uint64_t segment_events_ = 0;
  uint64_t wal_bytes_ = 0;
  StoreStats counters_;
  Status failed_;  // set once a WAL write or sync failed: no more writes

  std::thread sealer_;  // last: they start after everything above is ready
  std::thread writer_;
};

DiskStore::DiskStore(const StoreOptions& options, Recovered&& rec, std::unique_ptr<LockFile> lock,
                     std::unique_ptr<wal::Writer> wal, uint64_t wal_seq, std::unique_ptr<manifest::Manifest> manifest)
    : options_(options),
      name_(options.dir.string()),
      lock_(std::move(lock)),
      wal_(std::move(wal)),
      wal_seq_(wal_seq),
      next_job_wal_first_(rec.first_unsealed_wal),
      unassigned_wal_bytes_(rec.wal_bytes),
      memory_since_(Clock::now()),
      next_segment_seq_(rec.next_segment_seq),
      next_maintenance_(Clock::now() + options.maintenance_interval),
      manifest_(std::move(manifest)),
      memory_(std::move(rec.memory)),
      wal_bytes_(rec.wal_bytes) {
  for (auto& s : rec.segments) {
    segment_events_ += s.header.events;
    segment_bytes_ += s.file_bytes;
    segments_.push_back(std::make_shared<const segment::Info>(std::move(s)));
  }
  for (const auto& m : memory_) {
    memory_events_ += m.batch->size();
    memory_bytes_ += m.bytes;
    memory_held_ += m.batch->memory_bytes();
  }
  counters_.replayed_events = rec.replayed_events;
  if (!options_.read_only) {
    sealer_ = std::thread([this] { seal_loop(); });
    writer_ = std::thread([this] { run(); });
  }
}

DiskStore::~DiskStore() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lk(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_one();
  writer_.join();
  {
    std::lock_guard lk(state_mu_);
    stop_sealer_ = true;
  }
  seal_cv_.notify_one();
  sealer_.join();
  delete_retired(/*all=*/true);
}

void DiskStore::append(EventBatch&& batch, Done done) {
  if (options_.read_only) {
    done(Status::error(fmt::format("store {} is open read-only", name_)));
    return;
  }
  if (batch.empty()) {  // nothing to make durable
    done(Status());
    return;
  }
  auto shared = std::make_shared<const EventBatch>(std::move(batch));
  {
    std::lock_guard lk(queue_mu_);
    if (!stop_) {
      queue_.push_back(Request{std::move(shared), std::move(done), nullptr});
      queue_cv_.notify_one();
      return;
    }
  }
  done(Status::error(fmt::format("store {} is closing", name_)));
}

Status DiskStore::flush() {
  if (options_.read_only) return Status::error(fmt::format("store {} is open read-only", name_));
  std::promise<Status> flushed;
  auto result = flushed.get_future();
  {
    std::lock_guard lk(queue_mu_);
    if (stop_) return Status::error(fmt::format("store {} is closing", name_));
    queue_.push_back(Request{nullptr, nullptr, &flushed});
  }
  queue_cv_.notify_one();
  return result.get();
}

void DiskStore::run() {
  std::vector<Request> requests;
  std::vector<Request*> group;
  for (;;) {
    if (seal_due(Clock::now())) start_seal(nullptr);
    {
      std::unique_lock lk(queue_mu_);
      while (queue_.empty() && !stop_ && !seal_finished_) {
        if (memory_.empty() || !failed_.ok() || seal_pending()) {  // no seal can come due by time
          queue_cv_.wait(lk);
        } else if (queue_cv_.wait_until(lk, memory_since_ + options_.seal_interval) == std::cv_status::timeout) {
          break;
        }
      }
      seal_finished_ = false;
      if (queue_.empty() && stop_) break;
      requests.swap(queue_);
    }
    if (over_memory()) {
      // Backpressure: hold these appends (their senders wait for the acknowledgement)
      // until the sealer frees memory. Seals run and finish meanwhile.
      ++counters_.backpressure_waits;
      if (seal_due(Clock::now()) || !seal_pending()) start_seal(nullptr);
      std::unique_lock lk(queue_mu_);
      queue_cv_.wait(lk, [&] { return stop_ || !over_memory() || !failed_.ok(); });
    }
    for (auto& r : requests) {
      if (r.batch) {
        group.push_back(&r);
        continue;
      }
      commit(group);  // appends queued before the flush belong in its segment
      group.clear();
      start_seal(r.flushed);
    }
    commit(group);
    group.clear();
    requests.clear();
  }
}

void DiskStore::commit(std::vector<Request*>& group) {
  if (group.empty()) return;
  if (!failed_.ok()) {
    for (auto* r : group) r->done(failed_);
    return;
  }
  buf_.clear();
  std::vector<uint64_t> sizes;
  sizes.reserve(group.size());
  for (auto*& r : group) {
    size_t start = wal::begin_record(buf_);
    encode_batch(*r->batch, buf_);
    uint64_t size = buf_.size() - start - wal::kHeaderSize;
    if (size > wal::kMaxRecord) {
      buf_.resize(start);
      r->done(
          Status::error(fmt::format("batch of {} events encodes to {} bytes, over the {} byte limit of a WAL "
                                    "record: split it",
                                    r->batch->size(), size, wal::kMaxRecord)));
      r = nullptr;
      continue;
    }
    wal::end_record(buf_, start);
    sizes.push_back(size);
  }
  std::erase(group, nullptr);
  if (group.empty()) return;

  Status s = wal_->append(buf_);
  if (s.ok() && options_.sync) s = wal_->sync();
  if (!s.ok()) {
    fail(s);
    for (auto* r : group) r->done(s);
    return;
  }
  unassigned_wal_bytes_ += buf_.size();
  {
    std::lock_guard lk(state_mu_);
    if (memory_.empty()) memory_since_ = Clock::now();
    for (size_t i = 0; i < group.size(); ++i) {
      const EventBatch& b = *group[i]->batch;
      memory_.push_back(MemBatch{group[i]->batch, b.min_time(), b.max_time(), sizes[i]});
      memory_events_ += b.size();
      memory_bytes_ += sizes[i];
      memory_held_ += b.memory_bytes();
      counters_.events_appended += b.size();
    }
    counters_.batches_appended += group.size();
    if (options_.sync) ++counters_.wal_syncs;
    wal_bytes_ += buf_.size();
  }
  for (auto* r : group) r->done(Status());
}

void DiskStore::fail(const Status& s) {
  spdlog::error("store {}: {}; refusing further writes (acknowledged events are safe in the WAL)", name_, s.message());
  std::lock_guard lk(state_mu_);
  failed_ = Status::error(fmt::format("store {} stopped accepting writes after an I/O error: {}", name_, s.message()));
}

bool DiskStore::over_memory() const {
  std::lock_guard lk(state_mu_);
  return memory_held_ > options_.max_memory_bytes && !sealing_.empty();
}

bool DiskStore::seal_pending() const {
  std::lock_guard lk(state_mu_);
  return !sealing_.empty();
}

// One seal at a time: while the sealer works, memory_ keeps growing and is sealed
// next, which bounds memory to about two in-memory parts when the disk is slow.
bool DiskStore::seal_due(Clock::time_point now) const {
  if (memory_.empty() || !failed_.ok() || seal_pending()) return false;
  return memory_events_ >= options_.seal_events || memory_bytes_ >= options_.seal_bytes ||
         now - memory_since_ >= options_.seal_interval;
}

// Freezes memory_ into a seal job for the sealer thread. `flushed`, if set, is answered
// once everything appended so far is in segments.
void DiskStore::start_seal(std::promise<Status>* flushed) {
  if (!failed_.ok()) {
    if (flushed) flushed->set_value(failed_);
    return;
  }
  if (memory_.empty()) {
    std::unique_lock lk(state_mu_);
    if (flushed && !sealing_.empty()) {
      sealing_.back().flushes.push_back(flushed);
    } else if (flushed) {
      lk.unlock();
      flushed->set_value(Status());
    }
    return;
  }
  // Rotate first, so that appends after this point go to a WAL file the segment does
  // not cover. An empty current file needs no rotation: it holds none of these batches.
  uint64_t last = wal_seq_;
  if (wal_->size() == 0) {
    last = wal_seq_ - 1;
  } else {
    auto next = wal::Writer::create(options_.dir / "wal" / io::seq_name(wal_seq_ + 1, wal::kSuffix));
    if (!next.ok()) {
      fail(next.status());
      if (flushed) flushed->set_value(failed_);
      return;
    }
    wal_ = std::move(*next);
    ++wal_seq_;
  }
  SealJob job;
  job.wal_first = next_job_wal_first_;
  job.wal_last = last;
  job.events = memory_events_;
  job.wal_bytes = unassigned_wal_bytes_;
  for (const auto& m : memory_) job.memory_bytes += m.batch->memory_bytes();
  if (flushed) job.flushes.push_back(flushed);
  next_job_wal_first_ = last + 1;
  unassigned_wal_bytes_ = 0;
  {
    std::lock_guard lk(state_mu_);
    job.batches = std::move(memory_);
    memory_.clear();
    sealing_events_ += memory_events_;
    memory_events_ = 0;
    memory_bytes_ = 0;
    sealing_.push_back(std::move(job));
  }
  seal_cv_.notify_one();
}

void DiskStore::seal_loop() {
  std::unique_lock lk(state_mu_);
  for (;;) {
    while (!stop_sealer_ && (sealing_.empty() || Clock::now() < seal_retry_at_)) {
      if (sealing_.empty() && (!maintain_requests_.empty() || Clock::now() >= next_maintenance_)) break;
      if (sealing_.empty()) {
        seal_cv_.wait_until(lk, next_maintenance_);
      } else {
        seal_cv_.wait_until(lk, std::min(seal_retry_at_, next_maintenance_));
      }
    }
    if (stop_sealer_) break;
    if (sealing_.empty()) {
      // Idle: seals always go first, so maintenance never delays an acknowledgement.
      std::vector<std::promise<Status>*> waiting;
      waiting.swap(maintain_requests_);
      lk.unlock();
      Status st = run_maintenance();
      for (auto* w : waiting) w->set_value(st);
      lk.lock();
      next_maintenance_ = Clock::now() + options_.maintenance_interval;
      continue;
    }
    SealJob& job = sealing_.front();  // only this thread pops, and deque keeps references
    lk.unlock();
    auto start = Clock::now();
    auto infos = write_segments(job);
    lk.lock();
    std::vector<std::promise<Status>*> flushes;
    flushes.swap(job.flushes);
    Status result;
    uint64_t wal_first = job.wal_first, wal_last = job.wal_last, events = job.events;  // job goes at pop_front
    uint64_t raw_bytes = 0, stored_bytes = 0;
    if (infos.ok()) {
      // One critical section: a scan sees these events in the job or in segments, never both.
      for (auto& info : *infos) {
        segments_.push_back(std::make_shared<const segment::Info>(std::move(info)));
        segment_events_ += segments_.back()->header.events;
        segment_bytes_ += segments_.back()->file_bytes;
        stored_bytes += segments_.back()->file_bytes;
      }
      for (const auto& m : job.batches) {
        for (const auto& e : m.batch->events()) raw_bytes += e.raw.size();
      }
      sealing_events_ -= job.events;
      memory_held_ -= job.memory_bytes;
      wal_bytes_ -= job.wal_bytes;
      sealing_.pop_front();
    } else {
      seal_retry_at_ = Clock::now() + kSealRetry;
      result = infos.status();
    }
    lk.unlock();
    if (infos.ok()) {
      drop_sealed_wal(wal_first, wal_last);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
      spdlog::info("store {}: sealed {} events into {} segments ({} bytes of raw text -> {} bytes stored, {} ms)",
                   name_, events, infos->size(), raw_bytes, stored_bytes, ms);
    } else {
      spdlog::error("store {}: seal failed, events stay in the WAL and memory (retrying in {} s): {}", name_,
                    std::chrono::duration_cast<std::chrono::seconds>(kSealRetry).count(), infos.error());
    }
    for (auto* f : flushes) f->set_value(result);
    {
      // Appends held back by over_memory() may go on.
      std::lock_guard qlk(queue_mu_);
      queue_cv_.notify_all();
    }
    if (infos.ok()) {
      std::lock_guard qlk(queue_mu_);
      seal_finished_ = true;
      queue_cv_.notify_one();
    }
    lk.lock();
  }
  for (auto* w : maintain_requests_) w->set_value(Status::error(fmt::format("store {} is closing", name_)));
  maintain_requests_.clear();
  // Jobs left behind are safe in the WAL and replay at the next open.
  for (auto& job : sealing_) {
    for (auto* f : job.flushes) f->set_value(Status::error(fmt::format("store {} is closing", name_)));
    job.flushes.clear();
  }
}

// Runs unlocked: job.batches is only read here and by scans. Events are split by
// partition, one segment each; all are written to temporary files and synced before
// any is renamed into place.
Result<std::vector<segment::Info>> DiskStore::write_segments(const SealJob& job) {
  std::map<PartitionKey, std::vector<segment::Row>> parts;
  {
    // Consecutive events mostly share a partition: reuse the last key's rows.
    PartitionKey last_key;
    std::vector<segment::Row>* last_rows = nullptr;
    for (const auto& m : job.batches) {
      const EventBatch& b = *m.batch;
      for (uint32_t i = 0; i < b.size(); ++i) {
        PartitionKey key = partition_of(b, b[i]);
        if (!last_rows || key != last_key) {
          last_rows = &parts[key];
          last_key = std::move(key);
        }
        last_rows->push_back(segment::Row{&b, i});
      }
    }
  }
  std::vector<segment::Built> built;
  for (auto& [key, rows] : parts) built.push_back(segment::build(key, rows, job.wal_first, job.wal_last));
  return install(std::move(built), {});
}

Result<std::vector<segment::Info>> DiskStore::install(std::vector<segment::Built> built, manifest::Change change) {
  if (built.empty()) return std::vector<segment::Info>{};
  const fs::path dir = options_.dir / "segments";
  std::vector<segment::Info> out;
  std::vector<fs::path> tmps;
  auto cleanup = [&] {
    std::error_code ec;
    for (const auto& t : tmps) fs::remove(t, ec);
  };
  uint64_t seq = next_segment_seq_;
  for (auto& b : built) {
    segment::Info info;
    info.seq = seq++;
    info.path = dir / io::seq_name(info.seq, segment::kSuffix);
    info.file_bytes = b.bytes.size();
    info.header = b.header;
    info.footer = b.footer;
    fs::path tmp = info.path;
    tmp += ".tmp";
    tmps.push_back(tmp);
    if (Status s = io::write_file_synced(tmp, b.bytes); !s.ok()) {
      cleanup();
      return s;
    }
    change.added.push_back(record_of(info, b.bytes));
    b.bytes = std::string();  // written: no need to hold it while the others are
    out.push_back(std::move(info));
  }
  if (Status s = manifest_->commit(change); !s.ok()) {
    cleanup();
    return s;
  }
  next_segment_seq_ = seq;
  for (size_t i = 0; i < out.size(); ++i) {
    std::error_code ec;
    fs::rename(tmps[i], out[i].path, ec);
    if (ec) {
      // Committed: the next open renames it. Until then its events stay in the WAL.
      return Status::error(fmt::format("cannot rename {}: {}", tmps[i].string(), ec.message()));
    }
  }
  if (Status s = io::sync_dir(dir); !s.ok()) return s;
  return out;
}

manifest::SegmentRecord DiskStore::record_of(const segment::Info& info, std::string_view bytes) {
  manifest::SegmentRecord r;
  r.seq = info.seq;
  r.bytes = bytes.size();
  r.sha256 = manifest::sha256(bytes);
  r.partition = info.footer->partition.name();
  r.events = info.header.events;
  r.min_time = info.header.min_time;
  r.max_time = info.header.max_time;
  return r;
}

Status DiskStore::maintain() {
  if (options_.read_only) return Status::error(fmt::format("store {} is open read-only", name_));
  std::promise<Status> done;
  auto result = done.get_future();
  {
    std::lock_guard lk(state_mu_);
    if (stop_sealer_) return Status::error(fmt::format("store {} is closing", name_));
    maintain_requests_.push_back(&done);
  }
  seal_cv_.notify_one();
  return result.get();
}

Status DiskStore::run_maintenance() {
  Status a = apply_retention();
  Status b = merge_small_segments();
  delete_retired(/*all=*/false);
  return a.ok() ? b : a;
}

// Swaps segments in what scans see: `gone` out (retired until unused), `added` in.
void DiskStore::replace_segments(const std::vector<uint64_t>& gone, std::vector<segment::Info> added) {
  std::lock_guard lk(state_mu_);
  std::vector<std::shared_ptr<const segment::Info>> keep;
  for (auto& seg : segments_) {
    if (std::find(gone.begin(), gone.end(), seg->seq) != gone.end()) {
      segment_events_ -= seg->header.events;
      segment_bytes_ -= seg->file_bytes;
      retired_.push_back(std::move(seg));
    } else {
      keep.push_back(std::move(seg));
    }
  }
  for (auto& info : added) {
    segment_events_ += info.header.events;
    segment_bytes_ += info.file_bytes;
    keep.push_back(std::make_shared<const segment::Info>(std::move(info)));
  }
  std::sort(keep.begin(), keep.end(), [](const auto& a, const auto& b) { return a->seq < b->seq; });
  segments_ = std::move(keep);
}

// A retired segment's file goes once no scan holds it (a scan keeps a shared_ptr);
// a crash before that leaves a file the manifest records as removed, which the next
// open deletes.
void DiskStore::delete_retired(bool all) {
  std::vector<std::shared_ptr<const segment::Info>> still;
  {
    std::lock_guard lk(state_mu_);
    for (auto& r : retired_) {
      if (all || r.use_count() == 1) {
        std::error_code ec;
        fs::remove(r->path, ec);
        if (ec) spdlog::warn("store {}: cannot remove {}: {}", name_, r->path.string(), ec.message());
      } else {
        still.push_back(std::move(r));
      }
    }
    retired_ = std::move(still);
  }
  (void)io::sync_dir(options_.dir / "segments");
}

Status DiskStore::apply_retention() {
  const RetentionConfig& cfg = options_.retention;
  bool any_policy = cfg.default_days > 0 ||
                    std::any_of(cfg.policies.begin(), cfg.policies.end(), [](const auto& p) { return p.days > 0; });
  if (!any_policy) return {};
  std::vector<std::shared_ptr<const segment::Info>> segments;
  {
    std::lock_guard lk(state_mu_);
    segments = segments_;
  }
  std::vector<PartitionKey> partitions;
  for (const auto& seg : segments) partitions.push_back(seg->footer->partition);
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());

  // Held from reading the holds until the drops are done, so that a hold added
  // meanwhile either is seen or waits for this pass.
  auto lock = HoldsLock::acquire(options_.dir);
  if (!lock.ok()) return lock.status();
  auto holds = load_holds(options_.dir);
  if (!holds.ok()) {
    spdlog::error("store {}: retention skipped, nothing dropped: {}", name_, holds.error());
    return holds.status();
  }
  const TimeNs now = options_.clock ? options_.clock() : now_ns();
  RetentionPlan plan = plan_retention(partitions, cfg, *holds, now);
  for (const auto& h : plan.held) {
    std::string ids;
    for (const auto& id : h.hold_ids) ids += (ids.empty() ? "" : ", ") + id;
    spdlog::info("store {}: partition {} is past retention ({}) but kept by legal hold {}", name_,
                 h.partition.name(), h.policy, ids);
  }
  for (const auto& drop : plan.drop) {
    manifest::Change change;
    std::vector<uint64_t> gone;
    uint64_t events = 0;
    for (const auto& seg : segments) {
      if (seg->footer->partition != drop.partition) continue;
      change.removed.push_back({seg->seq, manifest::RemovalReason::Retention, drop.policy});
      gone.push_back(seg->seq);
      events += seg->header.events;
    }
    if (Status s = manifest_->commit(change); !s.ok()) return s;
    replace_segments(gone, {});
    {
      std::lock_guard lk(state_mu_);
      ++counters_.partitions_dropped;
      counters_.events_dropped += events;
    }
    spdlog::info("store {}: retention dropped partition {} ({} segments, {} events) by policy \"{}\"", name_,
                 drop.partition.name(), gone.size(), events, drop.policy);
  }
  return {};
}

Status DiskStore::merge_small_segments() {
  std::vector<std::shared_ptr<const segment::Info>> segments;
  {
    std::lock_guard lk(state_mu_);
    segments = segments_;
  }
  const TimeNs now = options_.clock ? options_.clock() : now_ns();
  for (const auto& group : plan_merges(segments, options_.merge, now)) {
    std::vector<std::shared_ptr<const segment::Info>> parts;
    for (size_t i : group) parts.push_back(segments[i]);
    auto start = Clock::now();
    auto built = merge_segments(parts);
    if (!built.ok()) return built.status();
    const uint64_t into = next_segment_seq_;  // install() gives it the next number
    manifest::Change change;
    std::vector<uint64_t> gone;
    uint64_t before = 0;
    for (const auto& p : parts) {
      change.removed.push_back({p->seq, manifest::RemovalReason::Merged, fmt::format("merged into {}", into)});
      gone.push_back(p->seq);
      before += p->file_bytes;
    }
    std::vector<segment::Built> one;
    one.push_back(std::move(*built));
    auto installed = install(std::move(one), std::move(change));
    if (!installed.ok()) return installed.status();
    segment::Info info = std::move(installed->front());
    spdlog::info("store {}: merged {} segments of {} into segment {} ({} events, {} -> {} bytes, {} ms)", name_,
                 parts.size(), info.footer->partition.name(), info.seq, info.header.events, before, info.file_bytes,
                 std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
    {
      std::lock_guard lk(state_mu_);
      ++counters_.merges;
      counters_.segments_merged += parts.size();
    }
    replace_segments(gone, {std::move(info)});
  }
  return {};
}

// The segment is durable: the WAL files it covers can go. A crash before this is
// harmless, recovery skips (and removes) WAL files a segment covers.
void DiskStore::drop_sealed_wal(uint64_t first, uint64_t last) {
  std::error_code ec;
  for (uint64_t seq = first; seq <= last; ++seq) {
    fs::remove(options_.dir / "wal" / io::seq_name(seq, wal::kSuffix), ec);
    if (ec) spdlog::warn("store {}: cannot remove sealed WAL file {}: {}", name_, seq, ec.message());
  }
  (void)io::sync_dir(options_.dir / "wal");
}

DiskStore::Snapshot DiskStore::snapshot() const {
  Snapshot snap;
  std::lock_guard lk(state_mu_);
  snap.segments = segments_;
  for (const auto& job : sealing_) snap.memory.insert(snap.memory.end(), job.batches.begin(), job.batches.end());
  snap.memory.insert(snap.memory.end(), memory_.begin(), memory_.end());
  return snap;
}

template <typename EachSegment>
Status DiskStore::scan_parts(const ScanRequest& request, EachSegment&& each_segment, const Visit& unsealed,
                             ScanStats* stats_out) const {
  Snapshot snap = snapshot();
  auto& segments = snap.segments;
  const auto& memory = snap.memory;
  ScanStats stats;
  const segment::Plan plan(request);
  Status result;
  bool more = true;
  auto floor = [&] { return request.floor ? request.floor->load(std::memory_order_relaxed) : kMinTime; };
  auto scan_memory = [&] {
    for (size_t i = 0; more && i < memory.size(); ++i) {
      const MemBatch& m = memory[i];
      if (m.max_time < request.from || m.min_time > request.to) continue;
      if (m.max_time < floor()) {
        ++stats.skipped_older;
        continue;
      }
      stats.memory_rows += m.batch->size();
      if (!unsealed(*m.batch)) more = false;
    }
  };
  if (request.newest_first) {
    std::stable_sort(segments.begin(), segments.end(),
                     [](const auto& a, const auto& b) { return a->header.max_time > b->header.max_time; });
    scan_memory();
  }
  for (const auto& seg : segments) {
    if (!more) break;
    if (seg->header.max_time < request.from || seg->header.min_time > request.to) {
      ++stats.segments_skipped;
      continue;
    }
    if (seg->header.max_time < floor()) {
      ++stats.segments_skipped;
      ++stats.skipped_older;
      continue;
    }
    Result<bool> r = each_segment(*seg, plan, stats);
    if (!r.ok()) {
      spdlog::error("store {}: {}", name_, r.error());
      result = r.status();
      more = false;
      break;
    }
    if (!*r) {
      more = false;
      break;
    }
  }
  if (!request.newest_first) scan_memory();
  if (stats_out) stats_out->add(stats);
  return result;
}

Status DiskStore::scan(const ScanRequest& request, const Visit& visit, ScanStats* stats) const {
  const segment::Visit each_batch = [&](EventBatch& b) { return visit(b); };
  return scan_parts(
      request,
      [&](const segment::Info& seg, const segment::Plan& plan, ScanStats& st) {
        return segment::scan(seg, plan, each_batch, st);
      },
      visit, stats);
}

Status DiskStore::scan_blocks(const ScanRequest& request, std::span<const VisitBlock> sealed_per_worker,
                              const Visit& unsealed, ScanStats* stats) const {
  if (sealed_per_worker.empty()) return scan(request, unsealed, stats);
  const size_t workers = sealed_per_worker.size();
  if (workers == 1) {
    return scan_parts(
        request,
        [&](const segment::Info& seg, const segment::Plan& plan, ScanStats& st) {
          return segment::scan_blocks(seg, plan, sealed_per_worker[0], st);
        },
        unsealed, stats);
  }
  // Segments are dealt round-robin to the workers; each has its own visitor and
  // statistics. The first error stops the others at their next segment.
  const auto [hold, memory] = snapshot();  // alive while the workers run
  std::vector<const segment::Info*> todo;
  ScanStats total;
  for (const auto& seg : hold) {
    if (seg->header.max_time < request.from || seg->header.min_time > request.to) {
      ++total.segments_skipped;
    } else {
      todo.push_back(seg.get());
    }
  }
  const segment::Plan plan(request);
  std::vector<ScanStats> worker_stats(workers);
  std::vector<Status> worker_status(workers);
  std::atomic<bool> failed{false};
  auto work = [&](size_t w) {
    for (size_t i = w; i < todo.size() && !failed; i += workers) {
      auto r = segment::scan_blocks(*todo[i], plan, sealed_per_worker[w], worker_stats[w]);
      if (!r.ok()) {
        worker_status[w] = r.status();
        failed = true;
        return;
      }
      if (!*r) return;
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  for (size_t w = 0; w < workers; ++w) {
    total.add(worker_stats[w]);
    if (!worker_status[w].ok()) {
      spdlog::error("store {}: {}", name_, worker_status[w].message());
      if (stats) stats->add(total);
      return worker_status[w];
    }
  }
  for (const MemBatch& m : memory) {
    if (m.max_time < request.from || m.min_time > request.to) continue;
    total.memory_rows += m.batch->size();
    if (!unsealed(*m.batch)) break;
  }
  if (stats) stats->add(total);
  return {};
}

StoreStats DiskStore::stats() const {
  std::lock_guard lk(state_mu_);
  StoreStats s = counters_;
  s.wal_bytes = wal_bytes_;
  s.segments = segments_.size();
  s.segment_events = segment_events_;
  s.memory_events = memory_events_ + sealing_events_;
  s.memory_bytes = memory_held_;
  s.segment_bytes = segment_bytes_;
  return s;
}

Status make_dirs(const fs::path& dir) {
  for (const auto& d : {dir, dir / "wal", dir / "segments"}) {
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) return Status::error(fmt::format("cannot create directory {}: {}", d.string(), ec.message()));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  const fs::path& dir = options.dir;
  std::unique_ptr<LockFile> lock;
  if (options.read_only) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return Status::error(fmt::format("data directory {} does not exist", dir.string()));
    }
  } else {
    if (Status s = make_dirs(dir); !s.ok()) return s;
    auto l = LockFile::acquire(dir);
    if (!l.ok()) return l.status();
    lock = std::move(*l);
  }

  auto manifest = manifest::Manifest::open(dir, options.read_only);
  if (!manifest.ok()) {
    spdlog::error("store {}: cannot open: {}", dir.string(), manifest.error());
    return manifest.status();
  }
  if (!options.read_only) {
    auto finished = (*manifest)->finish_pending();
    if (!finished.ok()) return finished.status();
  }
  auto rec = recover(dir, options.read_only, (*manifest)->live_seqs());
  if (!rec.ok()) {
    spdlog::error("store {}: cannot open: {}", dir.string(), rec.error());
    return rec.status();
  }
  uint64_t segment_events = 0;
  for (const auto& s : rec->segments) segment_events += s.header.events;
  spdlog::info("store {}: opened{}: {} segments ({} events), replayed {} events from {} WAL files", dir.string(),
               options.read_only ? " read-only" : "", rec->segments.size(), segment_events, rec->replayed_events,
               rec->wal_files);

  std::unique_ptr<wal::Writer> wal;
  uint64_t wal_seq = rec->next_wal_seq;
  if (!options.read_only) {
    auto w = wal::Writer::create(dir / "wal" / io::seq_name(wal_seq, wal::kSuffix));
    if (!w.ok()) return w.status();
    wal = std::move(*w);
  }
  if (options.read_only) manifest->reset();  // readers only needed the live set
  return std::unique_ptr<Store>(
      new DiskStore(options, std::move(*rec), std::move(lock), std::move(wal), wal_seq, std::move(*manifest)));
}

Status Store::scan(TimeNs from, TimeNs to, const Visit& visit) const {
  ScanRequest request;
  request.from = from;
  request.to = to;
  return scan(request, visit);
}

Status Store::append_sync(EventBatch&& batch) {
  return wait_for_completion([&](Done done) { append(std::move(batch), std::move(done)); });
}

}  // namespace vigil
