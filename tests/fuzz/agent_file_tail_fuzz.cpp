// FileTail over arbitrary bytes appended in arbitrary chunks (a memfd, so no disk):
// whatever the chunking, the lines must be the file's lines — cut at the cap and flagged
// when longer, a last line without newline held back — and offset() must stop exactly
// after the last complete line (or after a cut one's bytes). Input: byte 0 = the cap
// (1..64), byte 1 = the chunk size (1..256), then the file's bytes.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/file_tail.h"

using vigil::FileTail;
using vigil::TailLine;
using vigil::TailStep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max = 1 + data[0] % 64;
  const size_t chunk = 1 + data[1];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);

  static const int fd = ::memfd_create("tail", 0);
  if (fd < 0) std::abort();
  if (::ftruncate(fd, 0) != 0) std::abort();
  FileTail tail("/proc/self/fd/" + std::to_string(fd), vigil::FileTailOptions{.max_line_bytes = max});

  struct Got {
    std::string text;
    bool truncated;
  };
  std::vector<Got> got;
  uint64_t last_end = 0;
  auto drain = [&] {
    TailLine line;
    for (;;) {
      TailStep step = tail.next(line);
      if (step == TailStep::kIdle) return;
      if (step != TailStep::kLine) std::abort();  // same file: never rotated
      if (line.text.size() > max || line.start_offset < last_end || line.end_offset <= line.start_offset) std::abort();
      last_end = line.end_offset;
      got.push_back({std::string(line.text), line.truncated});
    }
  };
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    std::string_view part = bytes.substr(at, chunk);
    if (::pwrite(fd, part.data(), part.size(), static_cast<off_t>(at)) != static_cast<ssize_t>(part.size())) std::abort();
    drain();
  }
  drain();

  // The model: split at '\n'.
  std::vector<Got> want;
  size_t start = 0;
  uint64_t want_offset = 0;
  for (;;) {
    size_t nl = bytes.find('\n', start);
    std::string_view seg = bytes.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (nl == std::string_view::npos) {
      if (seg.size() > max) {
        want.push_back({std::string(seg.substr(0, max)), true});
        want_offset = bytes.size();
      }
      break;
    }
    want.push_back({std::string(seg.substr(0, max)), seg.size() > max});
    start = nl + 1;
    want_offset = start;
  }
  if (got.size() != want.size()) std::abort();
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i].text != want[i].text || got[i].truncated != want[i].truncated) std::abort();
  if (tail.offset() != want_offset) std::abort();
  return 0;
}
