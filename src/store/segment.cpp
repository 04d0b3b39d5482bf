// Segment files: build, open, scan (format in segment.h).
#include "store/segment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <numeric>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "core/varint.h"
#include "store/crc32c.h"
#include "store/io.h"
#include "store/token_index.h"

namespace vigil::segment {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'V', 'I', 'G', 'L', 'S', 'E', 'G', '2'};
constexpr uint32_t kMaxBlockRows = 1u << 20;
constexpr uint32_t kMaxFooterRaw = 256u << 20;
constexpr uint32_t kMaxChunkRaw = 1u << 30;

struct SystemColumn {
  System system;
  std::string_view name;
  FieldType type;
};
constexpr SystemColumn kSystemColumns[] = {
    {System::Time, "@time", FieldType::Timestamp},       {System::ReceiveTime, "@receive_time", FieldType::Timestamp},
    {System::Flags, "@flags", FieldType::Int64},         {System::Raw, "@raw", FieldType::String},
    {System::Source, "@source", FieldType::String},      {System::ParseError, "@parse_error", FieldType::String},
};

uint32_t masked_crc(std::string_view b) { return crc32c::mask(crc32c::value(b)); }

// One zstd context per thread: creating one per chunk would cost more than compressing.
ZSTD_CCtx* compress_context() {
  thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  return ctx.get();
}
ZSTD_DCtx* decompress_context() {
  thread_local std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  return ctx.get();
}

void compress_into(std::string& out, std::string_view in, int level) {
  size_t start = out.size();
  out.resize(start + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(compress_context(), out.data() + start, out.size() - start, in.data(), in.size(), level);
  // Only a too-small destination can fail, and compressBound rules that out.
  if (ZSTD_isError(n)) std::abort();
  out.resize(start + n);
}

// ---- building ----

struct ColumnBuild {
  ColumnMeta meta;
  std::vector<uint32_t> rows;  // rows of the current block with a value
  std::vector<Value> values;
  uint32_t last_row = UINT32_MAX;  // to spot a field repeated within one event
};

class Builder {
 public:
  Builder(const PartitionKey& partition, const WriteOptions& options) : options_(options) {
    footer_ = std::make_shared<Footer>();
    footer_->partition = partition;
    for (const auto& s : kSystemColumns) {
      ColumnBuild c;
      c.meta.name = std::string(s.name);
      c.meta.type = s.type;
      c.meta.system = s.system;
      columns_.push_back(std::move(c));
    }
    file_.assign(kHeaderSize, '\0');
  }

  void add_block(std::span<const Row> rows) {
    const uint32_t n = static_cast<uint32_t>(rows.size());
    BlockMeta block;
    block.rows = n;
    block.min_time = rows.front().batch->events()[rows.front().index].time;
    block.max_time = rows.back().batch->events()[rows.back().index].time;
    auto add_tokens = [this](std::string_view text) {
      token_index::for_each_token_hash(text, [this](uint64_t h) { bloom_.add(h); });
    };
    times_.resize(n);
    raws_.resize(n);
    for (uint32_t r = 0; r < n; ++r) {
      const EventBatch& batch = *rows[r].batch;
      const Event& e = batch.events()[rows[r].index];
      times_[r] = e.time;
      raws_[r] = e.raw;
      block.raw_text_bytes += e.raw.size();
      push(0, r, Value::timestamp(e.time));
      push(1, r, Value::timestamp(e.receive_time));
      if (e.flags) push(2, r, Value::int64(e.flags));
      push(3, r, Value::string(e.raw));
      add_tokens(e.raw);
      if (!e.source.empty()) push(4, r, Value::string(e.source));
      if (!e.parse_error.empty()) push(5, r, Value::string(e.parse_error));
      for (const Field& f : batch.fields(e)) {
        push(column_for(f.id, f.value.type, r), r, f.value);
        if (f.value.type == FieldType::String && !covered_by_raw(f.value.as_string(), e.raw)) {
          add_tokens(f.value.as_string());
        }
      }
    }
    const column::RowContext with_context{times_, raws_};
    const size_t block_index = footer_->blocks.size();
    for (auto& c : columns_) {
      c.meta.chunks.resize(block_index + 1);
      if (c.values.empty()) continue;
      ChunkMeta& chunk = c.meta.chunks[block_index];
      scratch_.clear();
      // @time and @raw are what the other columns are encoded against.
      const bool base = c.meta.system == System::Time || c.meta.system == System::Raw;
      column::encode_chunk(c.meta.type, n, c.rows, c.values, base ? column::RowContext{} : with_context, scratch_,
                           chunk.stats, chunk.uses_raw);
      chunk.offset = file_.size();
      chunk.raw_bytes = static_cast<uint32_t>(scratch_.size());
      compress_into(file_, scratch_, c.meta.system == System::Raw ? options_.raw_level : options_.column_level);
      chunk.bytes = static_cast<uint32_t>(file_.size() - chunk.offset);
      chunk.crc = masked_crc(std::string_view(file_).substr(chunk.offset));
      c.rows.clear();
      c.values.clear();
      c.last_row = UINT32_MAX;
    }
    block.bloom_offset = file_.size();
    bloom_.finish(file_, options_.bloom_bits_per_token);
    block.bloom_bytes = static_cast<uint32_t>(file_.size() - block.bloom_offset);
    block.bloom_crc = masked_crc(std::string_view(file_).substr(block.bloom_offset));
    footer_->blocks.push_back(block);
  }

  // Appends a block of another segment as it is stored: `chunks` are its column
  // chunks (with their columns), `bloom` its token filter, all checked by the caller.
  struct StoredChunk {
    const ColumnMeta* column;
    const ChunkMeta* meta;
    std::string_view bytes;
  };
  void copy_block(const BlockMeta& from, std::string_view bloom, std::span<const StoredChunk> chunks) {
    const size_t block_index = footer_->blocks.size();
    for (const StoredChunk& c : chunks) {
      const ColumnMeta& m = *c.column;
      uint32_t col = m.system != System::None ? system_index(m.system) : column_of(m.id, m.type, m.occurrence);
      columns_[col].meta.chunks.resize(block_index + 1);
      ChunkMeta& chunk = columns_[col].meta.chunks[block_index];
      chunk = *c.meta;
      chunk.offset = file_.size();
      file_.append(c.bytes);
    }
    for (auto& c : columns_) c.meta.chunks.resize(block_index + 1);
    BlockMeta block = from;
    block.bloom_offset = file_.size();
    file_.append(bloom);
    footer_->blocks.push_back(block);
  }

  Built finish(uint64_t events, uint64_t wal_first, uint64_t wal_last) {
    for (auto& c : columns_) footer_->columns.push_back(std::move(c.meta));
    std::string footer = encode_footer(*footer_);
    Header h;
    h.events = events;
    // Blocks of a merge keep their own ranges, which may overlap.
    h.min_time = footer_->blocks.front().min_time;
    h.max_time = footer_->blocks.front().max_time;
    for (const BlockMeta& b : footer_->blocks) {
      h.min_time = std::min(h.min_time, b.min_time);
      h.max_time = std::max(h.max_time, b.max_time);
    }
    h.wal_first = wal_first;
    h.wal_last = wal_last;
    h.footer_offset = file_.size();
    h.footer_raw_bytes = static_cast<uint32_t>(footer.size());
    compress_into(file_, footer, options_.column_level);
    h.footer_bytes = static_cast<uint32_t>(file_.size() - h.footer_offset);
    h.footer_crc = masked_crc(std::string_view(file_).substr(h.footer_offset));
    std::string header = encode_header(h);
    file_.replace(0, kHeaderSize, header);
    return Built{std::move(file_), h, std::move(footer_)};
  }

  static std::string encode_header(const Header& h) {
    std::string out(kMagic, sizeof kMagic);
    io::put_fixed32(out, kVersion);
    io::put_fixed32(out, 0);  // flags
    io::put_fixed64(out, h.events);
    io::put_fixed64(out, static_cast<uint64_t>(h.min_time));
    io::put_fixed64(out, static_cast<uint64_t>(h.max_time));
    io::put_fixed64(out, h.wal_first);
    io::put_fixed64(out, h.wal_last);
    io::put_fixed64(out, h.footer_offset);
    io::put_fixed32(out, h.footer_bytes);
    io::put_fixed32(out, h.footer_raw_bytes);
    io::put_fixed32(out, h.footer_crc);
    io::put_fixed32(out, masked_crc(out));
    return out;
  }

 private:
  // A value cut out of the raw text at token boundaries holds only tokens (and
  // joined pairs) of the raw text, which the index has already.
  static bool covered_by_raw(std::string_view s, std::string_view raw) {
    if (s.empty() || s.data() < raw.data() || s.data() + s.size() > raw.data() + raw.size()) return false;
    const auto* first = reinterpret_cast<const unsigned char*>(s.data());
    const auto* last = first + s.size() - 1;
    const auto* raw_begin = reinterpret_cast<const unsigned char*>(raw.data());
    const auto* raw_end = raw_begin + raw.size();
    bool start_ok = first == raw_begin || !token_index::is_token_byte(*first) || !token_index::is_token_byte(first[-1]);
    bool end_ok = last + 1 == raw_end || !token_index::is_token_byte(*last) || !token_index::is_token_byte(last[1]);
    return start_ok && end_ok;
  }

  void push(uint32_t col, uint32_t row, const Value& v) {
    ColumnBuild& c = columns_[col];
    c.rows.push_back(row);
    c.values.push_back(v);
    c.last_row = row;
  }

  // The column for the next value of field `id` with type `type` in row `row`: the
  // first value goes to occurrence 0, a repeat in the same event to occurrence 1...
  uint32_t column_for(FieldId id, FieldType type, uint32_t row) {
    uint32_t col = column_of(id, type, 0);
    for (uint32_t occ = 1; columns_[col].last_row == row; ++occ) col = column_of(id, type, occ);
    return col;
  }

  // Where the constructor put a system column.
  static uint32_t system_index(System system) {
    uint32_t i = 0;
    while (kSystemColumns[i].system != system) ++i;
    return i;
  }

  // The column of the occurrence-th value of field `id` in `type`, made on first use.
  uint32_t column_of(FieldId id, FieldType type, uint32_t occurrence) {
    size_t slot = static_cast<size_t>(id) * 6 + static_cast<size_t>(type);
    if (occurrence == 0) {
      if (slot >= dense_.size()) dense_.resize(slot + 1024, UINT32_MAX);
      uint32_t& col = dense_[slot];
      if (col == UINT32_MAX) col = add_column(id, type, 0);
      return col;
    }
    uint64_t key = (static_cast<uint64_t>(slot) << 20) | occurrence;
    auto it = repeats_.find(key);
    if (it == repeats_.end()) it = repeats_.emplace(key, add_column(id, type, occurrence)).first;
    return it->second;
  }

  uint32_t add_column(FieldId id, FieldType type, uint32_t occurrence) {
    ColumnBuild c;
    c.meta.name = std::string(field_name(id));
    c.meta.type = type;
    c.meta.occurrence = occurrence;
    c.meta.id = id;
    columns_.push_back(std::move(c));
    return static_cast<uint32_t>(columns_.size() - 1);
  }

  static void put_stats(std::string& out, FieldType type, const column::ChunkStats& st) {
    put_varint(out, st.present);
    out.push_back(st.has_minmax ? 1 : 0);
    if (!st.has_minmax) return;
    switch (type) {
      case FieldType::Int64:
      case FieldType::Timestamp:
        put_varint(out, zigzag(st.int_min));
        put_varint(out, zigzag(st.int_max));
        break;
      case FieldType::Float64: {
        uint64_t a, b;
        std::memcpy(&a, &st.float_min, 8);
        std::memcpy(&b, &st.float_max, 8);
        io::put_fixed64(out, a);
        io::put_fixed64(out, b);
        break;
      }
      case FieldType::Ip:
        out.append(reinterpret_cast<const char*>(st.ip_min.bytes.data()), 16);
        out.append(reinterpret_cast<const char*>(st.ip_max.bytes.data()), 16);
        break;
      default:
        break;
    }
  }

  static std::string encode_footer(const Footer& f) {
    std::string out;
    put_bytes(out, f.partition.name());
    put_varint(out, f.blocks.size());
    for (const auto& b : f.blocks) {
      put_varint(out, b.rows);
      put_varint(out, b.raw_text_bytes);
      put_varint(out, zigzag(b.min_time));
      put_varint(out, zigzag(b.max_time));
      put_varint(out, b.bloom_offset);
      put_varint(out, b.bloom_bytes);
      io::put_fixed32(out, b.bloom_crc);
    }
    put_varint(out, f.columns.size());
    for (const auto& c : f.columns) {
      put_bytes(out, c.name);
      out.push_back(static_cast<char>(c.type));
      put_varint(out, c.occurrence);
      out.push_back(static_cast<char>(c.system));
      for (const auto& ch : c.chunks) {
        put_varint(out, ch.bytes);
        if (ch.bytes == 0) continue;
        put_varint(out, ch.offset);
        put_varint(out, ch.raw_bytes);
        io::put_fixed32(out, ch.crc);
        out.push_back(ch.uses_raw ? 1 : 0);
        put_stats(out, c.type, ch.stats);
      }
    }
    return out;
  }

  const WriteOptions options_;
  std::shared_ptr<Footer> footer_;
  std::vector<ColumnBuild> columns_;
  std::vector<uint32_t> dense_;  // (field id, type) -> column of occurrence 0
  std::unordered_map<uint64_t, uint32_t> repeats_;
  token_index::BloomBuilder bloom_;
  std::vector<TimeNs> times_;
  std::vector<std::string_view> raws_;
  std::string file_;
  std::string scratch_;
};

// ---- reading ----

Status corrupt(const fs::path& path, std::string_view why) {
  return Status::error(fmt::format("segment {}: {}", path.string(), why));
}

Result<Header> decode_header(std::string_view b, const fs::path& path) {
  if (b.size() < kHeaderSize) return corrupt(path, "shorter than its header");
  if (std::memcmp(b.data(), kMagic, sizeof kMagic) != 0) return corrupt(path, "not a Vigil segment (bad magic)");
  if (crc32c::unmask(io::get_fixed32(b.data() + 76)) != crc32c::value(b.substr(0, 76))) {
    return corrupt(path, "header checksum mismatch");
  }
  uint32_t version = io::get_fixed32(b.data() + 8);
  if (version != kVersion) return corrupt(path, fmt::format("unsupported version {}", version));
  const char* p = b.data() + 16;
  Header h;
  h.events = io::get_fixed64(p);
  h.min_time = static_cast<TimeNs>(io::get_fixed64(p + 8));
  h.max_time = static_cast<TimeNs>(io::get_fixed64(p + 16));
  h.wal_first = io::get_fixed64(p + 24);
  h.wal_last = io::get_fixed64(p + 32);
  h.footer_offset = io::get_fixed64(p + 40);
  h.footer_bytes = io::get_fixed32(p + 48);
  h.footer_raw_bytes = io::get_fixed32(p + 52);
  h.footer_crc = io::get_fixed32(p + 56);
  if (h.footer_raw_bytes > kMaxFooterRaw) return corrupt(path, "implausible footer size");
  return h;
}

bool get_stats(ByteReader& r, FieldType type, column::ChunkStats& st) {
  uint64_t present;
  uint8_t has;
  if (!r.varint(present) || present > kMaxBlockRows || !r.raw(&has, 1) || has > 1) return false;
  st.present = static_cast<uint32_t>(present);
  st.has_minmax = has;
  if (!has) return true;
  switch (type) {
    case FieldType::Int64:
    case FieldType::Timestamp: {
      uint64_t a, b;
      if (!r.varint(a) || !r.varint(b)) return false;
      st.int_min = unzigzag(a);
      st.int_max = unzigzag(b);
      return true;
    }
    case FieldType::Float64:
      return r.raw(&st.float_min, 8) && r.raw(&st.float_max, 8);
    case FieldType::Ip:
      return r.raw(st.ip_min.bytes.data(), 16) && r.raw(st.ip_max.bytes.data(), 16);
    default:
      st.has_minmax = false;
      return true;
  }
}

}  // namespace

Result<std::shared_ptr<const Footer>> decode_footer(std::string_view raw, const Header& h, const fs::path& path) {
  auto f = std::make_shared<Footer>();
  ByteReader r(raw);
  std::string_view name;
  if (!r.bytes(name)) return corrupt(path, "footer: truncated partition");
  auto key = PartitionKey::parse(name);
  if (!key.ok()) return corrupt(path, "footer: " + key.error());
  f->partition = std::move(*key);
  auto in_body = [&](uint64_t offset, uint64_t bytes) {
    return offset >= kHeaderSize && offset <= h.footer_offset && bytes <= h.footer_offset - offset;
  };
  uint64_t nblocks, total_rows = 0;
  if (!r.varint(nblocks) || nblocks > r.remaining() || nblocks == 0) return corrupt(path, "footer: bad block count");
  f->blocks.resize(nblocks);
  for (auto& b : f->blocks) {
    uint64_t rows, lo, hi, off, len;
    if (!r.varint(rows) || !r.varint(b.raw_text_bytes) || !r.varint(lo) || !r.varint(hi) || !r.varint(off) || !r.varint(len) ||
        !r.raw(&b.bloom_crc, 4)) {
      return corrupt(path, "footer: truncated block");
    }
    if (rows == 0 || rows > kMaxBlockRows || !in_body(off, len) || len > UINT32_MAX) {
      return corrupt(path, "footer: bad block");
    }
    b.rows = static_cast<uint32_t>(rows);
    b.min_time = unzigzag(lo);
    b.max_time = unzigzag(hi);
    b.bloom_offset = off;
    b.bloom_bytes = static_cast<uint32_t>(len);
    b.bloom_crc = io::get_fixed32(reinterpret_cast<const char*>(&b.bloom_crc));
    total_rows += rows;
  }
  if (total_rows != h.events) return corrupt(path, "footer: block rows do not add up to the event count");
  uint64_t ncols;
  if (!r.varint(ncols) || ncols > r.remaining()) return corrupt(path, "footer: bad column count");
  f->columns.resize(ncols);
  bool seen_system[8] = {};
  for (auto& c : f->columns) {
    std::string_view cname;
    uint8_t type, system;
    uint64_t occ;
    if (!r.bytes(cname) || !r.raw(&type, 1) || !r.varint(occ) || !r.raw(&system, 1)) {
      return corrupt(path, "footer: truncated column");
    }
    if (type > static_cast<uint8_t>(FieldType::Ip) || system > static_cast<uint8_t>(System::ParseError) ||
        occ > UINT32_MAX || cname.empty()) {
      return corrupt(path, "footer: bad column");
    }
    c.name = std::string(cname);
    c.type = static_cast<FieldType>(type);
    c.occurrence = static_cast<uint32_t>(occ);
    c.system = static_cast<System>(system);
    if (c.system != System::None) {
      const auto& want = kSystemColumns[system - 1];
      if (seen_system[system] || want.type != c.type || want.name != c.name) {
        return corrupt(path, "footer: bad system column");
      }
      seen_system[system] = true;
    } else {
      c.id = field_id(c.name);
    }
    c.chunks.resize(nblocks);
    for (size_t b = 0; b < nblocks; ++b) {
      ChunkMeta& ch = c.chunks[b];
      uint64_t bytes;
      if (!r.varint(bytes)) return corrupt(path, "footer: truncated chunk");
      if (bytes == 0) continue;
      uint64_t off, raw_bytes;
      uint8_t uses_raw;
      if (!r.varint(off) || !r.varint(raw_bytes) || !r.raw(&ch.crc, 4) || !r.raw(&uses_raw, 1) || uses_raw > 1 ||
          !get_stats(r, c.type, ch.stats)) {
        return corrupt(path, "footer: truncated chunk");
      }
      ch.uses_raw = uses_raw;
      ch.crc = io::get_fixed32(reinterpret_cast<const char*>(&ch.crc));
      if (!in_body(off, bytes) || bytes > UINT32_MAX || raw_bytes > kMaxChunkRaw ||
          ch.stats.present > f->blocks[b].rows) {
        return corrupt(path, "footer: bad chunk");
      }
      ch.offset = off;
      ch.bytes = static_cast<uint32_t>(bytes);
      ch.raw_bytes = static_cast<uint32_t>(raw_bytes);
    }
  }
  if (!seen_system[static_cast<int>(System::Time)]) return corrupt(path, "footer: no time column");
  if (!r.done()) return corrupt(path, "footer: trailing bytes");
  return std::shared_ptr<const Footer>(std::move(f));
}

namespace {

Status decompress(std::string_view in, uint32_t raw_bytes, std::string& out, const fs::path& path) {
  out.resize(raw_bytes);
  size_t n = ZSTD_decompressDCtx(decompress_context(), out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) return corrupt(path, fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  if (n != raw_bytes) return corrupt(path, "a compressed part is shorter than recorded");
  return {};
}

// Reads byte ranges of a segment: from the file with pread, or from bytes in memory.
class Source {
 public:
  explicit Source(const Info& info) : info_(info) {}
  ~Source() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status read(uint64_t offset, uint32_t bytes, std::string& out, uint64_t& counted) {
    counted += bytes;
    if (info_.bytes) {
      if (offset + bytes > info_.bytes->size()) return corrupt(info_.path, "read past the end");
      out.assign(*info_.bytes, offset, bytes);
      return {};
    }
    if (fd_ < 0) {
      fd_ = ::open(info_.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return io::os_error("cannot open segment", info_.path, errno);
    }
    out.resize(bytes);
    size_t done = 0;
    while (done < bytes) {
      ssize_t n = ::pread(fd_, out.data() + done, bytes - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io::os_error("cannot read segment", info_.path, errno);
      if (n == 0) return corrupt(info_.path, "file is shorter than its footer says");
      done += static_cast<size_t>(n);
    }
    return {};
  }

 private:
  const Info& info_;
  int fd_ = -1;
};

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) return false;
  }
  return true;
}

bool type_of_op(FieldCondition::Op op, FieldType& t) {
  switch (op) {
    case FieldCondition::Op::StringEq: t = FieldType::String; return true;
    case FieldCondition::Op::IntRange: t = FieldType::Int64; return true;
    case FieldCondition::Op::FloatRange: t = FieldType::Float64; return true;
    case FieldCondition::Op::TimeRange: t = FieldType::Timestamp; return true;
    case FieldCondition::Op::IpRange: t = FieldType::Ip; return true;
    default: return false;
  }
}

// Whether a chunk's min/max admit a value meeting `c` (true when unsure).
bool stats_may_match(const FieldCondition& c, FieldType type, const column::ChunkStats& st) {
  FieldType want;
  if (!type_of_op(c.op, want) || want != type || !st.has_minmax) return true;
  switch (c.op) {
    case FieldCondition::Op::IntRange:
    case FieldCondition::Op::TimeRange:
      return st.int_max >= c.int_lo && st.int_min <= c.int_hi;
    case FieldCondition::Op::FloatRange:
      return st.float_max >= c.float_lo && st.float_min <= c.float_hi;
    case FieldCondition::Op::IpRange:
      return !(st.ip_max.bytes < c.ip_lo.bytes) && !(c.ip_hi.bytes < st.ip_min.bytes);
    default:
      return true;
  }
}

// Whether value `v` meets `c`; a value of another type than the condition's is
// "maybe" (true): the query engine decides.
bool value_may_match(const FieldCondition& c, const Value& v) {
  switch (c.op) {
    case FieldCondition::Op::Exists: return true;
    case FieldCondition::Op::StringEq: return v.type != FieldType::String || ascii_iequal(v.as_string(), c.text);
    case FieldCondition::Op::IntRange: return v.type != FieldType::Int64 || (v.i64 >= c.int_lo && v.i64 <= c.int_hi);
    case FieldCondition::Op::TimeRange:
      return v.type != FieldType::Timestamp || (v.ts >= c.int_lo && v.ts <= c.int_hi);
    case FieldCondition::Op::FloatRange:
      return v.type != FieldType::Float64 || (v.f64 >= c.float_lo && v.f64 <= c.float_hi);
    case FieldCondition::Op::IpRange: {
      if (v.type != FieldType::Ip) return true;
      IpAddress a = v.as_ip();
      return !(a.bytes < c.ip_lo.bytes) && !(c.ip_hi.bytes < a.bytes);
    }
  }
  return true;
}

struct Decoded {
  std::string raw;  // decompressed chunk: string values point here
  std::vector<uint8_t> present;
  std::vector<Value> values;
  column::PackedIps ips;  // instead of values: load(..., packed_ips) of an IP chunk
  bool loaded = false;
};

}  // namespace

namespace {

// Sorts `rows` by time and adds them as blocks: a block ends at block_rows events or
// block_raw_bytes of raw text, whichever comes first, so that a token index false
// positive costs a bounded read.
void add_rows(Builder& builder, std::vector<Row>& rows, const WriteOptions& options) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.batch->events()[a.index].time < b.batch->events()[b.index].time;
  });
  const size_t step = std::clamp<size_t>(options.block_rows, 1, kMaxBlockRows);
  for (size_t i = 0; i < rows.size();) {
    size_t n = 0, raw = 0;
    while (i + n < rows.size() && n < step && (n == 0 || raw < options.block_raw_bytes)) {
      raw += rows[i + n].batch->events()[rows[i + n].index].raw.size();
      ++n;
    }
    builder.add_block(std::span<const Row>(rows).subspan(i, n));
    i += n;
  }
}

}  // namespace

Built build(const PartitionKey& partition, std::vector<Row>& rows, uint64_t wal_first, uint64_t wal_last,
            const WriteOptions& options) {
  Builder builder(partition, options);
  add_rows(builder, rows, options);
  return builder.finish(rows.size(), wal_first, wal_last);
}

Result<Info> parse(std::string_view file, const fs::path& path, uint64_t seq) {
  auto h = decode_header(file, path);
  if (!h.ok()) return h.status();
  if (h->footer_offset < kHeaderSize || h->footer_offset > file.size() ||
      file.size() - h->footer_offset != h->footer_bytes) {
    return corrupt(path, fmt::format("{} bytes, header says {}", file.size(), h->footer_offset + h->footer_bytes));
  }
  std::string_view footer_bytes = file.substr(h->footer_offset);
  if (crc32c::unmask(h->footer_crc) != crc32c::value(footer_bytes)) return corrupt(path, "footer checksum mismatch");
  std::string footer_raw;
  if (Status s = decompress(footer_bytes, h->footer_raw_bytes, footer_raw, path); !s.ok()) return s;
  auto footer = decode_footer(footer_raw, *h, path);
  if (!footer.ok()) return footer.status();
  Info info;
  info.seq = seq;
  info.path = path;
  info.file_bytes = file.size();
  info.header = *h;
  info.footer = std::move(*footer);
  return info;
}

Result<Info> open(const fs::path& path, uint64_t seq) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io::os_error("cannot open segment", path, errno);
  struct stat st {};
  std::string head(kHeaderSize, '\0');
  ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  int err = errno;
  if (n < 0 || ::fstat(fd, &st) != 0) {
    ::close(fd);
    return io::os_error("cannot read segment", path, n < 0 ? err : errno);
  }
  head.resize(static_cast<size_t>(n));
  auto h = decode_header(head, path);
  if (!h.ok()) {
    ::close(fd);
    return h.status();
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (h->footer_offset < kHeaderSize || h->footer_offset > size || size - h->footer_offset != h->footer_bytes) {
    ::close(fd);
    return corrupt(path, fmt::format("{} bytes, header says {}", size, h->footer_offset + h->footer_bytes));
  }
  // parse() wants header and footer at their offsets; the body between stays unread.
  std::string sparse(size, '\0');
  sparse.replace(0, kHeaderSize, head);
  n = ::pread(fd, sparse.data() + h->footer_offset, h->footer_bytes, static_cast<off_t>(h->footer_offset));
  err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(h->footer_bytes)) return io::os_error("cannot read segment footer", path, err);
  auto info = parse(sparse, path, seq);
  return info;
}

Plan::Plan(ScanRequest r) : request(std::move(r)) {
  for (const auto& t : request.terms) {
    auto h = token_index::term_hashes(t);
    if (!h.empty()) must_hashes.push_back(std::move(h));
  }
  for (const auto& c : request.conditions) {
    if (c.op != FieldCondition::Op::StringEq) continue;
    auto h = token_index::term_hashes(c.text);
    if (!h.empty()) must_hashes.push_back(std::move(h));
  }
}

namespace {

// Reads the blocks of one segment for a plan: prunes, selects rows, decodes columns
// on demand. One per scan of a segment; scan() and scan_blocks() share it.
class BlockReader {
 public:
  BlockReader(const Info& seg, const Plan& plan, ScanStats& stats)
      : seg_(seg), f_(*seg.footer), req_(plan.request), plan_(plan), stats_(stats), source_(seg) {
    ++stats_.segments;
    std::fill(std::begin(sys_), std::end(sys_), -1);
    cond_cols_.resize(req_.conditions.size());
    for (size_t i = 0; i < f_.columns.size(); ++i) {
      const ColumnMeta& c = f_.columns[i];
      if (c.system != System::None) {
        sys_[static_cast<int>(c.system)] = static_cast<int>(i);
        continue;
      }
      for (size_t k = 0; k < req_.conditions.size(); ++k) {
        if (req_.conditions[k].field == c.name) cond_cols_[k].push_back(i);
      }
      if (c.id != kNoField &&
          (req_.all_fields || std::find(req_.fields.begin(), req_.fields.end(), c.name) != req_.fields.end())) {
        projected_.push_back(i);
      }
    }
    decoded_.resize(f_.columns.size());
  }

  const Footer& footer() const { return f_; }
  const ScanRequest& request() const { return req_; }
  Source& source() { return source_; }
  const std::vector<size_t>& projected() const { return projected_; }
  const Decoded& column(size_t col) const { return decoded_[col]; }
  int system_column(System s) const { return sys_[static_cast<int>(s)]; }

  // Whether block b may hold a selected row (time, statistics, token index), counted.
  Result<bool> may_match(size_t b) {
    const BlockMeta& block = f_.blocks[b];
    ++stats_.blocks;
    const TimeNs floor = req_.floor ? req_.floor->load(std::memory_order_relaxed) : kMinTime;
    if (block.max_time < req_.from || block.min_time > req_.to || block.max_time < floor) {
      stats_.skipped_older += block.max_time >= req_.from && block.min_time <= req_.to;
      ++stats_.blocks_skipped_time;
      return false;
    }
    for (size_t k = 0; k < req_.conditions.size(); ++k) {
      bool any = false;
      for (size_t col : cond_cols_[k]) {
        const ChunkMeta& ch = f_.columns[col].chunks[b];
        if (ch.bytes != 0 && stats_may_match(req_.conditions[k], f_.columns[col].type, ch.stats)) any = true;
      }
      if (!any) {
        ++stats_.blocks_skipped_stats;
        return false;
      }
    }
    if (plan_.must_hashes.empty()) return true;
    auto filter = token_filter(b);
    if (!filter.ok()) return filter.status();
    for (const auto& hashes : plan_.must_hashes) {
      for (uint64_t h : hashes) {
        if (!token_index::bloom_may_contain(*filter, h)) {
          ++stats_.blocks_skipped_index;
          return false;
        }
      }
    }
    return true;
  }

  // The token filter of block b: read and checked once, then kept with the segment
  // (a needle search reads every block's filter; the second one reads none).
  Result<std::string_view> token_filter(size_t b) {
    const SegmentCache& cache = *seg_.cache;
    {
      std::lock_guard lk(cache.mu);
      if (cache.filters.size() == f_.blocks.size() && cache.loaded[b]) return std::string_view(cache.filters[b]);
    }
    const BlockMeta& block = f_.blocks[b];
    if (Status s = source_.read(block.bloom_offset, block.bloom_bytes, bloom_, stats_.bytes_read); !s.ok()) return s;
    if (crc32c::unmask(block.bloom_crc) != crc32c::value(bloom_)) {
      return corrupt(seg_.path, fmt::format("block {} token index: checksum mismatch", b));
    }
    std::lock_guard lk(cache.mu);
    if (cache.filters.size() != f_.blocks.size()) {
      cache.filters.resize(f_.blocks.size());
      cache.loaded.assign(f_.blocks.size(), 0);
    }
    if (!cache.loaded[b]) {  // strings are not moved once set: views stay valid
      cache.filters[b] = bloom_;
      cache.loaded[b] = 1;
    }
    return std::string_view(cache.filters[b]);
  }

  // Block b if some of its rows may be selected: how many are (0: skip it), with
  // may_match() and select() below.
  Result<uint32_t> start_block(size_t b, bool& all) {
    auto may = may_match(b);
    if (!may.ok()) return may.status();
    if (!*may) return 0;
    return select(b, all);
  }

  // Starts block b: forgets decoded columns, decodes time and condition columns and
  // fills selected(); returns how many rows are selected. `all` is set when every row
  // is (no row-level test was needed), which lets callers skip the selection.
  Result<uint32_t> select(size_t b, bool& all) {
    for (auto& d : decoded_) d.loaded = false;
    const BlockMeta& block = f_.blocks[b];
    const uint32_t rows = block.rows;
    stats_.rows_read += rows;
    const bool in_range = block.min_time >= req_.from && block.max_time <= req_.to;
    all = req_.conditions.empty() && in_range;
    selected_.assign(rows, 1);
    // A block wholly in range needs no time test: its time column is read only if
    // a column decoded against it is (load()), which counts spare nothing else.
    if (all) return rows;
    if (!in_range) {
      if (Status s = load(time_col(), b); !s.ok()) return s;
      const Decoded& t = decoded_[time_col()];
      for (uint32_t r = 0; r < rows; ++r) {
        selected_[r] = t.present[r] & (times_[r] >= req_.from) & (times_[r] <= req_.to);
      }
    }
    for (size_t k = 0; k < req_.conditions.size(); ++k) {
      for (size_t col : cond_cols_[k]) {
        if (Status s = load(col, b); !s.ok()) return s;
      }
      const FieldCondition& c = req_.conditions[k];
      if (cond_cols_[k].size() == 1 && c.op == FieldCondition::Op::IntRange &&
          f_.columns[cond_cols_[k][0]].type == FieldType::Int64) {
        // The common case (port:53, status>=400) without branches: lo <= x <= hi as
        // one unsigned comparison.
        const Decoded& d = decoded_[cond_cols_[k][0]];
        const uint64_t lo = static_cast<uint64_t>(c.int_lo), width = static_cast<uint64_t>(c.int_hi) - lo;
        for (uint32_t r = 0; r < rows; ++r) {
          selected_[r] &= d.present[r] & (static_cast<uint64_t>(d.values[r].i64) - lo <= width);
        }
        continue;
      }
      for (uint32_t r = 0; r < rows; ++r) {
        if (!selected_[r]) continue;
        bool ok = false;
        for (size_t col : cond_cols_[k]) {
          const Decoded& d = decoded_[col];
          if (d.present[r] && value_may_match(req_.conditions[k], d.values[r])) {
            ok = true;
            break;
          }
        }
        selected_[r] = ok;
      }
    }
    uint32_t count = 0;
    for (uint32_t r = 0; r < rows; ++r) count += selected_[r];
    return count;
  }
  const std::vector<uint8_t>& selected() const { return selected_; }

  // Decodes column `col` of block b (once per block). With packed_ips, an IP chunk is
  // left as stored (Decoded::ips, no values); callers that read values must not ask so.
  Status load(size_t col, size_t block, bool packed_ips = false) {
    Decoded& d = decoded_[col];
    if (d.loaded) return {};
    const ColumnMeta& c = f_.columns[col];
    const ChunkMeta& ch = c.chunks[block];
    const uint32_t rows = f_.blocks[block].rows;
    d.ips = {};
    if (ch.bytes == 0) {
      d.loaded = true;
      d.present.assign(rows, 0);
      if (c.system == System::Time) times_.assign(rows, 0);
      if (c.system == System::Raw) raws_.assign(rows, {});
      return {};
    }
    column::RowContext context;
    if (c.system != System::Time && c.system != System::Raw) {
      if (c.type == FieldType::Timestamp) {  // may be encoded against the event time
        if (Status s = load(time_col(), block); !s.ok()) return s;
        context.times = times_;
      }
      if (ch.uses_raw) {
        int raw_index = sys_[static_cast<int>(System::Raw)];
        if (raw_index < 0) return corrupt(seg_.path, "a column refers to the raw text, which is missing");
        if (Status s = load(static_cast<size_t>(raw_index), block); !s.ok()) return s;
        context.raws = raws_;
      }
    }
    d.loaded = true;
    if (Status s = source_.read(ch.offset, ch.bytes, compressed_, stats_.bytes_read); !s.ok()) return s;
    auto where = [&] { return fmt::format("block {} column {}", block, c.name); };
    if (crc32c::unmask(ch.crc) != crc32c::value(compressed_)) {
      return corrupt(seg_.path, where() + ": checksum mismatch");
    }
    if (Status s = decompress(compressed_, ch.raw_bytes, d.raw, seg_.path); !s.ok()) return s;
    if (packed_ips && c.type == FieldType::Ip) {
      if (Status s = column::decode_packed_ips(d.raw, rows, d.present, d.ips); !s.ok()) {
        return corrupt(seg_.path, where() + ": " + s.message());
      }
      return {};
    }
    if (c.system == System::Time) {
      // Plain integers (times()), not Values: every scan reads them, most only to
      // compare or bucket. d.values stays empty for this column.
      if (Status s = column::decode_int_chunk(c.type, d.raw, rows, d.present, times_); !s.ok()) {
        return corrupt(seg_.path, where() + ": " + s.message());
      }
      return {};
    }
    if (Status s = column::decode_chunk(c.type, d.raw, rows, context, d.present, d.values); !s.ok()) {
      return corrupt(seg_.path, where() + ": " + s.message());
    }
    if (c.system == System::Raw) {
      raws_.resize(rows);
      for (uint32_t r = 0; r < rows; ++r) raws_[r] = d.present[r] ? d.values[r].as_string() : std::string_view();
    }
    return {};
  }

  size_t time_col() const { return static_cast<size_t>(sys_[static_cast<int>(System::Time)]); }
  // The event time of every row of the block whose time column is loaded (that
  // column's Decoded has presence but no values).
  const TimeNs* times() const { return times_.data(); }
  // The raw text of every row of the block whose raw column is loaded.
  const std::string_view* raws() const { return raws_.data(); }

  const Value* sys_value(System s, uint32_t r) const {
    int col = sys_[static_cast<int>(s)];
    if (col < 0) return nullptr;
    const Decoded& d = decoded_[static_cast<size_t>(col)];
    return d.loaded && d.present[r] ? &d.values[r] : nullptr;
  }

 private:
  const Info& seg_;
  const Footer& f_;
  const ScanRequest& req_;
  const Plan& plan_;
  ScanStats& stats_;
  Source source_;
  int sys_[8];
  std::vector<std::vector<size_t>> cond_cols_;
  std::vector<size_t> projected_;
  std::vector<Decoded> decoded_;
  std::string compressed_, bloom_;
  std::vector<uint8_t> selected_;
  std::vector<TimeNs> times_;
  std::vector<std::string_view> raws_;
};

}  // namespace

namespace {

// The selected rows of block b (started by reader) as events, with the columns of the
// plan. A string cut out of the raw text stays a slice of the event's own copy of it,
// so that a rebuilt segment (merge) can store it as a reference again.
Status materialize_block(BlockReader& reader, size_t b, uint32_t count, EventBatch& batch) {
  const Footer& f = reader.footer();
  const ScanRequest& req = reader.request();
  // Late materialization: the other columns only now that some row survived.
  std::vector<System> wanted = {System::Time, System::ReceiveTime, System::Flags};
  if (req.raw) wanted.insert(wanted.end(), {System::Raw, System::Source, System::ParseError});
  for (System s : wanted) {
    int col = reader.system_column(s);
    if (col < 0) continue;
    if (Status st = reader.load(static_cast<size_t>(col), b); !st.ok()) return st;
  }
  for (size_t col : reader.projected()) {
    if (Status s = reader.load(col, b); !s.ok()) return s;
  }
  const auto& selected = reader.selected();
  const TimeNs* times = reader.times();
  const uint32_t rows = f.blocks[b].rows;
  batch.reserve(count, static_cast<size_t>(count) * reader.projected().size());
  for (uint32_t r = 0; r < rows; ++r) {
    if (!selected[r]) continue;
    Provenance p;
    p.tenant = f.partition.tenant;
    p.input = f.partition.input;
    if (const Value* v = reader.sys_value(System::ReceiveTime, r)) p.receive_time = v->ts;
    if (const Value* v = reader.sys_value(System::Raw, r)) p.raw = v->as_string();
    if (const Value* v = reader.sys_value(System::Source, r)) p.source = v->as_string();
    const std::string_view raw = batch.begin_event(p).raw;
    batch.set_time(times[r]);
    if (const Value* v = reader.sys_value(System::Flags, r)) batch.current().flags = static_cast<uint32_t>(v->i64);
    if (const Value* v = reader.sys_value(System::ParseError, r)) {
      batch.current().parse_error = batch.arena().copy(v->as_string());
    }
    for (size_t col : reader.projected()) {
      const Decoded& d = reader.column(col);
      if (!d.present[r]) continue;
      const Value& v = d.values[r];
      const FieldId id = f.columns[col].id;
      if (v.type != FieldType::String) {
        batch.add(id, v);
      } else if (const char* at = v.as_string().data(); !p.raw.empty() && at >= p.raw.data() &&
                                                         at + v.str_size <= p.raw.data() + p.raw.size()) {
        batch.add_string_ref(id, raw.substr(static_cast<size_t>(at - p.raw.data()), v.str_size));
      } else {
        batch.add_string(id, v.as_string());
      }
    }
    batch.end_event();
  }
  return {};
}

}  // namespace

Result<bool> scan(const Info& seg, const Plan& plan, const Visit& visit, ScanStats& stats) {
  BlockReader reader(seg, plan, stats);
  const Footer& f = reader.footer();
  std::vector<size_t> order(f.blocks.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (plan.request.newest_first) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return f.blocks[a].max_time > f.blocks[b].max_time; });
  }
  for (size_t b : order) {
    bool all = false;
    auto count = reader.start_block(b, all);
    if (!count.ok()) return count.status();
    if (*count == 0) continue;
    EventBatch batch;
    if (Status s = materialize_block(reader, b, *count, batch); !s.ok()) return s;
    stats.rows_returned += *count;
    if (!visit(batch)) return false;
  }
  return true;
}

Result<bool> scan_blocks(const Info& seg, const Plan& plan, const VisitBlock& visit, ScanStats& stats) {
  BlockReader reader(seg, plan, stats);
  const Footer& f = reader.footer();
  std::vector<ColumnSlice> slices;
  for (size_t b = 0; b < f.blocks.size(); ++b) {
    bool all = false;
    auto count = reader.start_block(b, all);
    if (!count.ok()) return count.status();
    if (*count == 0) continue;
    const uint32_t rows = f.blocks[b].rows;
    slices.clear();
    for (size_t col : reader.projected()) {
      const ColumnMeta& c = f.columns[col];
      const ChunkMeta& ch = c.chunks[b];
      if (ch.bytes == 0) continue;
      ColumnSlice slice;
      slice.name = c.name;
      slice.id = c.id;
      slice.type = c.type;
      slice.occurrence = c.occurrence;
      const auto& st = ch.stats;
      // A chunk with one value in every row (class_uid in a partition of one class)
      // answers without being read.
      bool one_value = st.has_minmax && st.present == rows &&
                       (((c.type == FieldType::Int64 || c.type == FieldType::Timestamp) && st.int_min == st.int_max) ||
                        (c.type == FieldType::Ip && st.ip_min == st.ip_max));
      if (one_value) {
        slice.constant = true;
        slice.constant_value = c.type == FieldType::Ip ? Value::ip_address(st.ip_min)
                               : c.type == FieldType::Int64 ? Value::int64(st.int_min)
                                                            : Value::timestamp(st.int_min);
        if (c.type == FieldType::Ip) {
          // The v4 flag is not in the statistics: v4-mapped bytes say it.
          static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
          slice.constant_value.ip_v4 = std::memcmp(st.ip_min.bytes.data(), kPrefix, 12) == 0;
        }
      } else {
        if (Status s = reader.load(col, b, plan.request.packed_ips); !s.ok()) return s;
        const Decoded& d = reader.column(col);
        slice.present = d.present.data();
        if (d.ips.bytes) {
          slice.ips = d.ips;
        } else {
          slice.values = d.values.data();
        }
      }
      slices.push_back(slice);
    }
    BlockView view;
    if (plan.request.times) {
      if (Status s = reader.load(reader.time_col(), b); !s.ok()) return s;
      view.times = reader.times();
    }
    if (const int raw = reader.system_column(System::Raw); plan.request.raw && raw >= 0) {
      if (Status s = reader.load(static_cast<size_t>(raw), b); !s.ok()) return s;
      view.raws = reader.raws();
    }
    view.rows = rows;
    view.selected = all ? nullptr : reader.selected().data();
    view.selected_count = *count;
    view.columns = slices;
    stats.rows_returned += *count;
    if (!visit(view)) return false;
  }
  return true;
}

Result<Built> merge(std::span<const Info* const> parts, const WriteOptions& options) {
  if (parts.empty()) return Status::error("merge: no segments");
  const PartitionKey& partition = parts.front()->footer->partition;
  Builder builder(partition, options);
  uint64_t wal_first = UINT64_MAX, wal_last = 0, events = 0;
  std::vector<std::unique_ptr<EventBatch>> batches;  // the rows of small blocks
  std::vector<Row> rows;
  std::vector<Builder::StoredChunk> chunks;
  std::vector<std::string> bytes;
  std::string bloom;
  const Plan all{ScanRequest{}};
  for (const Info* part : parts) {
    if (part->footer->partition != partition) return Status::error("merge: segments of different partitions");
    wal_first = std::min(wal_first, part->header.wal_first);
    wal_last = std::max(wal_last, part->header.wal_last);
    events += part->header.events;
    ScanStats stats;
    BlockReader reader(*part, all, stats);
    const Footer& f = *part->footer;
    for (size_t b = 0; b < f.blocks.size(); ++b) {
      const BlockMeta& block = f.blocks[b];
      // A quarter-full block or more is worth keeping as it is: copying costs no
      // decoding, no tokenizing and no compressing, and loses nothing.
      if (block.rows * 4 >= options.block_rows || block.raw_text_bytes * 4 >= options.block_raw_bytes) {
        chunks.clear();
        bytes.resize(f.columns.size());
        for (size_t c = 0; c < f.columns.size(); ++c) {
          const ChunkMeta& ch = f.columns[c].chunks[b];
          if (ch.bytes == 0) continue;
          if (Status st = reader.source().read(ch.offset, ch.bytes, bytes[c], stats.bytes_read); !st.ok()) return st;
          if (crc32c::unmask(ch.crc) != crc32c::value(bytes[c])) {
            return corrupt(part->path, fmt::format("block {} column {}: checksum mismatch", b, f.columns[c].name));
          }
          chunks.push_back({&f.columns[c], &ch, bytes[c]});
        }
        if (Status st = reader.source().read(block.bloom_offset, block.bloom_bytes, bloom, stats.bytes_read); !st.ok()) {
          return st;
        }
        if (crc32c::unmask(block.bloom_crc) != crc32c::value(bloom)) {
          return corrupt(part->path, fmt::format("block {} token index: checksum mismatch", b));
        }
        builder.copy_block(block, bloom, chunks);
        continue;
      }
      bool every = false;
      auto count = reader.select(b, every);
      if (!count.ok()) return count.status();
      auto batch = std::make_unique<EventBatch>();
      if (Status st = materialize_block(reader, b, *count, *batch); !st.ok()) return st;
      for (uint32_t i = 0; i < batch->size(); ++i) rows.push_back({batch.get(), i});
      batches.push_back(std::move(batch));
    }
  }
  add_rows(builder, rows, options);
  return builder.finish(events, wal_first, wal_last);
}

}  // namespace vigil::segment
