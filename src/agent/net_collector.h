// Network connections collector: a snapshot of the TCP and UDP sockets every few seconds
// (/proc/net/{tcp,tcp6,udp,udp6}), each with its owning process (socket inode -> pid by
// the /proc/<pid>/fd links), reported as OCSF Network Activity 4001: activity 1 Open
// for a connection not in the previous snapshot, 2 Close for one gone from it. Listening
// sockets are not connections: the inventory collector lists them. A connection that
// opens and closes between two snapshots is not seen (a polling limit, stated).
//
// Fields: class_uid 4001, category_uid 4, activity_id, type_uid, severity_id 1,
// src_endpoint.ip/port and dst_endpoint.ip/port (typed IPs; src is the side that
// connected: the peer of an inbound connection), connection_info.protocol_name tcp/udp,
// connection_info.protocol_num, connection_info.direction_id (1 inbound: the local port
// is a listening one, 2 outbound), process.pid, process.name, process.file.path,
// process.user.name (the socket's owner), device.hostname.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/collector.h"
#include "core/ip_address.h"

namespace vigil {

enum class SocketState : uint8_t { kOther = 0, kEstablished = 1, kListen = 10 };

struct SocketEntry {
  bool tcp = true;
  IpAddress local_ip;
  uint16_t local_port = 0;
  IpAddress remote_ip;
  uint16_t remote_port = 0;
  int state = 0;       // the kernel's TCP state number (1 established, 10 listen; UDP: 1 connected, 7 not)
  uint32_t uid = 0;
  uint64_t inode = 0;  // 0: no longer owned by a process (TIME_WAIT)
};

// Parses the text of one /proc/net/{tcp,tcp6,udp,udp6} file (header line first) and
// appends its sockets; lines it cannot read are counted in `bad`, never guessed.
void parse_proc_net(std::string_view text, bool tcp, std::vector<SocketEntry>& out, size_t& bad);

// Every TCP and UDP socket of the host; `bad` counts unreadable lines.
void read_proc_net_sockets(const std::string& proc_root, std::vector<SocketEntry>& out, size_t& bad);

// The process that owns a socket inode.
struct SocketOwner {
  int pid = 0;
  std::string name;       // /proc/<pid>/comm
  std::string file_path;  // /proc/<pid>/exe
};

// Scans /proc/<pid>/fd of every process (at most max_fds links) for socket inodes.
std::unordered_map<uint64_t, int> map_socket_inodes(const std::string& proc_root, size_t max_fds);
SocketOwner describe_process(const std::string& proc_root, int pid);
// The user name of a uid, or the number as text when it has none.
std::string user_name_of(uint32_t uid);

struct NetCollectorOptions {
  std::string name = "network";
  int interval_ms = 5000;     // between snapshots
  bool udp = true;            // also connected UDP sockets
  bool report_existing = false;  // the first snapshot's connections as Open events too
  size_t max_fd_scan = 200'000;  // bound on /proc/<pid>/fd links read per snapshot
  std::string proc_root = "/proc";
};

std::unique_ptr<Collector> make_net_collector(NetCollectorOptions options);

}  // namespace vigil
