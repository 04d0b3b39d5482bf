// Recovery at open (see recovery.h).
//
// Order matters for read-only opens beside a live writer, which seals (writes a
// segment, then deletes the WAL files it covers) at any time: WAL names are listed
// first, segments second. A listed WAL file that is gone by the time it is opened
// was sealed into a segment the listing may have missed, so the whole pass restarts.
#include "store/recovery.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <system_error>

#include "core/batch_codec.h"
#include "store/io.h"
#include "store/wal.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

// Sequence-numbered files with `suffix` in `dir` (absent dir: none). Stray "*.tmp"
// files, left by a crash during an atomic write, are returned in `tmp`.
Status list_dir(const fs::path& dir, std::string_view suffix, std::map<uint64_t, fs::path>& out,
                std::vector<fs::path>* tmp) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    uint64_t seq;
    if (io::parse_seq_name(name, suffix, seq)) {
      out[seq] = it->path();
    } else if (tmp && name.ends_with(".tmp")) {
      tmp->push_back(it->path());
    }
  }
  if (ec) return Status::error(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  return {};
}

// Best effort: a file that cannot be removed now is harmless and tried again next open.
void remove_file(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) spdlog::warn("store: cannot remove {}: {}", path.string(), ec.message());
}

// One recovery pass; `vanished` is set when a listed WAL file disappeared (read-only).
Result<Recovered> recover_once(const fs::path& dir, bool read_only, const std::set<uint64_t>& committed,
                               bool& vanished) {
  Recovered r;
  std::map<uint64_t, fs::path> wals, segs;
  std::vector<fs::path> tmps;
  if (Status s = list_dir(dir / "wal", wal::kSuffix, wals, nullptr); !s.ok()) return s;
  if (Status s = list_dir(dir / "segments", segment::kSuffix, segs, &tmps); !s.ok()) return s;

  uint64_t covered = 0;
  for (const auto& [seq, path] : segs) {
    r.next_segment_seq = std::max(r.next_segment_seq, seq + 1);
    if (!committed.count(seq)) {
      if (!read_only) {
        spdlog::warn("store {}: segment file {} is not recorded in the manifest; not reading it (`vigil verify` "
                     "reports it)",
                     dir.string(), path.filename().string());
      }
      continue;
    }
    auto info = segment::open(path, seq);
    if (!info.ok()) return Status::error(info.error() + " (refusing to open: sealed events would be missing)");
    covered = std::max(covered, info->header.wal_last);
    r.segments.push_back(std::move(*info));
  }
  for (uint64_t seq : committed) {
    r.next_segment_seq = std::max(r.next_segment_seq, seq + 1);
    if (!segs.count(seq) && !read_only) {
      spdlog::error("store {}: segment {} recorded in the manifest is missing; its events are lost unless restored "
                    "(`vigil verify` reports it)",
                    dir.string(), io::seq_name(seq, segment::kSuffix));
    }
  }
  r.first_unsealed_wal = covered + 1;
  r.next_wal_seq = covered + 1;
  if (!wals.empty()) r.next_wal_seq = std::max(r.next_wal_seq, wals.rbegin()->first + 1);

  if (!read_only) {
    for (const auto& tmp : tmps) {
      spdlog::info("store {}: removing {} left by an interrupted seal", dir.string(), tmp.filename().string());
      remove_file(tmp);
    }
  }

  std::string data;
  for (auto it = wals.begin(); it != wals.end(); ++it) {
    const auto& [seq, path] = *it;
    if (seq <= covered) {
      // A crash between a segment's rename and the deletion of the WAL files it holds.
      if (!read_only) {
        spdlog::info("store {}: removing WAL file {}, already sealed into a segment", dir.string(),
                     path.filename().string());
        remove_file(path);
      }
      continue;
    }
    if (Status s = io::read_all(path, data); !s.ok()) {
      if (std::error_code ec; read_only && !fs::exists(path, ec)) {
        vanished = true;
        return s;
      }
      return s;
    }
    auto read = wal::read_records(data, path, [&](std::string_view payload, uint64_t) -> Status {
      auto batch = decode_batch(payload);
      if (!batch.ok()) return Status::error("undecodable batch (" + batch.error() + ")");
      if (batch->empty()) return {};
      MemBatch m;
      m.min_time = batch->min_time();
      m.max_time = batch->max_time();
      m.bytes = payload.size();
      r.replayed_events += batch->size();
      m.batch = std::make_shared<const EventBatch>(std::move(*batch));
      r.memory.push_back(std::move(m));
      return {};
    });
    if (!read.ok()) return read.status();
    ++r.wal_files;
    r.wal_bytes += read->valid_bytes;
    if (read->valid_bytes == read->file_bytes) {
      // Every open starts a WAL file; one that got no records would otherwise stay forever.
      if (!read_only && read->file_bytes == 0) remove_file(path);
      continue;
    }
    uint64_t torn = read->file_bytes - read->valid_bytes;
    if (std::next(it) != wals.end()) {
      // A newer WAL file is only started after this one was fully synced.
      return Status::error(
          fmt::format("WAL file {} is damaged at offset {} ({} bytes) although a newer WAL file exists; refusing "
                      "to open so that acknowledged events are not dropped — move the file aside to accept the loss",
                      path.string(), read->valid_bytes, torn));
    }
    if (read_only) {
      spdlog::info(
          "store {}: WAL file {} ends in {} incomplete bytes at offset {} (torn or being written); "
          "reading up to there",
          dir.string(), path.string(), torn, read->valid_bytes);
      continue;
    }
    spdlog::warn(
        "store {}: WAL file {} has a torn tail: discarding {} bytes at offset {} (a write that was "
        "never acknowledged)",
        dir.string(), path.string(), torn, read->valid_bytes);
    if (Status s = wal::truncate(path, read->valid_bytes); !s.ok()) return s;
  }
  return r;
}

}  // namespace

Result<Recovered> recover(const fs::path& dir, bool read_only, const std::set<uint64_t>& committed) {
  for (int attempt = 0;; ++attempt) {
    bool vanished = false;
    auto r = recover_once(dir, read_only, committed, vanished);
    if (r.ok() || !vanished || attempt == 10) return r;
  }
}

}  // namespace vigil
