// Fuzz target for LEEF 1.0/2.0 (parse/leef.h): bytes after "LEEF:". Checks: no crash or
// over-read; success means a version digit, attribute keys that are non-empty and hold
// no '=' nor the delimiter, values without the delimiter, all slices of the input; a
// second parse agrees.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parse/leef.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string text = "LEEF:";
  text.append(reinterpret_cast<const char*>(data), size);
  Arena arena(256);
  LeefRecord r;
  const std::string_view why = parse_leef(text, arena, r);
  const std::string_view whole = text;
  auto inside = [&](std::string_view s) {
    return s.empty() || (s.data() >= whole.data() && s.data() + s.size() <= whole.data() + whole.size());
  };
  for (std::string_view h : {r.vendor, r.product, r.version, r.event_id}) check(inside(h));
  for (const TextPair& p : r.attributes) {
    check(!p.key.empty() && inside(p.key) && inside(p.value));
    check(p.key.find('=') == std::string_view::npos);
    check(p.key.find(r.delimiter) == std::string_view::npos && p.value.find(r.delimiter) == std::string_view::npos);
  }
  if (!why.empty()) check(r.attributes.empty());
  else check(r.major >= 0 && r.major <= 9 && r.delimiter != '\0');

  Arena again_arena(256);
  LeefRecord again;
  check(parse_leef(text, again_arena, again) == why);
  check(again.major == r.major && again.minor == r.minor && again.delimiter == r.delimiter);
  check(again.vendor == r.vendor && again.product == r.product && again.version == r.version &&
        again.event_id == r.event_id && again.attributes.size() == r.attributes.size());
  for (size_t i = 0; i < r.attributes.size(); ++i)
    check(again.attributes[i].key == r.attributes[i].key && again.attributes[i].value == r.attributes[i].value);
  return 0;
}
