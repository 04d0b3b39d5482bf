// Fuzz target for key=value splitting (parse/kv.h). The first byte picks the options
// (separator, assign, quotes). Checks: no crash or over-read; every view lies in the
// input or in the scratch arena; keys are never empty and hold no separator; without
// quotes every value is a slice without a separator and "false" means no pair; a
// second split of the same bytes gives the same pairs, and so does split_kv_scalar.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "parse/kv.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, const char* begin, size_t size) {
  return part.empty() || (part.data() >= begin && part.data() + part.size() <= begin + size);
}

// One arena block big enough for all unescaping (a value never grows), so "inside the
// scratch" is one range; allocate(0) hands out the block's start.
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
  static constexpr char kSeparators[] = {' ', ',', '|', ';', '\t', '^', '&', ' '};
  KvOptions o;
  o.pair_separator = kSeparators[data[0] & 7];
  o.assign = (data[0] & 8) ? ':' : '=';
  o.quotes = (data[0] & 16) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  Scratch scratch(size);
  std::vector<TextPair> out;
  const bool ok = split_kv(text, o, scratch.arena, out);
  check(scratch.arena.bytes_reserved() == scratch.block);
  for (const TextPair& p : out) {
    check(!p.key.empty());
    check(inside(p.key, text.data(), text.size()));
    check(inside(p.value, text.data(), text.size()) || scratch.holds(p.value));
    for (char c : p.key) check(c != o.pair_separator && c != o.assign && !(o.pair_separator == ' ' && c == '\t'));
    check(p.key.front() != ' ' && p.key.front() != '\t' && p.key.back() != ' ' && p.key.back() != '\t');
    if (!o.quotes) {
      check(inside(p.value, text.data(), text.size()));
      for (char c : p.value) check(c != o.pair_separator && !(o.pair_separator == ' ' && c == '\t'));
    }
  }
  if (!o.quotes) check(ok == !out.empty());
  if (ok) check(!out.empty());

  Scratch again_scratch(size);
  std::vector<TextPair> again;
  check(split_kv(text, o, again_scratch.arena, again) == ok);
  check(again.size() == out.size());
  for (size_t i = 0; i < out.size(); ++i) check(again[i].key == out[i].key && again[i].value == out[i].value);

  // The byte-class search (split_kv_scalar) is the reference of the marked walk.
  Scratch ref_scratch(size);
  std::vector<TextPair> ref;
  check(split_kv_scalar(text, o, ref_scratch.arena, ref) == ok);
  check(ref.size() == out.size());
  for (size_t i = 0; i < out.size(); ++i) check(ref[i].key == out[i].key && ref[i].value == out[i].value);
  return 0;
}
