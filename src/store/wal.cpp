// WAL records, the appending writer, and the recovery reader (format in wal.h).
#include "store/wal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "store/crc32c.h"
#include "store/io.h"

namespace vigil::wal {
namespace {

// The record at `off` if it is intact; its payload length in `len`.
bool intact_at(std::string_view data, size_t off, uint32_t& len) {
  if (data.size() - off < kHeaderSize) return false;
  const char* h = data.data() + off;
  if (crc32c::unmask(io::get_fixed32(h + 8)) != crc32c::extend(0, h, 8)) return false;
  len = io::get_fixed32(h);
  if (len == 0 || len > kMaxRecord || len > data.size() - off - kHeaderSize) return false;
  return crc32c::unmask(io::get_fixed32(h + 4)) == crc32c::extend(0, h + kHeaderSize, len);
}

}  // namespace

size_t begin_record(std::string& out) {
  size_t start = out.size();
  out.append(kHeaderSize, '\0');
  return start;
}

void end_record(std::string& out, size_t start) {
  std::string_view payload = std::string_view(out).substr(start + kHeaderSize);
  std::string header;
  io::put_fixed32(header, static_cast<uint32_t>(payload.size()));
  io::put_fixed32(header, crc32c::mask(crc32c::value(payload)));
  io::put_fixed32(header, crc32c::mask(crc32c::value(header)));
  out.replace(start, kHeaderSize, header);
}

void append_record(std::string& out, std::string_view payload) {
  size_t start = begin_record(out);
  out.append(payload);
  end_record(out, start);
}

Result<std::unique_ptr<Writer>> Writer::create(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io::os_error("cannot create WAL file", path, errno);
  std::unique_ptr<Writer> w(new Writer(fd, path));
  if (Status s = io::sync_dir(path.parent_path()); !s.ok()) return s;
  return w;
}

Writer::~Writer() { ::close(fd_); }

Status Writer::append(std::string_view records) {
  Status s = io::write_all(fd_, records, path_);
  if (s.ok()) size_ += records.size();
  return s;
}

Status Writer::sync() {
  if (::fdatasync(fd_) != 0) return io::os_error("cannot fdatasync WAL file", path_, errno);
  return {};
}

Result<ReadResult> read_records(std::string_view data, const std::filesystem::path& path, const RecordFn& on_record) {
  ReadResult r;
  r.file_bytes = data.size();
  size_t off = 0;
  while (off < data.size()) {
    uint32_t len = 0;
    if (!intact_at(data, off, len)) break;
    if (Status s = on_record(data.substr(off + kHeaderSize, len), off); !s.ok()) {
      return Status::error(fmt::format("WAL file {}: record at offset {}: {}", path.string(), off, s.message()));
    }
    off += kHeaderSize + len;
    ++r.records;
  }
  r.valid_bytes = off;
  if (off == data.size()) return r;
  // Damage at `off`. If any intact record follows, acknowledged data is damaged.
  for (size_t next = off + 1; next + kHeaderSize <= data.size(); ++next) {
    uint32_t len = 0;
    if (intact_at(data, next, len)) {
      return Status::error(
          fmt::format("WAL file {} is corrupt at offset {} ({} damaged bytes before an intact record at offset {}); "
                      "refusing to open so that acknowledged events are not dropped — move the file aside to "
                      "accept the loss",
                      path.string(), off, next - off, next));
    }
  }
  return r;
}

Status truncate(const std::filesystem::path& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io::os_error("cannot open", path, errno);
  Status s;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
    s = io::os_error("cannot truncate", path, errno);
  else if (::fsync(fd) != 0)
    s = io::os_error("cannot fsync", path, errno);
  ::close(fd);
  return s;
}

}  // namespace vigil::wal
