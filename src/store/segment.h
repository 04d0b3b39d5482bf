// Segment file: segments/<seq>.seg, an immutable set of sealed batches with the
// time range they cover, so scans skip whole files. Written once (temp file, fsync,
// rename, directory fsync) and never modified.
//
// Header (88 bytes, little-endian):
//   char[8] magic "VIGLSEG\0"   u32 version (1)   u32 flags (0)
//   u64 events   u64 batches   i64 min_time   i64 max_time
//   u64 wal_first   u64 wal_last     WAL files [first, last] whose records this holds
//   u64 payload_bytes   u64 raw_bytes   (compressed / uncompressed payload)
//   u32 payload_crc   u32 header_crc    (masked crc32c; header_crc covers bytes 0..83)
// Payload: one zstd frame of, per batch,
//   varint zigzag(min_time)  varint zigzag(max_time)  varint length  encode_batch() bytes
// The WAL range makes seal + WAL deletion crash-safe: recovery skips replay of WAL
// files a segment already covers, so a crash between the two never duplicates events.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include "core/event_batch.h"
#include "core/status.h"
#include "core/time.h"

namespace vigil::segment {

constexpr size_t kHeaderSize = 88;
constexpr uint32_t kVersion = 1;
constexpr std::string_view kSuffix = ".seg";

struct Header {
  uint64_t events = 0;
  uint64_t batches = 0;
  TimeNs min_time = 0;
  TimeNs max_time = 0;
  uint64_t wal_first = 0;
  uint64_t wal_last = 0;
  uint64_t payload_bytes = 0;
  uint64_t raw_bytes = 0;
  uint32_t payload_crc = 0;
};

// A segment on disk as the store knows it after open or seal.
struct Info {
  uint64_t seq = 0;
  std::filesystem::path path;
  Header header;
};

using Batches = std::span<const std::shared_ptr<const EventBatch>>;

// Encodes and compresses `batches` (none empty) and writes them durably to `path`.
Result<Header> write(const std::filesystem::path& path, Batches batches, uint64_t wal_first, uint64_t wal_last);

// Reads and checks the header (and that the file length matches it).
Result<Header> read_header(const std::filesystem::path& path);

// Calls visit for each batch that may hold events in [from, to]; returns false when
// visit asked to stop. Checks the payload checksum; a damaged segment is an error.
Result<bool> scan(const Info& segment, TimeNs from, TimeNs to, const std::function<bool(const EventBatch&)>& visit);

}  // namespace vigil::segment
