// parse_proc_net over arbitrary text: never crashes; every line after the header is
// either a socket or counted bad, never both; a second parse agrees. Byte 0 picks tcp/udp.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "agent/net_collector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool tcp = data[0] & 1;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<vigil::SocketEntry> a, b;
  size_t bad_a = 0, bad_b = 0;
  vigil::parse_proc_net(text, tcp, a, bad_a);
  vigil::parse_proc_net(text, tcp, b, bad_b);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  if (a.size() + bad_a + 1 > std::max<size_t>(lines, 1)) std::abort();  // the header is neither
  if (a.size() != b.size() || bad_a != bad_b) std::abort();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].tcp != tcp || a[i].state > 0xff) std::abort();
    if (!(a[i].local_ip == b[i].local_ip) || a[i].inode != b[i].inode || a[i].local_port != b[i].local_port) std::abort();
  }
  return 0;
}
