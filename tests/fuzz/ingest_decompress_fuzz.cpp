// Fuzz HTTP body decompression: arbitrary bytes as gzip and as zstd, with a small
// output limit. Invariant: output never exceeds the limit; errors are messages, not crashes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/decompress.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  constexpr size_t kLimit = 1 << 16;
  for (std::string_view enc : {"gzip", "zstd", "identity", "x-gzip"}) {
    auto r = vigil::decompress_body(body, enc, kLimit);
    if (r.ok() && r->size() > kLimit) abort();
    if (!r.ok() && r.error().empty()) abort();
  }
  return 0;
}
