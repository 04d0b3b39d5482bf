// Fuzz target for CEF (parse/cef.h): bytes after "CEF:" (so the header is reached).
// Checks: no crash or over-read; every view lies in the input or in the scratch arena;
// success means a version number and extension keys that are non-empty runs of key
// characters, in input order; failure gives a reason; a second parse agrees.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parse/cef.h"

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

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '[' || c == ']';
}

bool same(const vigil::CefRecord& a, const vigil::CefRecord& b) {
  if (a.version != b.version || a.device_vendor != b.device_vendor || a.device_product != b.device_product ||
      a.device_version != b.device_version || a.signature_id != b.signature_id || a.name != b.name ||
      a.severity != b.severity || a.extension.size() != b.extension.size())
    return false;
  for (size_t i = 0; i < a.extension.size(); ++i)
    if (a.extension[i].key != b.extension[i].key || a.extension[i].value != b.extension[i].value) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string text = "CEF:";
  text.append(reinterpret_cast<const char*>(data), size);
  Scratch scratch(text.size());
  CefRecord r;
  const std::string_view why = parse_cef(text, scratch.arena, r);
  check(scratch.arena.bytes_reserved() == scratch.block);
  auto readable = [&](std::string_view s) { return inside(s, text.data(), text.size()) || scratch.holds(s); };
  for (std::string_view h : {r.device_vendor, r.device_product, r.device_version, r.signature_id, r.name, r.severity})
    check(readable(h));
  check(r.version >= 0 && r.version <= 99);
  const char* last = text.data();
  for (const TextPair& p : r.extension) {
    check(!p.key.empty());
    for (char c : p.key) check(key_char(c));
    check(p.key.data() >= last && inside(p.key, text.data(), text.size()));
    last = p.key.data() + p.key.size();
    check(readable(p.value));
  }
  if (!why.empty()) check(r.extension.empty() || why == "CEF extension has text before its first key=");

  Scratch again_scratch(text.size());
  CefRecord again;
  check(parse_cef(text, again_scratch.arena, again) == why);
  check(same(r, again));
  return 0;
}
