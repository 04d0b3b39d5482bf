#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace vigil {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    ip.is_v4 = true;
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &a4, 4);
    return ip;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) == 1) {
    std::memcpy(ip.bytes.data(), &a6, 16);
    return ip;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.is_v4 = true;
  ip.bytes[10] = ip.bytes[11] = 0xff;
  ip.bytes[12] = a;
  ip.bytes[13] = b;
  ip.bytes[14] = c;
  ip.bytes[15] = d;
  return ip;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

bool IpAddress::in_network(const IpAddress& prefix, int bits) const {
  if (is_v4 != prefix.is_v4) return false;
  int total = is_v4 ? 32 : 128;
  if (bits < 0 || bits > total) return false;
  int start = is_v4 ? 12 : 0;
  int full = bits / 8, rest = bits % 8;
  if (std::memcmp(bytes.data() + start, prefix.bytes.data() + start, full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[start + full] & mask) == (prefix.bytes[start + full] & mask);
}

}  // namespace vigil
