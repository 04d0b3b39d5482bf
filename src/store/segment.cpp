// Segment files: write, read header, scan (format in segment.h).
#include "store/segment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "core/batch_codec.h"
#include "core/varint.h"
#include "store/crc32c.h"
#include "store/io.h"

namespace vigil::segment {
namespace {

constexpr char kMagic[8] = {'V', 'I', 'G', 'L', 'S', 'E', 'G', '\0'};
constexpr int kZstdLevel = 3;
// A sanity bound for raw_bytes read from disk (segments are sealed at tens of MB).
constexpr uint64_t kMaxRawBytes = uint64_t{16} << 30;

std::string encode_header(const Header& h) {
  std::string out(kMagic, sizeof kMagic);
  io::put_fixed32(out, kVersion);
  io::put_fixed32(out, 0);
  io::put_fixed64(out, h.events);
  io::put_fixed64(out, h.batches);
  io::put_fixed64(out, static_cast<uint64_t>(h.min_time));
  io::put_fixed64(out, static_cast<uint64_t>(h.max_time));
  io::put_fixed64(out, h.wal_first);
  io::put_fixed64(out, h.wal_last);
  io::put_fixed64(out, h.payload_bytes);
  io::put_fixed64(out, h.raw_bytes);
  io::put_fixed32(out, h.payload_crc);
  io::put_fixed32(out, crc32c::mask(crc32c::value(out)));
  return out;
}

Result<Header> decode_header(std::string_view b, const std::filesystem::path& path) {
  auto bad = [&](std::string_view why) { return Status::error(fmt::format("segment {}: {}", path.string(), why)); };
  if (b.size() < kHeaderSize) return bad("shorter than its header");
  if (std::memcmp(b.data(), kMagic, sizeof kMagic) != 0) return bad("not a Vigil segment (bad magic)");
  if (crc32c::unmask(io::get_fixed32(b.data() + 84)) != crc32c::extend(0, b.data(), 84)) {
    return bad("header checksum mismatch");
  }
  uint32_t version = io::get_fixed32(b.data() + 8);
  if (version != kVersion) return bad(fmt::format("unsupported version {}", version));
  const char* p = b.data() + 16;
  Header h;
  h.events = io::get_fixed64(p);
  h.batches = io::get_fixed64(p + 8);
  h.min_time = static_cast<TimeNs>(io::get_fixed64(p + 16));
  h.max_time = static_cast<TimeNs>(io::get_fixed64(p + 24));
  h.wal_first = io::get_fixed64(p + 32);
  h.wal_last = io::get_fixed64(p + 40);
  h.payload_bytes = io::get_fixed64(p + 48);
  h.raw_bytes = io::get_fixed64(p + 56);
  h.payload_crc = io::get_fixed32(p + 64);
  if (h.raw_bytes > kMaxRawBytes) return bad("implausible payload size");
  return h;
}

}  // namespace

Result<Header> write(const std::filesystem::path& path, Batches batches, uint64_t wal_first, uint64_t wal_last) {
  Header h;
  h.wal_first = wal_first;
  h.wal_last = wal_last;
  std::string raw;
  std::string encoded;
  for (const auto& b : batches) {
    TimeNs lo = b->min_time(), hi = b->max_time();
    if (h.batches == 0 || lo < h.min_time) h.min_time = lo;
    if (h.batches == 0 || hi > h.max_time) h.max_time = hi;
    ++h.batches;
    h.events += b->size();
    encoded.clear();
    encode_batch(*b, encoded);
    put_varint(raw, zigzag(lo));
    put_varint(raw, zigzag(hi));
    put_bytes(raw, encoded);
  }
  std::string file = std::string(kHeaderSize, '\0');
  file.resize(kHeaderSize + ZSTD_compressBound(raw.size()));
  size_t n = ZSTD_compress(file.data() + kHeaderSize, file.size() - kHeaderSize, raw.data(), raw.size(), kZstdLevel);
  if (ZSTD_isError(n)) {
    return Status::error(fmt::format("segment {}: zstd: {}", path.string(), ZSTD_getErrorName(n)));
  }
  file.resize(kHeaderSize + n);
  h.raw_bytes = raw.size();
  h.payload_bytes = n;
  h.payload_crc = crc32c::mask(crc32c::value(std::string_view(file).substr(kHeaderSize)));
  std::string header = encode_header(h);
  file.replace(0, kHeaderSize, header);
  if (Status s = io::write_file_atomic(path, file); !s.ok()) return s;
  return h;
}

Result<Header> read_header(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io::os_error("cannot open segment", path, errno);
  char buf[kHeaderSize];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  struct stat st {};
  int rc = ::fstat(fd, &st);
  int err = errno;
  ::close(fd);
  if (n < 0) return io::os_error("cannot read segment", path, err);
  if (rc != 0) return io::os_error("cannot stat segment", path, err);
  auto h = decode_header(std::string_view(buf, static_cast<size_t>(n)), path);
  if (!h.ok()) return h;
  if (static_cast<uint64_t>(st.st_size) != kHeaderSize + h->payload_bytes) {
    return Status::error(
        fmt::format("segment {}: {} bytes, header says {}", path.string(), st.st_size, kHeaderSize + h->payload_bytes));
  }
  return h;
}

Result<bool> scan(const Info& seg, TimeNs from, TimeNs to, const std::function<bool(const EventBatch&)>& visit) {
  auto bad = [&](std::string_view why) { return Status::error(fmt::format("segment {}: {}", seg.path.string(), why)); };
  std::string file;
  if (Status s = io::read_all(seg.path, file); !s.ok()) return s;
  auto h = decode_header(file, seg.path);
  if (!h.ok()) return h.status();
  if (file.size() != kHeaderSize + h->payload_bytes) return bad("length does not match its header");
  std::string_view payload = std::string_view(file).substr(kHeaderSize);
  if (crc32c::unmask(h->payload_crc) != crc32c::value(payload)) return bad("payload checksum mismatch");
  std::string raw(h->raw_bytes, '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(), payload.data(), payload.size());
  if (ZSTD_isError(n)) return bad(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  if (n != raw.size()) return bad("payload shorter than its header says");
  ByteReader r(raw);
  for (uint64_t i = 0; i < h->batches; ++i) {
    uint64_t lo, hi;
    std::string_view bytes;
    if (!r.varint(lo) || !r.varint(hi) || !r.bytes(bytes)) return bad(fmt::format("batch {} is truncated", i));
    if (unzigzag(hi) < from || unzigzag(lo) > to) continue;
    auto batch = decode_batch(bytes);
    if (!batch.ok()) return bad(fmt::format("batch {}: {}", i, batch.error()));
    if (!visit(*batch)) return false;
  }
  if (!r.done()) return bad("trailing bytes after the last batch");
  return true;
}

}  // namespace vigil::segment
