// Reading the machine's own descriptions (dpkg status, os-release, passwd, group) and
// writing the one inventory event. These files are the machine's, but a damaged one
// must still not crash the agent: every parser checks what it takes.
#include "agent/inventory_collector.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "agent/net_collector.h"
#include "core/time.h"

extern char** environ;

namespace vigil {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Calls fn(line) for each line of text (without its newline).
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    fn(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t p = s.find(sep);
    parts.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return parts;
    s.remove_prefix(p + 1);
  }
}

bool to_int(std::string_view s, int64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

std::vector<InstalledPackage> parse_dpkg_status(std::string_view text, size_t& bad) {
  std::vector<InstalledPackage> out;
  InstalledPackage cur;
  std::string status;
  bool any = false;
  auto finish = [&] {
    if (!any) return;
    if (cur.name.empty()) ++bad;
    else if (status == "install ok installed") out.push_back(cur);
    cur = InstalledPackage{.source = "dpkg"};
    status.clear();
    any = false;
  };
  cur.source = "dpkg";
  for_each_line(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      finish();
      return;
    }
    any = true;
    if (line[0] == ' ' || line[0] == '\t') return;  // a continuation (Description, Conffiles)
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view key = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (key == "Package") cur.name = value;
    else if (key == "Version") cur.version = value;
    else if (key == "Architecture") cur.arch = value;
    else if (key == "Status") status = value;
  });
  finish();
  return out;
}

OsRelease parse_os_release(std::string_view text) {
  OsRelease r;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq), raw = line.substr(eq + 1);
    std::string value;
    if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'') && raw.back() == raw.front()) {
      raw = raw.substr(1, raw.size() - 2);
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) ++i;  // shell-style escapes: \" \\ \$ \`
        value += raw[i];
      }
    } else {
      value = raw;
    }
    if (key == "NAME") r.name = value;
    else if (key == "VERSION_ID") r.version = value;
    else if (key == "PRETTY_NAME") r.pretty_name = value;
    else if (key == "ID") r.id = value;
  });
  return r;
}

std::vector<LocalUser> parse_passwd(std::string_view text, size_t& bad) {
  std::vector<LocalUser> out;
  for_each_line(text, [&](std::string_view line) {
    if (trim(line).empty() || line[0] == '#') return;
    auto f = split(line, ':');
    LocalUser u;
    if (f.size() != 7 || f[0].empty() || !to_int(f[2], u.uid) || !to_int(f[3], u.gid)) {
      ++bad;
      return;
    }
    u.name = f[0];
    u.home = f[5];
    u.shell = f[6];
    out.push_back(std::move(u));
  });
  return out;
}

std::vector<LocalGroup> parse_group(std::string_view text, size_t& bad) {
  std::vector<LocalGroup> out;
  for_each_line(text, [&](std::string_view line) {
    if (trim(line).empty() || line[0] == '#') return;
    auto f = split(line, ':');
    LocalGroup g;
    if (f.size() != 4 || f[0].empty() || !to_int(f[2], g.gid)) {
      ++bad;
      return;
    }
    g.name = f[0];
    if (!f[3].empty())
      for (std::string_view m : split(f[3], ',')) g.members.emplace_back(m);
    out.push_back(std::move(g));
  });
  return out;
}

namespace {

struct ListeningSocket {
  SocketEntry socket;
  SocketOwner owner;
};

struct Inventory {
  OsRelease os;
  std::string kernel_release, kernel_version, machine, hostname;
  std::vector<InstalledPackage> packages;
  std::vector<LocalUser> users;
  std::vector<LocalGroup> groups;
  std::vector<ListeningSocket> listening;
  std::vector<std::string> problems;
};

// `rpm -qa`, NAME \t VERSION-RELEASE \t ARCH a line; nothing when rpm is not installed.
void read_rpm(Inventory& inv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char rpm[] = "rpm", qa[] = "-qa", qf[] = "--qf", fmt[] = "%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\n";
  char* argv[] = {rpm, qa, qf, fmt, nullptr};
  pid_t pid;
  int rc = ::posix_spawnp(&pid, "rpm", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return;  // no rpm here
  }
  std::string text;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && text.size() < (64u << 20)) text.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) inv.problems.push_back("rpm -qa failed");
  for_each_line(text, [&](std::string_view line) {
    auto f = split(line, '\t');
    if (f.size() == 3 && !f[0].empty()) inv.packages.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2]), "rpm"});
  });
}

Inventory collect(const InventoryCollectorOptions& o) {
  Inventory inv;
  const std::string root = o.root.empty() || o.root.back() == '/' ? o.root : o.root + "/";
  std::string os = read_text(root + "etc/os-release");
  if (os.empty()) os = read_text(root + "usr/lib/os-release");
  inv.os = parse_os_release(os);
  utsname u{};
  if (::uname(&u) == 0) {
    inv.kernel_release = u.release;
    inv.kernel_version = u.version;
    inv.machine = u.machine;
    inv.hostname = u.nodename;
  }
  size_t bad = 0;
  inv.packages = parse_dpkg_status(read_text(root + "var/lib/dpkg/status"), bad);
  if (bad) inv.problems.push_back(std::to_string(bad) + " unreadable stanzas in var/lib/dpkg/status");
  if (o.rpm) read_rpm(inv);
  bad = 0;
  inv.users = parse_passwd(read_text(root + "etc/passwd"), bad);
  if (bad) inv.problems.push_back(std::to_string(bad) + " unreadable lines in etc/passwd");
  bad = 0;
  inv.groups = parse_group(read_text(root + "etc/group"), bad);
  if (bad) inv.problems.push_back(std::to_string(bad) + " unreadable lines in etc/group");
  if (o.listening) {
    std::vector<SocketEntry> sockets;
    bad = 0;
    read_proc_net_sockets(o.proc_root, sockets, bad);
    auto owners = map_socket_inodes(o.proc_root, 200'000);
    for (const SocketEntry& s : sockets) {
      const bool listens = s.tcp ? s.state == static_cast<int>(SocketState::kListen) : s.remote_port == 0 && s.state == 7;
      if (!listens) continue;
      ListeningSocket l{.socket = s};
      if (auto it = owners.find(s.inode); it != owners.end()) l.owner = describe_process(o.proc_root, it->second);
      inv.listening.push_back(std::move(l));
    }
  }
  return inv;
}

class InventoryCollector final : public Collector {
 public:
  explicit InventoryCollector(InventoryCollectorOptions options) : options_(std::move(options)) {}
  ~InventoryCollector() override { stop(); }

  std::string_view name() const override { return options_.name; }

  Status start(const CollectorContext& context) override {
    if (!(options_.interval_hours > 0)) return Status::error(options_.name + ": interval_hours must be more than 0");
    context_ = context;
    stats_.mode = "files";
    next_at_ = 0;  // at start
    return Status();
  }

  void poll(EventBatch& out) override {
    const TimeNs now = now_ns();
    if (!pending_.valid()) {
      if (now < next_at_) return;
      next_at_ = now + static_cast<TimeNs>(options_.interval_hours * 3600.0 * 1e9);
      pending_ = std::async(std::launch::async, [o = options_] { return collect(o); });
      return;
    }
    if (pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    Inventory inv = pending_.get();
    for (const std::string& p : inv.problems) {
      ++stats_.errors;
      stats_.last_error = p;
    }
    emit(inv, now, out);
  }

  void stop() override {
    if (pending_.valid()) pending_.wait();
  }

  CollectorStats stats() const override { return stats_; }

 private:
  void emit(const Inventory& inv, TimeNs now, EventBatch& out) {
    std::string packages = "[", users = "[", groups = "[", listening = "[";
    for (const InstalledPackage& p : inv.packages) {
      if (packages.size() > 1) packages += ',';
      packages += "{\"name\":";
      json_string(packages, p.name);
      packages += ",\"version\":";
      json_string(packages, p.version);
      packages += ",\"arch\":";
      json_string(packages, p.arch);
      packages += ",\"source\":";
      json_string(packages, p.source);
      packages += '}';
    }
    for (const LocalUser& u : inv.users) {
      if (users.size() > 1) users += ',';
      users += "{\"name\":";
      json_string(users, u.name);
      users += ",\"uid\":" + std::to_string(u.uid) + ",\"gid\":" + std::to_string(u.gid) + ",\"home\":";
      json_string(users, u.home);
      users += ",\"shell\":";
      json_string(users, u.shell);
      users += '}';
    }
    for (const LocalGroup& g : inv.groups) {
      if (groups.size() > 1) groups += ',';
      groups += "{\"name\":";
      json_string(groups, g.name);
      groups += ",\"gid\":" + std::to_string(g.gid) + ",\"members\":[";
      for (size_t i = 0; i < g.members.size(); ++i) {
        if (i) groups += ',';
        json_string(groups, g.members[i]);
      }
      groups += "]}";
    }
    for (const ListeningSocket& l : inv.listening) {
      if (listening.size() > 1) listening += ',';
      listening += std::string("{\"protocol\":\"") + (l.socket.tcp ? "tcp" : "udp") + "\",\"ip\":\"" +
                   l.socket.local_ip.to_string() + "\",\"port\":" + std::to_string(l.socket.local_port);
      if (l.owner.pid > 0) {
        listening += ",\"pid\":" + std::to_string(l.owner.pid) + ",\"process\":";
        json_string(listening, l.owner.name);
        listening += ",\"path\":";
        json_string(listening, l.owner.file_path);
      }
      listening += '}';
    }
    packages += ']';
    users += ']';
    groups += ']';
    listening += ']';

    const std::string& host = context_.hostname.empty() ? inv.hostname : context_.hostname;
    const std::string raw = "inventory " + host + ": " + (inv.os.pretty_name.empty() ? inv.os.name : inv.os.pretty_name) +
                            ", kernel " + inv.kernel_release + ", " + std::to_string(inv.packages.size()) + " packages, " +
                            std::to_string(inv.users.size()) + " users, " + std::to_string(inv.groups.size()) + " groups, " +
                            std::to_string(inv.listening.size()) + " listening sockets";
    out.begin_event(Provenance{.receive_time = now, .raw = raw, .source = "inventory", .input = "agent-inventory"});
    out.add_int(field_id("class_uid"), 5001);
    out.add_int(field_id("category_uid"), 5);
    out.add_int(field_id("activity_id"), 2);  // Collect
    out.add_int(field_id("type_uid"), 500102);
    out.add_int(field_id("severity_id"), 1);
    if (!host.empty()) out.add_string(field_id("device.hostname"), host);
    out.add_string(field_id("device.os.name"), inv.os.name.empty() ? "Linux" : inv.os.name);
    if (!inv.os.version.empty()) out.add_string(field_id("device.os.version"), inv.os.version);
    out.add_string(field_id("device.os.type"), "Linux");
    out.add_int(field_id("device.os.type_id"), 100);
    if (!inv.kernel_release.empty()) out.add_string(field_id("device.os.kernel_release"), inv.kernel_release);
    if (!inv.kernel_version.empty()) out.add_string(field_id("device.os.build"), inv.kernel_version);
    out.add_int(field_id("unmapped.inventory.package_count"), static_cast<int64_t>(inv.packages.size()));
    out.add_string(field_id("unmapped.inventory.packages"), packages);
    out.add_int(field_id("unmapped.inventory.user_count"), static_cast<int64_t>(inv.users.size()));
    out.add_string(field_id("unmapped.inventory.users"), users);
    out.add_int(field_id("unmapped.inventory.group_count"), static_cast<int64_t>(inv.groups.size()));
    out.add_string(field_id("unmapped.inventory.groups"), groups);
    out.add_int(field_id("unmapped.inventory.listening_count"), static_cast<int64_t>(inv.listening.size()));
    out.add_string(field_id("unmapped.inventory.listening"), listening);
    out.end_event();
    ++stats_.events;
  }

  InventoryCollectorOptions options_;
  CollectorContext context_;
  std::future<Inventory> pending_;
  TimeNs next_at_ = 0;
  CollectorStats stats_;
};

}  // namespace

std::unique_ptr<Collector> make_inventory_collector(InventoryCollectorOptions options) {
  return std::make_unique<InventoryCollector>(std::move(options));
}

}  // namespace vigil
