// The exec collector: netlink process connector or /proc polling, enrichment from
// /proc, OCSF Process Activity events (see exec_collector.h).
#include "agent/exec_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "agent/collector_thread.h"
#include "agent/proc_info.h"
#include "agent/sha256_file.h"
#include "core/hash.h"
#include "core/time.h"

namespace vigil {
namespace {

struct Ids {
#define F(member, name) FieldId member = field_id(name);
  F(class_uid, "class_uid")
  F(category_uid, "category_uid")
  F(activity_id, "activity_id")
  F(type_uid, "type_uid")
  F(severity_id, "severity_id")
  F(product_name, "metadata.product.name")
  F(vendor_name, "metadata.product.vendor_name")
  F(log_name, "metadata.log_name")
  F(device_hostname, "device.hostname")
  F(device_os_type_id, "device.os.type_id")
  F(pid, "process.pid")
  F(name, "process.name")
  F(cmd_line, "process.cmd_line")
  F(cwd, "process.working_directory")
  F(path, "process.file.path")
  F(file_name, "process.file.name")
  F(hash_algorithm_id, "process.file.hashes.algorithm_id")
  F(hash_algorithm, "process.file.hashes.algorithm")
  F(hash_value, "process.file.hashes.value")
  F(user_name, "process.user.name")
  F(user_uid, "process.user.uid")
  F(parent_pid, "process.parent_process.pid")
  F(parent_name, "process.parent_process.name")
  F(parent_path, "process.parent_process.file.path")
  F(parent_cmd_line, "process.parent_process.cmd_line")
  F(actor_pid, "actor.process.pid")
  F(actor_path, "actor.process.file.path")
  F(actor_user_name, "actor.user.name")
  F(actor_user_uid, "actor.user.uid")
  F(gid, "unmapped.exec.gid")
  F(egid, "unmapped.exec.egid")
  F(source, "unmapped.exec.source")
  F(hash_skipped, "unmapped.exec.hash_skipped")
  F(read_error, "unmapped.exec.read_error")
  F(cmd_line_truncated, "unmapped.exec.cmd_line_truncated")
#undef F
};

const Ids& ids() {
  static const Ids i;
  return i;
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// One exec, everything read at the moment it was heard of.
struct ExecRecord {
  TimeNs time = 0;
  ProcInfo proc;
  ProcInfo parent;
  std::string user_name, actor_user_name;
  std::string sha256, hash_note;
  std::string raw;
};

// Executable identity -> SHA-256: a busy binary (sh, python) is hashed once, and a
// replaced one (new inode or mtime) again.
struct HashKey {
  uint64_t dev, ino, size;
  int64_t mtime_ns;
  bool operator==(const HashKey&) const = default;
};
struct HashKeyHash {
  size_t operator()(const HashKey& k) const {
    return static_cast<size_t>((k.dev * 1000003u) ^ (k.ino * 0x9e3779b97f4a7c15ull) ^ k.size ^
                               static_cast<uint64_t>(k.mtime_ns));
  }
};

class ExecCollector final : public Collector {
 public:
  explicit ExecCollector(const ExecCollectorOptions& o) : options_(o), worker_(o.queue_capacity) {
    if (options_.poll_interval_ms < 10) options_.poll_interval_ms = 10;
  }
  ~ExecCollector() override { stop(); }

  std::string_view name() const override { return "exec"; }

  Status start(const CollectorContext& context) override {
    if (Status s = worker_.open("exec"); !s.ok()) return s;
    hostname_ = context.hostname;
    std::string why;
    if (!options_.force_proc_polling && open_connector(why)) {
      worker_.set_mode("netlink");
      worker_.run([this] { read_connector(); });
      return Status();
    }
    if (!options_.force_proc_polling) worker_.note_error("process connector unavailable, polling /proc instead: " + why, false);
    worker_.set_mode("proc-poll");
    worker_.run([this] { poll_proc(); });
    return Status();
  }

  void poll(EventBatch& out) override {
    worker_.drain([&](const ExecRecord& r) { append(r, out); });
  }

  void stop() override {
    worker_.stop();
    if (socket_ >= 0) ::close(socket_);
    socket_ = -1;
  }

  CollectorStats stats() const override { return worker_.stats(); }

 private:
  void note_error(const std::string& what) { worker_.note_error(what); }

  // ---- the netlink process connector ----------------------------------------

  bool send_listen(int op) {
    alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(int))] = {};
    auto* nl = reinterpret_cast<nlmsghdr*>(buf);
    nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(int));
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = 0;
    auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(int);
    std::memcpy(cn->data, &op, sizeof(int));
    return ::send(socket_, nl, nl->nlmsg_len, 0) == static_cast<ssize_t>(nl->nlmsg_len);
  }

  // Opens and subscribes, then waits for the kernel's answer: outside the initial
  // namespaces the subscription is silently ignored, and polling must take over.
  bool open_connector(std::string& why) {
    socket_ = ::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (socket_ < 0) {
      why = std::string("socket(NETLINK_CONNECTOR): ") + std::strerror(errno);
      return false;
    }
    // A burst of execs must wait in the kernel while this thread hashes.
    int rcvbuf = 8 << 20;
    if (::setsockopt(socket_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
      ::setsockopt(socket_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    addr.nl_pid = 0;  // the kernel picks a unique port id
    if (::bind(socket_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      why = std::string("bind(CN_IDX_PROC): ") + std::strerror(errno) + " (needs CAP_NET_ADMIN)";
      ::close(socket_);
      socket_ = -1;
      return false;
    }
    if (!send_listen(PROC_CN_MCAST_LISTEN)) {
      why = std::string("PROC_CN_MCAST_LISTEN: ") + std::strerror(errno);
      ::close(socket_);
      socket_ = -1;
      return false;
    }
    TimeNs deadline = now_ns() + kNsPerSec;
    while (now_ns() < deadline) {
      pollfd p{socket_, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      if (r < 0 && errno != EINTR) break;
      if (r <= 0) continue;
      int ack_err = -1;
      // Any message from the kernel proves the subscription works; an ack says so too
      // (with an error when the kernel refused).
      if (receive(&ack_err)) {
        if (ack_err > 0) {
          why = std::string("the kernel refused the subscription: ") + std::strerror(ack_err);
          break;
        }
        return true;
      }
    }
    if (why.empty()) why = "no answer from the process connector within 1 s (not in the initial namespaces?)";
    ::close(socket_);
    socket_ = -1;
    return false;
  }

  // Reads one datagram and handles its exec events. True when something from the
  // kernel's process connector was read; *ack_err gets an ack's error code.
  bool receive(int* ack_err) {
    alignas(nlmsghdr) static thread_local char buf[64 * 1024];
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    ssize_t n = ::recvfrom(socket_, buf, sizeof(buf), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == ENOBUFS) {
        // The kernel dropped messages it could not queue: how many is unknown.
        worker_.note_error("netlink receive buffer overflowed: exec events were lost (count unknown)", true, true);
      } else if (errno != EAGAIN && errno != EINTR) {
        note_error(std::string("netlink recv: ") + std::strerror(errno));
      }
      return false;
    }
    if (from.nl_pid != 0) return false;  // only the kernel speaks for the connector
    bool ours = false;
    size_t len = static_cast<size_t>(n);
    for (auto* nl = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nl, len); nl = NLMSG_NEXT(nl, len)) {
      if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
      if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg))) continue;
      auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
      if (cn->len < offsetof(proc_event, event_data) ||
          NLMSG_LENGTH(sizeof(cn_msg) + cn->len) > nl->nlmsg_len)
        continue;
      ours = true;
      proc_event ev;
      std::memset(&ev, 0, sizeof(ev));
      std::memcpy(&ev, cn->data, std::min<size_t>(cn->len, sizeof(ev)));
      if (ev.what == proc_event::PROC_EVENT_NONE) {
        if (ack_err) *ack_err = static_cast<int>(ev.event_data.ack.err);
      } else if (ev.what == proc_event::PROC_EVENT_EXEC &&
                 cn->len >= offsetof(proc_event, event_data) + sizeof(ev.event_data.exec)) {
        on_exec(static_cast<int>(ev.event_data.exec.process_tgid), boot_to_real(ev.timestamp_ns), "netlink");
      }
    }
    return ours;
  }

  // The connector stamps events with CLOCK_MONOTONIC (ktime_get_ns).
  static TimeNs boot_to_real(uint64_t mono_ns) {
    timespec mono;
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    TimeNs now_mono = static_cast<TimeNs>(mono.tv_sec) * kNsPerSec + mono.tv_nsec;
    TimeNs t = now_ns() - (now_mono - static_cast<TimeNs>(mono_ns));
    return mono_ns == 0 ? now_ns() : t;
  }

  void read_connector() {
    pollfd fds[2] = {{socket_, POLLIN, 0}, {worker_.stop_fd(), POLLIN, 0}};
    for (;;) {
      int r = ::poll(fds, 2, -1);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        note_error(std::string("exec collector poll: ") + std::strerror(errno));
        return;
      }
      if (fds[1].revents) break;
      if (fds[0].revents & (POLLIN | POLLERR)) {
        while (receive(nullptr)) {
        }
      }
    }
    send_listen(PROC_CN_MCAST_IGNORE);
  }

  // ---- the /proc polling fallback -------------------------------------------

  // pid -> hash of its executable's path: a pid that is new, or runs another
  // executable than last time (it exec'd), is an exec.
  void scan_proc(std::unordered_map<int, uint64_t>& seen, std::unordered_map<int, uint64_t>& next, bool report) {
    next.clear();
    DIR* dir = ::opendir("/proc");
    if (!dir) {
      note_error(std::string("opendir /proc: ") + std::strerror(errno));
      return;
    }
    char path[64], target[4096];
    while (dirent* d = ::readdir(dir)) {
      const char* s = d->d_name;
      if (*s < '1' || *s > '9') continue;
      char* end = nullptr;
      long pid = std::strtol(s, &end, 10);
      if (*end != '\0' || pid <= 0 || pid > INT32_MAX) continue;
      std::snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
      ssize_t n = ::readlink(path, target, sizeof(target));
      if (n < 0) continue;  // kernel threads have no executable; a zombie none left
      uint64_t h = fnv1a(kFnv1aSeed, std::string_view(target, static_cast<size_t>(n)));
      next.emplace(static_cast<int>(pid), h);
      if (!report) continue;
      auto it = seen.find(static_cast<int>(pid));
      if (it == seen.end() || it->second != h) on_exec(static_cast<int>(pid), now_ns(), "proc-poll");
    }
    ::closedir(dir);
    seen.swap(next);
  }

  void poll_proc() {
    std::unordered_map<int, uint64_t> seen, next;
    // What ran before the agent started is not an exec it saw.
    scan_proc(seen, next, false);
    pollfd stop{worker_.stop_fd(), POLLIN, 0};
    for (;;) {
      int r = ::poll(&stop, 1, options_.poll_interval_ms);
      if (r > 0) break;
      scan_proc(seen, next, true);
    }
  }

  // ---- enrichment -----------------------------------------------------------

  void on_exec(int pid, TimeNs time, const char* source) {
    if (!worker_.has_room()) return;  // poll() is not keeping up: counted, and no time spent reading it
    ExecRecord r;
    r.time = time;
    read_proc_info(pid, r.proc);
    if (r.proc.ppid > 0) read_proc_info(r.proc.ppid, r.parent);
    if (r.proc.euid >= 0) r.user_name = users_.name(r.proc.euid);
    if (r.proc.ruid >= 0) r.actor_user_name = users_.name(r.proc.ruid);
    hash_executable(pid, r);
    build_raw(r, source);
    worker_.push(std::move(r));
  }

  // Opens the executable through /proc/<pid>/exe: the very file the process runs,
  // even when its path was replaced or deleted since.
  void hash_executable(int pid, ExecRecord& r) {
    std::string path = "/proc/" + std::to_string(pid) + "/exe";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      r.hash_note = "executable not readable: " + std::string(std::strerror(errno));
      return;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      r.hash_note = std::string("cannot stat executable: ") + std::strerror(errno);
      ::close(fd);
      return;
    }
    HashKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
                static_cast<int64_t>(st.st_mtim.tv_sec) * kNsPerSec + st.st_mtim.tv_nsec};
    if (auto it = hash_cache_.find(key); it != hash_cache_.end()) {
      r.sha256 = it->second;
      ::close(fd);
      return;
    }
    Result<FileDigest> d = sha256_fd(fd, options_.max_hash_bytes);
    ::close(fd);
    if (!d.ok()) {
      r.hash_note = d.error();
      return;
    }
    if (d->too_large) {
      r.hash_note = "executable larger than max_hash_bytes (" + std::to_string(options_.max_hash_bytes) + ")";
      return;
    }
    if (hash_cache_.size() >= 4096) hash_cache_.clear();
    hash_cache_.emplace(key, d->sha256);
    r.sha256 = std::move(d->sha256);
  }

  static void json_field(std::string& out, const char* key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    append_json_string(out, value);
  }
  static void json_int(std::string& out, const char* key, int64_t v) {
    out += ",\"";
    out += key;
    out += "\":";
    out += std::to_string(v);
  }

  static void build_raw(ExecRecord& r, const char* source) {
    std::string& o = r.raw;
    o = "{\"source\":";
    append_json_string(o, source);
    json_int(o, "pid", r.proc.pid);
    json_int(o, "ppid", r.proc.ppid);
    json_field(o, "exe", r.proc.exe);
    o += ",\"args\":";
    o += r.proc.args_json.empty() ? "[]" : r.proc.args_json;
    json_field(o, "cwd", r.proc.cwd);
    json_int(o, "uid", r.proc.ruid);
    json_int(o, "euid", r.proc.euid);
    json_int(o, "gid", r.proc.rgid);
    json_int(o, "egid", r.proc.egid);
    if (!r.sha256.empty()) json_field(o, "sha256", r.sha256);
    if (!r.hash_note.empty()) json_field(o, "hash_skipped", r.hash_note);
    if (!r.proc.error.empty()) json_field(o, "error", r.proc.error);
    o += ",\"parent\":{\"exe\":";
    append_json_string(o, r.parent.exe);
    o += ",\"args\":";
    o += r.parent.args_json.empty() ? "[]" : r.parent.args_json;
    o += "}}";
  }

  void append(const ExecRecord& r, EventBatch& out) const {
    const Ids& f = ids();
    out.begin_event({.receive_time = now_ns(), .raw = r.raw, .source = hostname_, .input = "agent"});
    out.set_time(r.time);
    out.add_int(f.class_uid, 1007);
    out.add_int(f.category_uid, 1);
    out.add_int(f.activity_id, 1);
    out.add_int(f.type_uid, 100701);
    out.add_int(f.severity_id, 1);
    out.add_string(f.product_name, "Vigil Agent");
    out.add_string(f.vendor_name, "Vigil");
    out.add_string(f.log_name, "exec");
    if (!hostname_.empty()) out.add_string(f.device_hostname, hostname_);
    out.add_int(f.device_os_type_id, 200);  // Linux
    const ProcInfo& p = r.proc;
    out.add_int(f.pid, p.pid);
    if (!p.exe.empty()) {
      out.add_string(f.path, p.exe);
      out.add_string(f.file_name, basename_of(p.exe));
      out.add_string(f.name, basename_of(p.exe));
    } else if (!p.comm.empty()) {
      out.add_string(f.name, p.comm);
    }
    if (!p.args_json.empty()) out.add_string(f.cmd_line, p.cmd_line);
    if (p.cmd_line_truncated) out.add_bool(f.cmd_line_truncated, true);
    if (!p.cwd.empty()) out.add_string(f.cwd, p.cwd);
    if (!r.sha256.empty()) {
      out.add_int(f.hash_algorithm_id, 3);
      out.add_string(f.hash_algorithm, "SHA-256");
      out.add_string(f.hash_value, r.sha256);
    }
    if (!r.hash_note.empty()) out.add_string(f.hash_skipped, r.hash_note);
    if (p.euid >= 0) {
      out.add_string(f.user_uid, std::to_string(p.euid));
      if (!r.user_name.empty()) out.add_string(f.user_name, r.user_name);
    }
    if (p.ruid >= 0) {
      out.add_string(f.actor_user_uid, std::to_string(p.ruid));
      if (!r.actor_user_name.empty()) out.add_string(f.actor_user_name, r.actor_user_name);
    }
    if (p.rgid >= 0) out.add_int(f.gid, p.rgid);
    if (p.egid >= 0) out.add_int(f.egid, p.egid);
    if (p.ppid > 0) {
      out.add_int(f.parent_pid, p.ppid);
      out.add_int(f.actor_pid, p.ppid);
      const ProcInfo& q = r.parent;
      if (!q.exe.empty()) {
        out.add_string(f.parent_path, q.exe);
        out.add_string(f.parent_name, basename_of(q.exe));
        out.add_string(f.actor_path, q.exe);
      }
      if (!q.args_json.empty()) out.add_string(f.parent_cmd_line, q.cmd_line);
    }
    if (!p.error.empty()) out.add_string(f.read_error, p.error);
    out.end_event();
  }

  ExecCollectorOptions options_;
  std::string hostname_;
  int socket_ = -1;
  // Only the reader thread touches these two.
  UserNames users_;
  std::unordered_map<HashKey, std::string, HashKeyHash> hash_cache_;

  CollectorThread<ExecRecord> worker_;  // last: its destructor joins the thread first
};

}  // namespace

std::unique_ptr<Collector> make_exec_collector(const ExecCollectorOptions& options) {
  return std::make_unique<ExecCollector>(options);
}

}  // namespace vigil
