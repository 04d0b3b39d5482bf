// IpAddress: an IPv4 or IPv6 address as 16 bytes (IPv4 is stored v4-mapped),
// so one fixed-size value type serves both families in events and indexes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool is_v4 = false;

  static std::optional<IpAddress> parse(std::string_view text);  // "10.0.0.1", "::1", "[::1]"
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  std::string to_string() const;

  // True when this address lies in prefix/bits (both of the same family).
  bool in_network(const IpAddress& prefix, int bits) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

}  // namespace vigil
