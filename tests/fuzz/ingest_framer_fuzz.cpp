// Fuzz the syslog TCP framer: arbitrary bytes, split at fuzzer-chosen points.
// Invariants: no frame exceeds the limit, the buffer stays bounded, and the same
// stream gives the same frames however it is split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/syslog_framer.h"

namespace {
std::vector<std::string> frames_of(std::string_view data, size_t max, const std::vector<size_t>& cuts) {
  vigil::SyslogFramer fr(max);
  std::vector<std::string> out;
  auto sink = [&](std::string_view f, bool truncated) {
    if (f.size() > max) abort();
    if (!truncated && f.empty()) abort();
    out.emplace_back(f);
  };
  size_t pos = 0;
  for (size_t c : cuts) {
    if (c <= pos || c > data.size()) continue;
    fr.feed(data.substr(pos, c - pos), sink);
    if (fr.buffered() > 2 * max + 16) abort();  // an unbounded sender must not grow memory
    pos = c;
  }
  fr.feed(data.substr(pos), sink);
  fr.finish(sink);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t max = 1 + data[0] % 64;  // small limits reach the truncation paths
  std::string_view s(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<size_t> one_by_one;
  for (size_t i = 1; i < s.size(); ++i) one_by_one.push_back(i);
  std::vector<size_t> halves = {s.size() / 2};
  auto a = frames_of(s, max, {});
  auto b = frames_of(s, max, one_by_one);
  auto c = frames_of(s, max, halves);
  if (a != b || a != c) abort();
  return 0;
}
