// Fuzz target for one-line CSV (parse/csv_line.h). The first byte picks the delimiter.
// Checks: no crash or over-read; every field lies in the line or in the scratch arena;
// a line without quotes splits into exactly the pieces between delimiters (joined
// back, they are the line); false only when a quote is open; a second split agrees.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parse/csv_line.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, const char* begin, size_t size) {
  return part.empty() || (part.data() >= begin && part.data() + part.size() <= begin + size);
}

// One arena block big enough for all unescaping, so "inside the scratch" is one range.
struct Scratch {
  explicit Scratch(size_t input) : block(4 * input + 64), arena(block), base(arena.allocate(0)) {}
  bool holds(std::string_view s) const { return inside(s, base, block); }
  size_t block;
  vigil::Arena arena;
  const char* base;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  if (size == 0) return 0;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  const char d = kDelimiters[data[0] & 3];
  std::string_view line(reinterpret_cast<const char*>(data + 1), size - 1);
  Scratch scratch(size);
  std::vector<std::string_view> out;
  const bool ok = split_csv(line, d, scratch.arena, out);
  check(scratch.arena.bytes_reserved() == scratch.block);
  check(!out.empty());
  for (std::string_view f : out) check(inside(f, line.data(), line.size()) || scratch.holds(f));
  if (line.find('"') == std::string_view::npos) {
    check(ok);
    std::string joined;
    for (size_t i = 0; i < out.size(); ++i) {
      if (i) joined.push_back(d);
      joined.append(out[i]);
    }
    check(joined == line);
  }
  if (!ok) check(line.find('"') != std::string_view::npos);

  Scratch again_scratch(size);
  std::vector<std::string_view> again;
  check(split_csv(line, d, again_scratch.arena, again) == ok);
  check(again.size() == out.size());
  for (size_t i = 0; i < out.size(); ++i) check(again[i] == out[i]);
  return 0;
}
