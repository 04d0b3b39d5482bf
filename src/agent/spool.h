// The agent's on-disk spool: batches waiting between the collectors and the shipper.
// A batch is opaque bytes (the shipper's zstd-compressed EventBatch) with an event
// count; the spool numbers it (seq, per agent, from 1, never reused: the server
// deduplicates by (agent, seq)) and keeps it until the shipper acknowledges it.
//
// On disk, in `dir`:
//   spool-<first seq>.log  append-only segments of records, rolled at segment_bytes
//   STATE                  next seq, "done" position (every seq <= done is acknowledged
//                          or dropped), drop and corruption counters; replaced atomically
//   LOCK                   one process per spool
// Record (little-endian):
//   u32 length  u32 events  u64 seq  u32 crc(payload)  u32 crc(the 20 bytes before)  payload
// append() returns only once the record is fdatasync'ed: acknowledged means durable.
//
// Damage found at open (a record cut by a crash, flipped bits) is logged, counted in
// corrupt_records and cut away; the intact records before AND after it are kept (the
// header checksum lets the reader find the next intact record). Seqs that a damaged
// region may have held are skipped, never handed out again.
//
// When full (max_bytes), the OLDEST segment goes, whole: its waiting batches are
// counted in dropped_batches / dropped_events (persisted, for the heartbeat) and
// logged; the new batch is always kept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil {

class LockFile;

struct SpoolOptions {
  std::filesystem::path dir;
  uint64_t max_bytes = uint64_t{256} << 20;
  // Clamped to max_bytes / 4, so a drop never frees more than a quarter of the spool.
  uint64_t segment_bytes = uint64_t{4} << 20;
  // fdatasync every append (and sync directories). Off only for tests of other things.
  bool sync = true;
};

struct SpoolStats {
  uint64_t bytes_on_disk = 0;    // segment files
  uint64_t batches_waiting = 0;  // not yet acknowledged
  uint64_t events_waiting = 0;
  uint64_t dropped_batches = 0;  // spool full, oldest dropped (since the spool was created)
  uint64_t dropped_events = 0;
  uint64_t corrupt_records = 0;  // damaged regions cut away at open or found at read
  uint64_t next_seq = 1;         // the seq the next append gets
  uint64_t done_seq = 0;         // every seq <= this is acknowledged or dropped
};

struct SpooledBatch {
  uint64_t seq = 0;
  uint32_t events = 0;
  std::string payload;
};

// --- the segment format, exposed for the fuzz target and the tests ---

constexpr size_t kSpoolRecordHeader = 24;

// Appends one framed record to `out`.
void append_spool_record(std::string& out, uint64_t seq, uint32_t events, std::string_view payload);

struct SpoolRecordRef {
  uint64_t seq = 0;
  uint32_t events = 0;
  uint64_t offset = 0;  // of the record header in the segment
  uint32_t length = 0;  // payload bytes; the record is kSpoolRecordHeader + length
};

struct SpoolDamage {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  bool at_tail = false;  // nothing intact follows: typically an append cut by a crash
};

struct SpoolSegmentContents {
  std::vector<SpoolRecordRef> records;  // intact, seqs strictly increasing
  std::vector<SpoolDamage> damage;      // with records, covers every byte of the segment
};

// Reads one segment file's bytes. Never fails: what is not an intact record in seq
// order is reported as damage.
SpoolSegmentContents read_spool_segment(std::string_view bytes);

// --- the spool ---

class Spool {
 public:
  // Creates `dir` if needed, takes its LOCK, reads STATE and every segment, repairs
  // damage (see above). Fails on I/O errors, a spool in use, or a damaged STATE.
  static Result<std::unique_ptr<Spool>> open(const SpoolOptions& options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Durably stores a batch (non-empty payload) and returns its seq.
  Result<uint64_t> append(std::string_view payload, uint32_t events);
  // The oldest batch not yet acknowledged, or nothing.
  Result<std::optional<SpooledBatch>> oldest();
  // The first waiting batch with seq > after (a shipper with several batches in flight).
  Result<std::optional<SpooledBatch>> next_after(uint64_t after);
  // Everything <= seq is done; persisted before returning. Acks of seqs already done
  // are no-ops; a seq never handed out is an error.
  Status ack(uint64_t seq);
  SpoolStats stats() const;

  struct Segment;  // one segment file (spool.cpp)

 private:
  Spool();
  Status load();
  Status write_state();
  Status replace_state(SpoolStats next);
  Status roll_for(uint64_t record_bytes);
  Status drop_oldest_segment();
  Status delete_done_segments();
  Result<std::optional<SpooledBatch>> next_after_locked(uint64_t after);

  SpoolOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<LockFile> lock_;
  std::vector<std::unique_ptr<Segment>> segments_;  // oldest first; the last may be the active one
  bool active_open_ = false;                        // segments_.back() takes appends
  SpoolStats st_;
  std::string record_;  // the record being appended, reused
};

}  // namespace vigil
