// Listen/connect addresses as users write them: "127.0.0.1:5514", "[::1]:8080",
// "localhost:514", ":5514" (all interfaces). Port 0 asks for an ephemeral port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil {

struct HostPort {
  std::string host;  // without brackets; "0.0.0.0" for ":port"
  uint16_t port = 0;
};

Result<HostPort> parse_host_port(std::string_view text);
std::string format_host_port(const HostPort& hp);  // brackets IPv6 hosts

}  // namespace vigil
