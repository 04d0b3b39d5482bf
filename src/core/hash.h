// FNV-1a, 64 bits: a small, stable hash for ids and fingerprints that must be the
// same in every process and run (finding uids, rule-file fingerprints). Not for
// hash tables of untrusted keys.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

constexpr uint64_t kFnv1aSeed = 1469598103934665603ull;

inline uint64_t fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace vigil
