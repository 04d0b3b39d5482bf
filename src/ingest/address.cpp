#include "ingest/address.h"

#include <charconv>

namespace vigil {

Result<HostPort> parse_host_port(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::error("invalid address '" + std::string(text) + "': " + why +
                         " (expected HOST:PORT, e.g. 127.0.0.1:5514 or [::1]:5514)");
  };
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    hp.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("missing port");
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return bad("IPv6 hosts need brackets");
    port = text.substr(colon + 1);
  }
  if (hp.host.empty()) hp.host = "0.0.0.0";
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return bad("port must be a number from 0 to 65535");
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

std::string format_host_port(const HostPort& hp) {
  if (hp.host.find(':') != std::string::npos) return "[" + hp.host + "]:" + std::to_string(hp.port);
  return hp.host + ":" + std::to_string(hp.port);
}

}  // namespace vigil
