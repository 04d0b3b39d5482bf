// Write-ahead log: every appended batch is a record in a WAL file before it is
// acknowledged. Files are wal/<seq>.log; a new file starts at open and at each seal,
// so whole files can be dropped once a segment holds their content.
//
// Record:
//   u32 length      payload bytes (little-endian, like every integer here)
//   u32 crc         masked crc32c(payload)
//   u32 header_crc  masked crc32c(the 8 bytes above)
//   payload         encode_batch() bytes
// The header checksum lets recovery look for an intact record after a damaged one
// in O(bytes) rather than O(bytes²): that is how a torn tail (nothing intact after
// the damage: the last, unacknowledged write) is told apart from corruption of
// acknowledged data (intact records follow), which must not be dropped silently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace vigil::wal {

constexpr size_t kHeaderSize = 12;
constexpr uint32_t kMaxRecord = 1u << 30;
constexpr std::string_view kSuffix = ".log";

// Appends one framed record holding `payload` to `out`.
void append_record(std::string& out, std::string_view payload);
// The same without copying the payload: begin_record() reserves the header and returns
// its position; the caller appends the payload to `out`; end_record() fills the header.
size_t begin_record(std::string& out);
void end_record(std::string& out, size_t start);

// An open WAL file being appended to. Not thread-safe: the store's writer thread owns it.
class Writer {
 public:
  // Creates a new, empty file (fails if it exists) and syncs its directory, so that
  // records synced into it later cannot vanish with a lost directory entry.
  static Result<std::unique_ptr<Writer>> create(const std::filesystem::path& path);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // One write(2) of many framed records.
  Status append(std::string_view records);
  Status sync();  // fdatasync(2)
  uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Writer(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
  uint64_t size_ = 0;
};

struct ReadResult {
  uint64_t valid_bytes = 0;  // end of the last intact record
  uint64_t file_bytes = 0;   // > valid_bytes when the tail is torn
  uint64_t records = 0;
};

using RecordFn = std::function<Status(std::string_view payload, uint64_t offset)>;

// Calls on_record for each intact record of `data` (the bytes of `path`) in order. Stops
// quietly at a torn tail; returns an error naming the file and offset when damage is
// followed by an intact record, or when on_record fails.
Result<ReadResult> read_records(std::string_view data, const std::filesystem::path& path, const RecordFn& on_record);

// Cuts a torn tail off (writer mode only) and syncs the file.
Status truncate(const std::filesystem::path& path, uint64_t size);

}  // namespace vigil::wal
