// The agent's on-disk spool (format and policies in spool.h).
#include "agent/spool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "store/crc32c.h"
#include "store/io.h"
#include "store/lock_file.h"
#include "store/wal.h"

namespace vigil {
namespace {

constexpr std::string_view kSegmentPrefix = "spool-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr std::string_view kStateName = "STATE";
constexpr std::string_view kStateMagic = "VSPOOLS1";
constexpr size_t kStateSize = 8 + 5 * 8 + 4;
// Far beyond any real count; keeps "last seq + skipped seqs" from wrapping on a crafted file.
constexpr uint64_t kMaxSpoolSeq = uint64_t{1} << 62;

// The record at `off` if it is intact and its seq is above `min_seq`.
bool intact_at(std::string_view data, size_t off, uint64_t min_seq, SpoolRecordRef& rec) {
  if (data.size() - off < kSpoolRecordHeader) return false;
  const char* h = data.data() + off;
  if (crc32c::unmask(io::get_fixed32(h + 20)) != crc32c::extend(0, h, 20)) return false;
  uint32_t len = io::get_fixed32(h);
  uint64_t seq = io::get_fixed64(h + 8);
  if (len == 0 || len > data.size() - off - kSpoolRecordHeader || seq <= min_seq || seq > kMaxSpoolSeq) return false;
  if (crc32c::unmask(io::get_fixed32(h + 16)) != crc32c::extend(0, h + kSpoolRecordHeader, len)) return false;
  rec = {.seq = seq, .events = io::get_fixed32(h + 4), .offset = off, .length = len};
  return true;
}

std::string segment_name(uint64_t first_seq) {
  return std::string(kSegmentPrefix) + io::seq_name(first_seq, kSegmentSuffix);
}

bool parse_segment_name(std::string_view name, uint64_t& first_seq) {
  if (!name.starts_with(kSegmentPrefix)) return false;
  return io::parse_seq_name(name.substr(kSegmentPrefix.size()), kSegmentSuffix, first_seq);
}

std::string encode_state(const SpoolStats& s) {
  std::string out(kStateMagic);
  for (uint64_t v : {s.next_seq, s.done_seq, s.dropped_batches, s.dropped_events, s.corrupt_records})
    io::put_fixed64(out, v);
  io::put_fixed32(out, crc32c::mask(crc32c::value(out)));
  return out;
}

Status decode_state(std::string_view in, const std::filesystem::path& path, SpoolStats& s) {
  auto damaged = [&](std::string_view why) {
    return Status::error(fmt::format(
        "spool state file {} is damaged ({}); it holds the acknowledged position and the next batch number, "
        "so the spool will not guess them: move the file aside to start the spool over",
        path.string(), why));
  };
  if (in.size() != kStateSize) return damaged(fmt::format("{} bytes, expected {}", in.size(), kStateSize));
  if (in.substr(0, kStateMagic.size()) != kStateMagic) return damaged("not a spool state file");
  const char* p = in.data() + kStateMagic.size();
  if (crc32c::unmask(io::get_fixed32(p + 40)) != crc32c::value(in.substr(0, kStateSize - 4)))
    return damaged("checksum mismatch");
  s.next_seq = io::get_fixed64(p);
  s.done_seq = io::get_fixed64(p + 8);
  s.dropped_batches = io::get_fixed64(p + 16);
  s.dropped_events = io::get_fixed64(p + 24);
  s.corrupt_records = io::get_fixed64(p + 32);
  if (s.next_seq == 0 || s.next_seq > kMaxSpoolSeq || s.done_seq >= s.next_seq)
    return damaged("acknowledged position beyond the next seq");
  return {};
}

Status pwrite_all(int fd, std::string_view data, uint64_t offset, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io::os_error("cannot write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return {};
}

Status pread_all(int fd, char* out, size_t n, uint64_t offset, const std::filesystem::path& path) {
  while (n > 0) {
    ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return io::os_error("cannot read", path, errno);
    }
    if (got == 0) return Status::error(fmt::format("cannot read {}: unexpected end of file", path.string()));
    out += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return {};
}

// Replaces `path` without fsyncs: the state of a spool opened with sync = false.
Status write_file_renamed(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io::os_error("cannot create", tmp, errno);
  Status s = io::write_all(fd, data, tmp);
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = io::os_error("cannot rename to " + path.string(), tmp, errno);
  return s;
}

}  // namespace

void append_spool_record(std::string& out, uint64_t seq, uint32_t events, std::string_view payload) {
  size_t start = out.size();
  io::put_fixed32(out, static_cast<uint32_t>(payload.size()));
  io::put_fixed32(out, events);
  io::put_fixed64(out, seq);
  io::put_fixed32(out, crc32c::mask(crc32c::value(payload)));
  io::put_fixed32(out, crc32c::mask(crc32c::extend(0, out.data() + start, 20)));
  out.append(payload);
}

SpoolSegmentContents read_spool_segment(std::string_view bytes) {
  SpoolSegmentContents c;
  size_t off = 0;
  uint64_t last_seq = 0;
  while (off < bytes.size()) {
    SpoolRecordRef rec;
    if (intact_at(bytes, off, last_seq, rec)) {
      c.records.push_back(rec);
      last_seq = rec.seq;
      off += kSpoolRecordHeader + rec.length;
      continue;
    }
    // Damage at `off`: look for the next intact record in seq order.
    size_t next = off + 1;
    while (next + kSpoolRecordHeader <= bytes.size() && !intact_at(bytes, next, last_seq, rec)) ++next;
    if (next + kSpoolRecordHeader > bytes.size()) {
      c.damage.push_back({.offset = off, .bytes = bytes.size() - off, .at_tail = true});
      break;
    }
    c.damage.push_back({.offset = off, .bytes = next - off, .at_tail = false});
    off = next;
  }
  return c;
}

struct Spool::Segment {
  std::filesystem::path path;
  int fd = -1;
  uint64_t bytes = 0;
  std::vector<SpoolRecordRef> records;

  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
  uint64_t last_seq() const { return records.empty() ? 0 : records.back().seq; }
};

namespace {

// Counts the batches and events of `records` with lo < seq <= hi.
void count_between(const std::vector<SpoolRecordRef>& records, uint64_t lo, uint64_t hi, uint64_t& batches,
                   uint64_t& events) {
  auto it = std::upper_bound(records.begin(), records.end(), lo,
                             [](uint64_t s, const SpoolRecordRef& r) { return s < r.seq; });
  for (; it != records.end() && it->seq <= hi; ++it) {
    ++batches;
    events += it->events;
  }
}

}  // namespace

Spool::Spool() = default;
Spool::~Spool() = default;

Result<std::unique_ptr<Spool>> Spool::open(const SpoolOptions& options) {
  std::unique_ptr<Spool> spool(new Spool());
  spool->options_ = options;
  SpoolOptions& o = spool->options_;
  if (o.dir.empty()) return Status::error("spool: no directory given");
  if (o.max_bytes < 4 * kSpoolRecordHeader) return Status::error(fmt::format("spool: max_bytes {} is too small", o.max_bytes));
  o.segment_bytes = std::clamp<uint64_t>(o.segment_bytes, kSpoolRecordHeader, o.max_bytes / 4);
  if (Status s = spool->load(); !s.ok()) return s;
  return spool;
}

Status Spool::write_state() {
  std::filesystem::path path = options_.dir / kStateName;
  std::string data = encode_state(st_);
  return options_.sync ? io::write_file_atomic(path, data) : write_file_renamed(path, data);
}

Status Spool::load() {
  const std::filesystem::path& dir = options_.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error(fmt::format("cannot create spool directory {}: {}", dir.string(), ec.message()));
  auto lock = LockFile::acquire(dir);
  if (!lock.ok()) return lock.status();
  lock_ = std::move(*lock);

  std::filesystem::path state_path = dir / kStateName;
  bool have_state = std::filesystem::exists(state_path, ec);
  if (have_state) {
    std::string data;
    if (Status s = io::read_all(state_path, data); !s.ok()) return s;
    if (Status s = decode_state(data, state_path, st_); !s.ok()) return s;
  }
  const uint64_t corrupt_before = st_.corrupt_records;
  const uint64_t next_before = st_.next_seq;

  struct Found {
    uint64_t first_seq;
    std::filesystem::path path;
  };
  std::vector<Found> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    uint64_t first = 0;
    if (parse_segment_name(name, first)) {
      found.push_back({first, entry.path()});
    } else if (name.ends_with(".tmp")) {
      std::filesystem::remove(entry.path(), ec);  // an atomic replace cut by a crash
    }
  }
  if (ec) return Status::error(fmt::format("cannot list spool directory {}: {}", dir.string(), ec.message()));
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.first_seq < b.first_seq; });

  // Read and check everything before touching any file: the counters and the next seq
  // are persisted first, so a crash during the repairs below loses neither.
  struct Loaded {
    std::filesystem::path path;
    std::string bytes;
    SpoolSegmentContents contents;
    bool damaged = false;
  };
  std::vector<Loaded> loaded;
  uint64_t prev_last = 0;
  for (Found& f : found) {
    Loaded l{.path = f.path};
    if (Status s = io::read_all(f.path, l.bytes); !s.ok()) return s;
    l.contents = read_spool_segment(l.bytes);
    // Seqs rise across segments too; an intact record out of that order cannot be trusted.
    auto& recs = l.contents.records;
    while (!recs.empty() && recs.front().seq <= prev_last) {
      l.contents.damage.push_back({.offset = recs.front().offset,
                                   .bytes = kSpoolRecordHeader + recs.front().length, .at_tail = false});
      recs.erase(recs.begin());
    }
    uint64_t before = f.first_seq > 0 ? f.first_seq - 1 : 0;  // the seq just before this segment's first
    uint64_t skip = 0;
    for (const SpoolDamage& d : l.contents.damage) {
      l.damaged = true;
      // How many records the region lost: exact between two intact records (seqs are
      // consecutive in a segment), at least one otherwise.
      uint64_t lost = 1;
      if (!d.at_tail) {
        auto after = std::find_if(recs.begin(), recs.end(), [&](const SpoolRecordRef& r) { return r.offset > d.offset; });
        auto prior = std::find_if(recs.rbegin(), recs.rend(), [&](const SpoolRecordRef& r) { return r.offset < d.offset; });
        uint64_t lo = prior != recs.rend() ? prior->seq : before;
        if (after != recs.end() && after->seq > lo + 1) lost = after->seq - lo - 1;
      }
      st_.corrupt_records += lost;
      // A damaged record may have been handed out and shipped: its seq must never come
      // back. Every record takes at least a header, which bounds how many there were.
      skip += (d.bytes + kSpoolRecordHeader - 1) / kSpoolRecordHeader;
      spdlog::warn("spool {}: {} damaged bytes at offset {}{} ({} batch(es) lost); cut away", l.path.string(), d.bytes,
                   d.offset, d.at_tail ? ", the tail (a write cut by a crash?)" : ", intact records follow", lost);
    }
    uint64_t last = recs.empty() ? before : recs.back().seq;
    st_.next_seq = std::max(st_.next_seq, last + 1 + skip);
    if (!recs.empty()) prev_last = recs.back().seq;
    loaded.push_back(std::move(l));
  }
  st_.next_seq = std::max(st_.next_seq, st_.done_seq + 1);
  if (!have_state || st_.corrupt_records != corrupt_before || st_.next_seq != next_before) {
    if (Status s = write_state(); !s.ok()) return s;
  }

  for (Loaded& l : loaded) {
    auto& recs = l.contents.records;
    bool done = recs.empty() || recs.back().seq <= st_.done_seq;
    if (done) {
      if (::unlink(l.path.c_str()) != 0 && errno != ENOENT) return io::os_error("cannot remove", l.path, errno);
      continue;
    }
    auto seg = std::make_unique<Segment>();
    seg->path = l.path;
    if (l.damaged) {
      bool only_tail = l.contents.damage.size() == 1 && l.contents.damage[0].at_tail;
      if (only_tail) {
        uint64_t keep = l.contents.damage[0].offset;
        if (options_.sync) {
          if (Status s = wal::truncate(l.path, keep); !s.ok()) return s;
        } else if (::truncate(l.path.c_str(), static_cast<off_t>(keep)) != 0) {
          return io::os_error("cannot truncate", l.path, errno);
        }
      } else {
        // Damage in the middle: rewrite the file with its intact records only.
        std::string clean;
        for (SpoolRecordRef& r : recs) {
          uint64_t at = clean.size();
          clean.append(l.bytes, r.offset, kSpoolRecordHeader + r.length);
          r.offset = at;
        }
        Status s = options_.sync ? io::write_file_atomic(l.path, clean) : write_file_renamed(l.path, clean);
        if (!s.ok()) return s;
      }
    }
    const SpoolRecordRef& tail = recs.back();
    seg->bytes = tail.offset + kSpoolRecordHeader + tail.length;
    seg->records = std::move(recs);
    seg->fd = ::open(l.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (seg->fd < 0) return io::os_error("cannot open", l.path, errno);
    st_.bytes_on_disk += seg->bytes;
    count_between(seg->records, st_.done_seq, UINT64_MAX, st_.batches_waiting, st_.events_waiting);
    segments_.push_back(std::move(seg));
  }
  if (st_.batches_waiting > 0 || st_.dropped_batches > 0 || st_.corrupt_records > 0) {
    spdlog::info("spool {}: {} batches ({} events) waiting, next seq {}; {} batches dropped when full, {} corrupt so far",
                 dir.string(), st_.batches_waiting, st_.events_waiting, st_.next_seq, st_.dropped_batches,
                 st_.corrupt_records);
  }
  return {};
}

// The stats become `next` once they are on disk; a failed write leaves them as they were.
Status Spool::replace_state(SpoolStats next) {
  std::swap(st_, next);
  Status s = write_state();
  if (!s.ok()) std::swap(st_, next);
  return s;
}

Status Spool::drop_oldest_segment() {
  Segment& seg = *segments_.front();
  SpoolStats next = st_;
  uint64_t batches = 0, events = 0;
  count_between(seg.records, st_.done_seq, UINT64_MAX, batches, events);
  next.done_seq = std::max(st_.done_seq, seg.last_seq());
  next.dropped_batches += batches;
  next.dropped_events += events;
  next.batches_waiting -= batches;
  next.events_waiting -= events;
  // State first: a crash before the unlink leaves a segment that is all done, removed at open.
  if (Status s = replace_state(next); !s.ok()) return s;
  if (batches > 0) {
    spdlog::warn("spool {} full ({} bytes cap): dropped the {} oldest batches ({} events, up to seq {})",
                 options_.dir.string(), options_.max_bytes, batches, events, seg.last_seq());
  }
  if (::unlink(seg.path.c_str()) != 0 && errno != ENOENT) return io::os_error("cannot remove", seg.path, errno);
  st_.bytes_on_disk -= seg.bytes;
  if (segments_.size() == 1) active_open_ = false;
  segments_.erase(segments_.begin());
  return {};
}

Status Spool::delete_done_segments() {
  while (!segments_.empty() && segments_.front()->last_seq() <= st_.done_seq) {
    Segment& seg = *segments_.front();
    if (::unlink(seg.path.c_str()) != 0 && errno != ENOENT) return io::os_error("cannot remove", seg.path, errno);
    st_.bytes_on_disk -= seg.bytes;
    if (segments_.size() == 1) active_open_ = false;
    segments_.erase(segments_.begin());
  }
  return {};
}

Status Spool::roll_for(uint64_t record_bytes) {
  if (active_open_) {
    const Segment& a = *segments_.back();
    if (a.bytes == 0 || a.bytes + record_bytes <= options_.segment_bytes) return {};
    active_open_ = false;
  }
  auto seg = std::make_unique<Segment>();
  seg->path = options_.dir / segment_name(st_.next_seq);
  seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (seg->fd < 0) return io::os_error("cannot create spool segment", seg->path, errno);
  // The directory entry must be durable before any record in the file is acknowledged.
  if (options_.sync) {
    if (Status s = io::sync_dir(options_.dir); !s.ok()) return s;
  }
  segments_.push_back(std::move(seg));
  active_open_ = true;
  return {};
}

Result<uint64_t> Spool::append(std::string_view payload, uint32_t events) {
  std::lock_guard<std::mutex> guard(mu_);
  if (payload.empty()) return Status::error("spool: an empty batch cannot be appended");
  const uint64_t record_bytes = kSpoolRecordHeader + payload.size();
  if (payload.size() > UINT32_MAX || record_bytes > options_.max_bytes) {
    return Status::error(fmt::format("spool: a batch of {} bytes does not fit the spool's cap of {} bytes",
                                     payload.size(), options_.max_bytes));
  }
  if (st_.next_seq >= kMaxSpoolSeq) return Status::error("spool: batch numbers are exhausted");
  // Full: the oldest segments go (the new batch is always kept).
  while (st_.bytes_on_disk + record_bytes > options_.max_bytes && !segments_.empty()) {
    if (Status s = drop_oldest_segment(); !s.ok()) return s;
  }
  if (Status s = roll_for(record_bytes); !s.ok()) return s;

  Segment& seg = *segments_.back();
  const uint64_t seq = st_.next_seq++;  // consumed even if the write fails: it may be on disk
  record_.clear();
  append_spool_record(record_, seq, events, payload);
  Status s = pwrite_all(seg.fd, record_, seg.bytes, seg.path);
  if (s.ok() && options_.sync && ::fdatasync(seg.fd) != 0) s = io::os_error("cannot fdatasync", seg.path, errno);
  if (!s.ok()) {
    // Take the partial record back if possible, and continue in a fresh file either way.
    if (::ftruncate(seg.fd, static_cast<off_t>(seg.bytes)) != 0) {
      spdlog::warn("spool {}: cannot cut a failed write back: {}", seg.path.string(), std::strerror(errno));
    }
    active_open_ = false;
    return s;
  }
  seg.records.push_back({.seq = seq, .events = events, .offset = seg.bytes, .length = static_cast<uint32_t>(payload.size())});
  seg.bytes += record_bytes;
  st_.bytes_on_disk += record_bytes;
  ++st_.batches_waiting;
  st_.events_waiting += events;
  return seq;
}

Result<std::optional<SpooledBatch>> Spool::oldest() { return next_after(0); }

Result<std::optional<SpooledBatch>> Spool::next_after(uint64_t after) {
  std::lock_guard<std::mutex> guard(mu_);
  return next_after_locked(after);
}

Result<std::optional<SpooledBatch>> Spool::next_after_locked(uint64_t after) {
  const uint64_t from = std::max(after, st_.done_seq);
  for (auto& segp : segments_) {
    Segment& seg = *segp;
    auto& recs = seg.records;
    auto it = std::upper_bound(recs.begin(), recs.end(), from,
                               [](uint64_t s, const SpoolRecordRef& r) { return s < r.seq; });
    while (it != recs.end()) {
      std::string bytes(kSpoolRecordHeader + it->length, '\0');
      if (Status s = pread_all(seg.fd, bytes.data(), bytes.size(), it->offset, seg.path); !s.ok()) return s;
      SpoolRecordRef check;
      if (intact_at(bytes, 0, 0, check) && check.seq == it->seq && check.length == it->length) {
        bytes.erase(0, kSpoolRecordHeader);
        return std::optional<SpooledBatch>(SpooledBatch{.seq = it->seq, .events = it->events, .payload = std::move(bytes)});
      }
      // Damaged since open (the disk): count it, never hand it out, go on with the next.
      spdlog::error("spool {}: batch {} at offset {} is damaged on disk; skipped", seg.path.string(), it->seq,
                    it->offset);
      ++st_.corrupt_records;
      --st_.batches_waiting;
      st_.events_waiting -= it->events;
      it = recs.erase(it);
      if (Status s = write_state(); !s.ok()) return s;
    }
  }
  return std::optional<SpooledBatch>();
}

Status Spool::ack(uint64_t seq) {
  std::lock_guard<std::mutex> guard(mu_);
  if (seq >= st_.next_seq) {
    return Status::error(fmt::format("spool: ack of batch {}, which was never handed out (next seq {})", seq, st_.next_seq));
  }
  if (seq <= st_.done_seq) return {};
  SpoolStats next = st_;
  uint64_t batches = 0, events = 0;
  for (const auto& seg : segments_) count_between(seg->records, st_.done_seq, seq, batches, events);
  next.done_seq = seq;
  next.batches_waiting -= batches;
  next.events_waiting -= events;
  if (Status s = replace_state(next); !s.ok()) return s;
  return delete_done_segments();
}

SpoolStats Spool::stats() const {
  std::lock_guard<std::mutex> guard(mu_);
  return st_;
}

}  // namespace vigil
