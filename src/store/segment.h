// Segment file: an immutable, columnar, indexed set of events of one partition
// (partition.h), sorted by time within each block, so that scans skip whole files,
// whole blocks and whole columns. Written once and never modified.
//
//   header (80 bytes, little-endian)
//     char[8] "VIGLSEG2"  u32 version (2)  u32 flags (0)  u64 events
//     i64 min_time  i64 max_time  u64 wal_first  u64 wal_last   (WAL files it holds)
//     u64 footer_offset  u32 footer_bytes  u32 footer_raw_bytes  u32 footer_crc
//     u32 header_crc (masked crc32c of bytes 0..75)
//   blocks of up to block_rows events or block_raw_bytes of raw text, each as
//     one zstd frame per column that has values in the block (column_codec.h), and
//     the block's token Bloom filter (token_index.h), uncompressed
//   footer (zstd): the partition name; per block its rows, raw text bytes, time
//     range and filter location; per column its name, type, occurrence (the n-th value of a field
//     repeated in one event) and per block the chunk's location, size, checksum,
//     present count and min/max.
//
// Event time, receive time, flags, raw text, source and parse error are columns
// like any other ("@time", "@raw", ...); tenant and input come from the partition.
// The WAL range makes seal + WAL deletion crash-safe: recovery skips replay of WAL
// files a segment already covers, so a crash between the two never duplicates events.
// A seal writes one segment per partition; the signed manifest (manifest.h) commits
// them together, so recovery reads only segments the manifest holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/event_batch.h"
#include "core/status.h"
#include "core/time.h"
#include "store/column_codec.h"
#include "store/partition.h"
#include "store/scan.h"

namespace vigil::segment {

constexpr size_t kHeaderSize = 80;
constexpr uint32_t kVersion = 2;
constexpr std::string_view kSuffix = ".vseg";

struct Header {
  uint64_t events = 0;
  TimeNs min_time = 0;
  TimeNs max_time = 0;
  uint64_t wal_first = 0;
  uint64_t wal_last = 0;
  uint64_t footer_offset = 0;
  uint32_t footer_bytes = 0;
  uint32_t footer_raw_bytes = 0;
  uint32_t footer_crc = 0;
};

enum class System : uint8_t { None = 0, Time, ReceiveTime, Flags, Raw, Source, ParseError };

struct ChunkMeta {
  uint64_t offset = 0;
  uint32_t bytes = 0;  // 0: the column has no value in this block
  uint32_t raw_bytes = 0;
  uint32_t crc = 0;
  bool uses_raw = false;  // decoding needs the block's raw texts (column_codec.h)
  column::ChunkStats stats;
};

struct ColumnMeta {
  std::string name;  // field path, or "@time", "@raw", ... for System columns
  FieldType type = FieldType::String;
  uint32_t occurrence = 0;
  System system = System::None;
  FieldId id = kNoField;          // interned name (System::None only)
  std::vector<ChunkMeta> chunks;  // one per block
};

struct BlockMeta {
  uint32_t rows = 0;
  uint64_t raw_text_bytes = 0;  // sum of the events' raw text lengths, for ratios
  TimeNs min_time = 0, max_time = 0;
  uint64_t bloom_offset = 0;
  uint32_t bloom_bytes = 0;
  uint32_t bloom_crc = 0;
};

struct Footer {
  PartitionKey partition;
  std::vector<BlockMeta> blocks;
  std::vector<ColumnMeta> columns;
};

// What scans learn about a segment and keep: the token filters of its blocks.
struct SegmentCache {
  mutable std::mutex mu;
  mutable std::vector<std::string> filters;  // by block, once loaded
  mutable std::vector<uint8_t> loaded;
};

// A segment as the store knows it after open or seal.
struct Info {
  uint64_t seq = 0;
  std::filesystem::path path;
  uint64_t file_bytes = 0;
  Header header;
  std::shared_ptr<const Footer> footer;
  std::shared_ptr<const std::string> bytes;  // set by parse(): scan reads these, not the file
  std::shared_ptr<SegmentCache> cache = std::make_shared<SegmentCache>();
};

struct WriteOptions {
  uint32_t block_rows = 16384;
  size_t block_raw_bytes = 4u << 20;
  int column_level = 3;  // zstd levels
  int raw_level = 6;
  // ~0.2% false positives per token: a false positive costs reading a whole block,
  // the filter a few bits per distinct token.
  unsigned bloom_bits_per_token = 14;
};

// An event to seal: the batch stays alive until write returns.
struct Row {
  const EventBatch* batch;
  uint32_t index;
};

struct Built {
  std::string bytes;  // the whole file
  Header header;
  std::shared_ptr<const Footer> footer;
};

// Encodes `rows` (all of `partition`; sorted by time here, stably) as a segment file.
Built build(const PartitionKey& partition, std::vector<Row>& rows, uint64_t wal_first, uint64_t wal_last,
            const WriteOptions& options = {});

// One segment holding every event of `parts` (one partition), covering all their WAL
// files. Blocks at least a quarter full are copied as stored; the rows of smaller
// ones are decoded and rebuilt into full blocks. Blocks keep their own time ranges,
// so in a merged segment they may overlap (nothing needs them in order).
Result<Built> merge(std::span<const Info* const> parts, const WriteOptions& options = {});

// Reads and checks the header and footer of a segment file.
Result<Info> open(const std::filesystem::path& path, uint64_t seq);
// The same from bytes in memory (what open() does after reading; also for fuzzing).
Result<Info> parse(std::string_view file, const std::filesystem::path& path, uint64_t seq);

// Decodes the (decompressed) footer of a segment with header `h`; for parse() and fuzzing.
Result<std::shared_ptr<const Footer>> decode_footer(std::string_view raw, const Header& h,
                                                    const std::filesystem::path& path);

// A ScanRequest prepared once per scan: term hashes computed, names resolved.
struct Plan {
  explicit Plan(ScanRequest request);
  const ScanRequest request;
  std::vector<std::vector<uint64_t>> must_hashes;  // per term / string condition: all must be in a block
};

// The batch is the visitor's to keep (move it out) or to read.
using Visit = std::function<bool(EventBatch&)>;

// The same rows as scan(), as decoded columns of each block instead of events: for
// aggregations, which then need neither events nor text. Only projected fields.
Result<bool> scan_blocks(const Info& segment, const Plan& plan, const VisitBlock& visit, ScanStats& stats);

// Calls visit with the events of the segment that may satisfy `plan` (time range and
// pushed-down conditions checked), projected. Returns false when visit asked to stop.
// A damaged chunk (checksum, decoding) is an error naming the segment and block.
Result<bool> scan(const Info& segment, const Plan& plan, const Visit& visit, ScanStats& stats);

}  // namespace vigil::segment
