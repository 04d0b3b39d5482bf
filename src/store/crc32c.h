// CRC-32C (Castagnoli) for WAL records and segment files: hardware-accelerated on
// x86-64 with SSE4.2, a table otherwise. Stored checksums are masked (as in LevelDB)
// so that a CRC of data which itself embeds CRCs stays well distributed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::crc32c {

// Continues a CRC: value(s) == extend(0, s).
uint32_t extend(uint32_t crc, const void* data, size_t n);
inline uint32_t value(std::string_view s) { return extend(0, s.data(), s.size()); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace vigil::crc32c
