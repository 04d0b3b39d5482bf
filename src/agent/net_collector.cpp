// Snapshots of /proc/net and the difference between two of them. The text is the
// kernel's, but it is still parsed defensively: every field is checked, and a line that
// does not read is counted, not guessed.
#include "agent/net_collector.h"

#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/time.h"

namespace vigil {

namespace {

bool parse_hex(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "0100007F:1F90" (IPv4) or 32 hex digits ":PORT" (IPv6): each 32-bit word is printed as
// the host-order integer of its bytes in memory, so memcpy gives the bytes back.
bool parse_endpoint(std::string_view s, IpAddress& ip, uint16_t& port) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view addr = s.substr(0, colon);
  uint64_t p;
  if (!parse_hex(s.substr(colon + 1), p) || p > 0xffff) return false;
  port = static_cast<uint16_t>(p);
  if (addr.size() != 8 && addr.size() != 32) return false;
  uint8_t bytes[16];
  for (size_t w = 0; w < addr.size() / 8; ++w) {
    uint64_t v;
    if (!parse_hex(addr.substr(w * 8, 8), v)) return false;
    uint32_t word = static_cast<uint32_t>(v);
    std::memcpy(bytes + w * 4, &word, 4);
  }
  if (addr.size() == 8) {
    ip = IpAddress::v4(bytes[0], bytes[1], bytes[2], bytes[3]);
    return true;
  }
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes, kMapped, 12) == 0) {  // an IPv4 peer of a dual-stack socket
    ip = IpAddress::v4(bytes[12], bytes[13], bytes[14], bytes[15]);
    return true;
  }
  ip = IpAddress{};
  std::memcpy(ip.bytes.data(), bytes, 16);
  ip.is_v4 = false;
  return true;
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void parse_proc_net(std::string_view text, bool tcp, std::vector<SocketEntry>& out, size_t& bad) {
  bool header = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (header) {  // "  sl  local_address rem_address   st ..."
      header = false;
      continue;
    }
    std::string_view tok[10];
    size_t n = 0;
    size_t i = 0;
    while (n < 10 && i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) tok[n++] = line.substr(start, i - start);
    }
    if (n == 0) continue;  // blank line
    SocketEntry e;
    e.tcp = tcp;
    uint64_t state, uid = 0, inode = 0;
    bool ok = n == 10 && parse_endpoint(tok[1], e.local_ip, e.local_port) &&
              parse_endpoint(tok[2], e.remote_ip, e.remote_port) && parse_hex(tok[3], state) && state <= 0xff &&
              std::from_chars(tok[7].data(), tok[7].data() + tok[7].size(), uid).ptr == tok[7].data() + tok[7].size() &&
              uid <= UINT32_MAX &&
              std::from_chars(tok[9].data(), tok[9].data() + tok[9].size(), inode).ptr == tok[9].data() + tok[9].size();
    if (!ok) {
      ++bad;
      continue;
    }
    e.state = static_cast<int>(state);
    e.uid = static_cast<uint32_t>(uid);
    e.inode = inode;
    out.push_back(e);
  }
}

void read_proc_net_sockets(const std::string& proc_root, std::vector<SocketEntry>& out, size_t& bad) {
  for (const char* f : {"tcp", "tcp6", "udp", "udp6"}) {
    std::string text = read_small_file(proc_root + "/net/" + f);
    parse_proc_net(text, f[0] == 't', out, bad);
  }
}

std::unordered_map<uint64_t, int> map_socket_inodes(const std::string& proc_root, size_t max_fds) {
  std::unordered_map<uint64_t, int> owners;
  DIR* proc = ::opendir(proc_root.c_str());
  if (!proc) return owners;
  size_t links = 0;
  while (dirent* d = ::readdir(proc)) {
    int pid = 0;
    auto r = std::from_chars(d->d_name, d->d_name + std::strlen(d->d_name), pid);
    if (r.ec != std::errc() || *r.ptr != '\0' || pid <= 0) continue;
    const std::string fd_dir = proc_root + "/" + d->d_name + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;  // gone, or not ours to read
    while (dirent* f = ::readdir(fds)) {
      if (f->d_name[0] == '.') continue;
      if (++links > max_fds) break;
      char target[64];
      ssize_t n = ::readlinkat(::dirfd(fds), f->d_name, target, sizeof target - 1);
      if (n <= 8 || std::memcmp(target, "socket:[", 8) != 0) continue;
      uint64_t inode = 0;
      auto ir = std::from_chars(target + 8, target + n, inode);
      if (ir.ec == std::errc() && ir.ptr < target + n && *ir.ptr == ']') owners.emplace(inode, pid);
    }
    ::closedir(fds);
    if (links > max_fds) break;
  }
  ::closedir(proc);
  return owners;
}

SocketOwner describe_process(const std::string& proc_root, int pid) {
  SocketOwner o;
  o.pid = pid;
  const std::string base = proc_root + "/" + std::to_string(pid);
  o.name = read_small_file(base + "/comm");
  while (!o.name.empty() && o.name.back() == '\n') o.name.pop_back();
  char path[4096];
  ssize_t n = ::readlink((base + "/exe").c_str(), path, sizeof path);
  if (n > 0 && static_cast<size_t>(n) < sizeof path) o.file_path.assign(path, static_cast<size_t>(n));
  return o;
}

std::string user_name_of(uint32_t uid) {
  passwd pw;
  passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return found->pw_name;
  return std::to_string(uid);
}

namespace {

struct Connection {
  SocketEntry socket;
  bool inbound = false;
  SocketOwner owner;
  std::string user;
};

std::string connection_key(const SocketEntry& s) {
  std::string k;
  k.reserve(48);
  k.push_back(s.tcp ? 't' : 'u');
  k.append(reinterpret_cast<const char*>(s.local_ip.bytes.data()), 16);
  k.append(reinterpret_cast<const char*>(&s.local_port), 2);
  k.append(reinterpret_cast<const char*>(s.remote_ip.bytes.data()), 16);
  k.append(reinterpret_cast<const char*>(&s.remote_port), 2);
  k.append(reinterpret_cast<const char*>(&s.inode), 8);
  return k;
}

std::string endpoint_text(const IpAddress& ip, uint16_t port) {
  return ip.is_v4 ? ip.to_string() + ":" + std::to_string(port) : "[" + ip.to_string() + "]:" + std::to_string(port);
}

class NetCollector final : public Collector {
 public:
  explicit NetCollector(NetCollectorOptions options) : options_(std::move(options)) {}

  std::string_view name() const override { return options_.name; }

  Status start(const CollectorContext& context) override {
    context_ = context;
    std::vector<SocketEntry> probe;
    size_t bad = 0;
    read_proc_net_sockets(options_.proc_root, probe, bad);
    if (::access((options_.proc_root + "/net/tcp").c_str(), R_OK) != 0)
      return Status::error(options_.name + ": " + options_.proc_root + "/net/tcp is not readable");
    stats_.mode = "proc-net";
    first_ = true;
    next_at_ = 0;
    return Status();
  }

  void poll(EventBatch& out) override {
    const TimeNs now = now_ns();
    if (now < next_at_) return;
    next_at_ = now + static_cast<TimeNs>(options_.interval_ms) * 1'000'000;

    std::vector<SocketEntry> sockets;
    size_t bad = 0;
    read_proc_net_sockets(options_.proc_root, sockets, bad);
    if (bad > 0) note_error(std::to_string(bad) + " unreadable lines in " + options_.proc_root + "/net");

    std::set<std::pair<bool, uint16_t>> listening;
    for (const SocketEntry& s : sockets)
      if ((s.tcp && s.state == static_cast<int>(SocketState::kListen)) || (!s.tcp && s.remote_port == 0))
        listening.insert({s.tcp, s.local_port});

    std::unordered_map<std::string, Connection> now_open;
    bool rescanned = false;
    for (const SocketEntry& s : sockets) {
      const bool connection = s.tcp ? s.state == static_cast<int>(SocketState::kEstablished)
                                    : options_.udp && s.remote_port != 0;
      if (!connection || s.inode == 0) continue;
      std::string key = connection_key(s);
      if (auto it = open_.find(key); it != open_.end()) {
        now_open.emplace(std::move(key), std::move(it->second));
        continue;
      }
      Connection c;
      c.socket = s;
      c.inbound = listening.contains({s.tcp, s.local_port});
      if (!owners_.contains(s.inode) && !rescanned) {  // a socket new since the last scan
        owners_ = map_socket_inodes(options_.proc_root, options_.max_fd_scan);
        processes_.clear();
        rescanned = true;
      }
      if (auto o = owners_.find(s.inode); o != owners_.end()) {
        auto p = processes_.find(o->second);
        if (p == processes_.end()) p = processes_.emplace(o->second, describe_process(options_.proc_root, o->second)).first;
        c.owner = p->second;
      }
      c.user = user_name_of(s.uid);
      if (!first_ || options_.report_existing) emit(c, 1, now, out);
      now_open.emplace(std::move(key), std::move(c));
    }
    for (auto& [key, c] : open_)
      if (!now_open.contains(key)) emit(c, 2, now, out);
    open_ = std::move(now_open);
    first_ = false;
  }

  void stop() override {}
  CollectorStats stats() const override { return stats_; }

 private:
  void emit(const Connection& c, int activity, TimeNs now, EventBatch& out) {
    static const FieldId kClass = field_id("class_uid"), kCategory = field_id("category_uid"),
                         kActivity = field_id("activity_id"), kType = field_id("type_uid"),
                         kSeverity = field_id("severity_id"), kSrcIp = field_id("src_endpoint.ip"),
                         kSrcPort = field_id("src_endpoint.port"), kDstIp = field_id("dst_endpoint.ip"),
                         kDstPort = field_id("dst_endpoint.port"), kProto = field_id("connection_info.protocol_name"),
                         kProtoNum = field_id("connection_info.protocol_num"),
                         kDirection = field_id("connection_info.direction_id"), kPid = field_id("process.pid"),
                         kPname = field_id("process.name"), kPpath = field_id("process.file.path"),
                         kUser = field_id("process.user.name"), kHost = field_id("device.hostname");
    const SocketEntry& s = c.socket;
    // src is the side that connected.
    const IpAddress& src_ip = c.inbound ? s.remote_ip : s.local_ip;
    const uint16_t src_port = c.inbound ? s.remote_port : s.local_port;
    const IpAddress& dst_ip = c.inbound ? s.local_ip : s.remote_ip;
    const uint16_t dst_port = c.inbound ? s.local_port : s.remote_port;
    std::string raw = std::string(s.tcp ? "tcp" : "udp") + (activity == 1 ? " open " : " close ") +
                      endpoint_text(src_ip, src_port) + " -> " + endpoint_text(dst_ip, dst_port) +
                      (c.inbound ? " inbound" : " outbound");
    if (c.owner.pid > 0) raw += " pid " + std::to_string(c.owner.pid) + " " + c.owner.file_path;
    out.begin_event(Provenance{.receive_time = now, .raw = raw, .source = "proc-net", .input = "agent-network"});
    out.add_int(kClass, 4001);
    out.add_int(kCategory, 4);
    out.add_int(kActivity, activity);
    out.add_int(kType, 4001 * 100 + activity);
    out.add_int(kSeverity, 1);
    out.add_ip(kSrcIp, src_ip);
    out.add_int(kSrcPort, src_port);
    out.add_ip(kDstIp, dst_ip);
    out.add_int(kDstPort, dst_port);
    out.add_string(kProto, s.tcp ? "tcp" : "udp");
    out.add_int(kProtoNum, s.tcp ? 6 : 17);
    out.add_int(kDirection, c.inbound ? 1 : 2);
    if (c.owner.pid > 0) {
      out.add_int(kPid, c.owner.pid);
      if (!c.owner.name.empty()) out.add_string(kPname, c.owner.name);
      if (!c.owner.file_path.empty()) out.add_string(kPpath, c.owner.file_path);
    }
    out.add_string(kUser, c.user);
    if (!context_.hostname.empty()) out.add_string(kHost, context_.hostname);
    out.end_event();
    ++stats_.events;
  }

  void note_error(const std::string& why) {
    ++stats_.errors;
    stats_.last_error = why;
  }

  NetCollectorOptions options_;
  CollectorContext context_;
  std::unordered_map<std::string, Connection> open_;
  std::unordered_map<uint64_t, int> owners_;
  std::unordered_map<int, SocketOwner> processes_;
  TimeNs next_at_ = 0;
  bool first_ = true;
  CollectorStats stats_;
};

}  // namespace

std::unique_ptr<Collector> make_net_collector(NetCollectorOptions options) {
  return std::make_unique<NetCollector>(std::move(options));
}

}  // namespace vigil
