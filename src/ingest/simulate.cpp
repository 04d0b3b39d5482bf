// The demo estate behind simulate_syslog(). The message texts are the ones the real
// programs write (OpenSSH, sudo, util-linux su, shadow-utils, cron, systemd), so the
// demo exercises the same normalizer paths as production logs. Randomness comes from
// mt19937_64 (fully specified by the standard) reduced by hand: std distributions
// differ between standard libraries and the output must not.
#include "ingest/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>
#include <string_view>

namespace vigil {
namespace {

constexpr TimeNs kSec = kNsPerSec;
constexpr TimeNs kMin = 60 * kSec;
constexpr TimeNs kHour = 60 * kMin;

// OCSF classes the normalizer gives each kind of line.
constexpr int kBase = 0;
constexpr int kAuth = 3002;
constexpr int kAccount = 3001;
constexpr int kGroup = 3006;
constexpr int kProcess = 1007;

// Syslog PRI = facility * 8 + severity.
constexpr int kPriAuthInfo = 4 * 8 + 6;       // sshd
constexpr int kPriAuthprivNotice = 10 * 8 + 5;  // sudo, su
constexpr int kPriAuthprivInfo = 10 * 8 + 6;    // pam, useradd
constexpr int kPriCronInfo = 9 * 8 + 6;
constexpr int kPriDaemonInfo = 3 * 8 + 6;
constexpr int kPriKernWarning = 0 * 8 + 4;

struct User {
  std::string_view name;
  int uid;
  std::string_view ip;
  bool publickey;
};

constexpr std::array<User, 4> kUsers = {{
    {"alice", 1000, "10.0.1.21", false},
    {"bob", 1001, "10.0.1.34", false},
    {"carol", 1002, "10.0.2.15", true},
    {"deploy", 1003, "10.0.3.5", true},
}};

constexpr std::array<std::string_view, 8> kSudoCommands = {
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/apt-get update",
    "/usr/bin/cat /var/log/syslog",
    "/usr/bin/journalctl -u nginx --since today",
    "/usr/bin/tail -n 100 /var/log/nginx/error.log",
    "/usr/sbin/service postgresql status",
    "/usr/bin/docker ps",
    "/usr/bin/systemctl status app",
};

constexpr std::array<std::string_view, 12> kGuessedUsers = {
    "admin", "test", "oracle", "ubuntu", "postgres", "git", "user", "guest", "ftpuser", "pi", "support", "jenkins",
};

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : gen_() % n; }
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1))); }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

 private:
  std::mt19937_64 gen_;
};

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
  int64_t year;
  unsigned month, day;
  int64_t hh, mm, ss, ms;
};

Civil civil(TimeNs t) {
  int64_t secs = t / kSec;
  int64_t rem_ns = t % kSec;
  if (rem_ns < 0) {
    rem_ns += kSec;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  Civil c{};
  civil_from_days(days, c.year, c.month, c.day);
  c.hh = sod / 3600;
  c.mm = sod / 60 % 60;
  c.ss = sod % 60;
  c.ms = rem_ns / 1'000'000;
  return c;
}

struct Host {
  std::string name;
  bool rfc5424;
  int next_pid;
  int next_session;
};

class Writer {
 public:
  explicit Writer(std::vector<SimulatedLine>& out) : out_(out) {}

  void emit(Host& h, TimeNs t, int pri, std::string_view app, int pid, int class_uid, std::string_view msg) {
    Civil c = civil(t);
    std::string line;
    if (h.rfc5424) {
      line = fmt::format("<{}>1 {:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {} {} - - {}", pri, c.year, c.month,
                         c.day, c.hh, c.mm, c.ss, c.ms, h.name, app, pid > 0 ? fmt::to_string(pid) : "-", msg);
    } else {
      std::string tag = pid > 0 ? fmt::format("{}[{}]", app, pid) : std::string(app);
      line = fmt::format("<{}>{} {:>2} {:02}:{:02}:{:02} {} {}: {}", pri, kMonths[c.month - 1], c.day, c.hh, c.mm,
                         c.ss, h.name, tag, msg);
    }
    out_.push_back(SimulatedLine{t, std::move(line), class_uid});
  }

 private:
  std::vector<SimulatedLine>& out_;
};

// One interactive ssh session of `u` on `h` at `t`, with a few sudo commands.
void session(Rng& rng, Writer& w, Host& h, const User& u, TimeNs t, TimeNs end, bool typo) {
  int sshd = h.next_pid += static_cast<int>(rng.between(3, 40));
  int port = static_cast<int>(rng.between(40000, 60999));
  if (typo && !u.publickey) {
    w.emit(h, t, kPriAuthInfo, "sshd", sshd, kAuth,
           fmt::format("Failed password for {} from {} port {} ssh2", u.name, u.ip, port));
    t += rng.between(3, 9) * kSec;
  }
  if (u.publickey) {
    w.emit(h, t, kPriAuthInfo, "sshd", sshd, kAuth,
           fmt::format("Accepted publickey for {} from {} port {} ssh2: ED25519 SHA256:{:016x}", u.name, u.ip, port,
                       rng.below(UINT64_MAX)));
  } else {
    w.emit(h, t, kPriAuthInfo, "sshd", sshd, kAuth,
           fmt::format("Accepted password for {} from {} port {} ssh2", u.name, u.ip, port));
  }
  w.emit(h, t, kPriAuthprivInfo, "sshd", sshd, kAuth,
         fmt::format("pam_unix(sshd:session): session opened for user {}(uid={}) by (uid=0)", u.name, u.uid));
  int session_no = ++h.next_session;
  w.emit(h, t + 20 * 1'000'000, kPriAuthprivInfo, "systemd-logind", 512, kBase,
         fmt::format("New session {} of user {}.", session_no, u.name));
  int tty = static_cast<int>(rng.between(0, 3));
  TimeNs now = t + rng.between(20, 300) * kSec;
  int commands = static_cast<int>(rng.between(0, 3));
  for (int i = 0; i < commands && now < end; ++i) {
    std::string_view cmd = kSudoCommands[rng.below(kSudoCommands.size())];
    int sudo = h.next_pid += static_cast<int>(rng.between(3, 40));
    w.emit(h, now, kPriAuthprivNotice, "sudo", sudo, kProcess,
           fmt::format("{:>8} : TTY=pts/{} ; PWD=/home/{} ; USER=root ; COMMAND={}", u.name, tty, u.name, cmd));
    w.emit(h, now, kPriAuthprivInfo, "sudo", sudo, kAuth,
           fmt::format("pam_unix(sudo:session): session opened for user root(uid=0) by {}(uid={})", u.name, u.uid));
    now += rng.between(1, 30) * kSec;
    w.emit(h, now, kPriAuthprivInfo, "sudo", sudo, kAuth, "pam_unix(sudo:session): session closed for user root");
    now += rng.between(30, 600) * kSec;
  }
  if (rng.chance(10) && now < end) {
    int su = h.next_pid += static_cast<int>(rng.between(3, 40));
    w.emit(h, now, kPriAuthprivNotice, "su", su, kAuth, fmt::format("(to root) {} on pts/{}", u.name, tty));
    w.emit(h, now, kPriAuthprivInfo, "su", su, kAuth,
           fmt::format("pam_unix(su-l:session): session opened for user root(uid=0) by {}(uid={})", u.name, u.uid));
    now += rng.between(30, 300) * kSec;
    w.emit(h, now, kPriAuthprivInfo, "su", su, kAuth, "pam_unix(su-l:session): session closed for user root");
  }
  now += rng.between(10, 900) * kSec;
  if (now >= end) return;  // still logged in when the window closes
  w.emit(h, now, kPriAuthInfo, "sshd", sshd, kAuth,
         fmt::format("Received disconnect from {} port {}:11: disconnected by user", u.ip, port));
  w.emit(h, now, kPriAuthInfo, "sshd", sshd, kAuth,
         fmt::format("Disconnected from user {} {} port {}", u.name, u.ip, port));
  w.emit(h, now, kPriAuthprivInfo, "sshd", sshd, kAuth,
         fmt::format("pam_unix(sshd:session): session closed for user {}", u.name));
}

// Hourly cron, daily timers, firewall drops: the Base Event background.
void noise(Rng& rng, Writer& w, Host& h, TimeNs start, TimeNs end, bool internet_facing) {
  TimeNs first_hour = (start / kHour + 1) * kHour;
  for (TimeNs t = first_hour + 17 * kMin; t < end; t += kHour) {
    w.emit(h, t, kPriCronInfo, "CRON", h.next_pid += 7, kBase, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)");
    if (rng.chance(25)) {
      TimeNs s = t + rng.between(60, 1800) * kSec;
      if (s >= end) continue;
      w.emit(h, s, kPriDaemonInfo, "systemd", 1, kBase, "Starting Daily apt download activities...");
      w.emit(h, s + rng.between(5, 40) * kSec, kPriDaemonInfo, "systemd", 1, kBase,
             "apt-daily.service: Deactivated successfully.");
    }
  }
  if (!internet_facing) return;
  for (TimeNs t = start + rng.between(1, 20) * kMin; t < end; t += rng.between(5, 40) * kMin) {
    w.emit(h, t, kPriKernWarning, "kernel", 0, kBase,
           fmt::format("[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.{} "
                       "DST=10.0.0.10 LEN=44 TOS=0x00 PREC=0x00 TTL=243 ID=54321 PROTO=TCP SPT={} DPT={} WINDOW=1024 "
                       "RES=0x00 SYN URGP=0",
                       rng.between(1, 254), rng.between(1024, 65535), rng.chance(50) ? 23 : 3389));
  }
}

// bob creates a colleague's account the proper way, through sudo.
void admin_creates_user(Rng& rng, Writer& w, Host& h, TimeNs t) {
  const User& bob = kUsers[1];
  int sudo = h.next_pid += 11;
  w.emit(h, t, kPriAuthprivNotice, "sudo", sudo, kProcess,
         "     bob : TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/sbin/useradd -m -s /bin/bash erin");
  w.emit(h, t, kPriAuthprivInfo, "sudo", sudo, kAuth,
         fmt::format("pam_unix(sudo:session): session opened for user root(uid=0) by bob(uid={})", bob.uid));
  int useradd = h.next_pid += 2;
  w.emit(h, t + kSec / 10, kPriAuthprivInfo, "useradd", useradd, kGroup, "new group: name=erin, GID=1004");
  w.emit(h, t + kSec / 10, kPriAuthprivInfo, "useradd", useradd, kAccount,
         "new user: name=erin, UID=1004, GID=1004, home=/home/erin, shell=/bin/bash, from=/dev/pts/1");
  w.emit(h, t + kSec / 5, kPriAuthprivInfo, "sudo", sudo, kAuth, "pam_unix(sudo:session): session closed for user root");
  TimeNs p = t + rng.between(10, 40) * kSec;
  int sudo2 = h.next_pid += 5;
  w.emit(h, p, kPriAuthprivNotice, "sudo", sudo2, kProcess,
         "     bob : TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/passwd erin");
  w.emit(h, p + 8 * kSec, kPriAuthprivInfo, "passwd", h.next_pid += 2, kAccount,
         "pam_unix(passwd:chauthtok): password changed for erin");
}

// The story: brute force from the attacker, a hit on `deploy`, then persistence.
void attack(Rng& rng, Writer& w, Host& h, const SimulateOptions& o, TimeNs t) {
  std::string_view ip = o.attacker_ip;
  int attempts = std::max(1, o.brute_force_attempts);
  for (int i = 0; i < attempts; ++i) {
    int pid = h.next_pid += static_cast<int>(rng.between(1, 4));
    int port = static_cast<int>(rng.between(32768, 60999));
    // Most guesses are common service names; some are root; the last few are deploy.
    bool last_few = i >= attempts - 3;
    std::string_view name = last_few ? "deploy" : (rng.chance(30) ? "root" : kGuessedUsers[rng.below(kGuessedUsers.size())]);
    bool invalid = name != "root" && name != "deploy";
    if (invalid) {
      w.emit(h, t, kPriAuthInfo, "sshd", pid, kAuth, fmt::format("Invalid user {} from {} port {}", name, ip, port));
    }
    t += rng.between(1, 3) * kSec;
    w.emit(h, t, kPriAuthInfo, "sshd", pid, kAuth,
           fmt::format("Failed password for {}{} from {} port {} ssh2", invalid ? "invalid user " : "", name, ip, port));
    t += rng.between(1, 3) * kSec;
    w.emit(h, t, kPriAuthInfo, "sshd", pid, kAuth,
           fmt::format("Connection closed by {}{} {} port {} [preauth]", invalid ? "invalid user " : "authenticating user ",
                       name, ip, port));
    t += rng.between(1, 6) * kSec;
  }
  int pid = h.next_pid += 3;
  int port = static_cast<int>(rng.between(32768, 60999));
  w.emit(h, t, kPriAuthInfo, "sshd", pid, kAuth, fmt::format("Accepted password for deploy from {} port {} ssh2", ip, port));
  w.emit(h, t, kPriAuthprivInfo, "sshd", pid, kAuth,
         "pam_unix(sshd:session): session opened for user deploy(uid=1003) by (uid=0)");
  w.emit(h, t + kSec / 50, kPriAuthprivInfo, "systemd-logind", 512, kBase,
         fmt::format("New session {} of user deploy.", ++h.next_session));

  struct Step {
    TimeNs after;
    std::string_view command;
  };
  const std::array<Step, 4> steps = {{
      {45 * kSec, "/usr/bin/id"},
      {30 * kSec, "/usr/bin/cat /etc/shadow"},
      {70 * kSec, "/usr/sbin/useradd -m -s /bin/bash svc-backup"},
      {40 * kSec, "/usr/sbin/usermod -aG sudo svc-backup"},
  }};
  TimeNs now = t;
  for (const Step& s : steps) {
    now += s.after;
    int sudo = h.next_pid += 4;
    w.emit(h, now, kPriAuthprivNotice, "sudo", sudo, kProcess,
           fmt::format("  deploy : TTY=pts/2 ; PWD=/home/deploy ; USER=root ; COMMAND={}", s.command));
    w.emit(h, now, kPriAuthprivInfo, "sudo", sudo, kAuth,
           "pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1003)");
    TimeNs inner = now + kSec / 10;
    if (s.command.find("useradd") != std::string_view::npos) {
      int pid2 = h.next_pid += 1;
      w.emit(h, inner, kPriAuthprivInfo, "useradd", pid2, kGroup, "new group: name=svc-backup, GID=1005");
      w.emit(h, inner, kPriAuthprivInfo, "useradd", pid2, kAccount,
             "new user: name=svc-backup, UID=1005, GID=1005, home=/home/svc-backup, shell=/bin/bash, from=/dev/pts/2");
    } else if (s.command.find("usermod") != std::string_view::npos) {
      int pid2 = h.next_pid += 1;
      w.emit(h, inner, kPriAuthprivInfo, "usermod", pid2, kGroup, "add 'svc-backup' to group 'sudo'");
      w.emit(h, inner, kPriAuthprivInfo, "usermod", pid2, kBase, "add 'svc-backup' to shadow group 'sudo'");
    }
    w.emit(h, now + kSec / 5, kPriAuthprivInfo, "sudo", sudo, kAuth,
           "pam_unix(sudo:session): session closed for user root");
  }
  now += 25 * kSec;
  w.emit(h, now, kPriAuthInfo, "sshd", pid, kAuth,
         fmt::format("Received disconnect from {} port {}:11: disconnected by user", ip, port));
  w.emit(h, now, kPriAuthInfo, "sshd", pid, kAuth, fmt::format("Disconnected from user deploy {} port {}", ip, port));
  w.emit(h, now, kPriAuthprivInfo, "sshd", pid, kAuth, "pam_unix(sshd:session): session closed for user deploy");
}

}  // namespace

std::vector<SimulatedLine> simulate_syslog(const SimulateOptions& o) {
  std::vector<SimulatedLine> out;
  if (o.end <= o.start) return out;
  Rng rng(o.seed);
  Writer w(out);

  constexpr std::array<std::string_view, 4> kNames = {"web-01", "db-01", "app-01", "bastion-01"};
  int n = std::max(1, o.hosts);
  std::vector<Host> hosts;
  hosts.push_back(Host{"bastion-01", true, 1000 + static_cast<int>(rng.below(20000)), 0});
  for (int i = 1; i < n; ++i) {
    std::string name = i <= 3 ? std::string(kNames[i - 1]) : fmt::format("{}-{:02}", i % 2 ? "web" : "app", i / 2 + 1);
    hosts.push_back(Host{name, false, 1000 + static_cast<int>(rng.below(20000)), 0});
  }

  const TimeNs span = o.end - o.start;
  for (Host& h : hosts) {
    noise(rng, w, h, o.start, o.end, h.name.starts_with("web") || h.name == "bastion-01");
    int sessions = std::max(1, static_cast<int>(o.sessions_per_host_hour * static_cast<double>(span) / kHour));
    for (int i = 0; i < sessions; ++i) {
      const User& u = kUsers[rng.below(kUsers.size())];
      TimeNs t = o.start + static_cast<TimeNs>(rng.below(static_cast<uint64_t>(span)));
      session(rng, w, h, u, t, o.end, rng.chance(8));
    }
  }
  Host& admin_host = hosts.size() > 1 ? hosts[std::min<size_t>(3, hosts.size() - 1)] : hosts[0];
  admin_creates_user(rng, w, admin_host, o.start + span / 4);
  attack(rng, w, hosts[0], o, o.start + span * 6 / 10);

  // Lines past the window (an attack squeezed into a short one) are dropped, not clamped.
  std::erase_if(out, [&](const SimulatedLine& l) { return l.time < o.start || l.time >= o.end; });
  std::stable_sort(out.begin(), out.end(), [](const SimulatedLine& a, const SimulatedLine& b) { return a.time < b.time; });
  return out;
}

}  // namespace vigil
