// auditd records -> OCSF events: grouping records by audit(time:serial) and mapping
// each whole event onto one OCSF class (see audit_event.h for the classes and fields).
#include "normalize/audit_event.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>

#include "core/ip_address.h"
#include "normalize/digits.h"
#include "parse/audit_record.h"

namespace vigil {
namespace {

using sv = std::string_view;

// Syscall names by number, from the kernel's unistd headers (x86_64 and the generic
// table aarch64 uses); "" where a number is unused.
constexpr std::string_view kSyscallsX86_64[451] = {
    "read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "mprotect",
    "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "pread64",
    "pwrite64", "readv", "writev", "access", "pipe", "select", "sched_yield", "mremap", "msync",
    "mincore", "madvise", "shmget", "shmat", "shmctl", "dup", "dup2", "pause", "nanosleep",
    "getitimer", "alarm", "setitimer", "getpid", "sendfile", "socket", "connect", "accept",
    "sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind", "listen", "getsockname",
    "getpeername", "socketpair", "setsockopt", "getsockopt", "clone", "fork", "vfork", "execve",
    "exit", "wait4", "kill", "uname", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd",
    "msgrcv", "msgctl", "fcntl", "flock", "fsync", "fdatasync", "truncate", "ftruncate", "getdents",
    "getcwd", "chdir", "fchdir", "rename", "mkdir", "rmdir", "creat", "link", "unlink", "symlink",
    "readlink", "chmod", "fchmod", "chown", "fchown", "lchown", "umask", "gettimeofday",
    "getrlimit", "getrusage", "sysinfo", "times", "ptrace", "getuid", "syslog", "getgid", "setuid",
    "setgid", "geteuid", "getegid", "setpgid", "getppid", "getpgrp", "setsid", "setreuid",
    "setregid", "getgroups", "setgroups", "setresuid", "getresuid", "setresgid", "getresgid",
    "getpgid", "setfsuid", "setfsgid", "getsid", "capget", "capset", "rt_sigpending",
    "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack", "utime", "mknod",
    "uselib", "personality", "ustat", "statfs", "fstatfs", "sysfs", "getpriority", "setpriority",
    "sched_setparam", "sched_getparam", "sched_setscheduler", "sched_getscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "mlock", "munlock",
    "mlockall", "munlockall", "vhangup", "modify_ldt", "pivot_root", "_sysctl", "prctl",
    "arch_prctl", "adjtimex", "setrlimit", "chroot", "sync", "acct", "settimeofday", "mount",
    "umount2", "swapon", "swapoff", "reboot", "sethostname", "setdomainname", "iopl", "ioperm",
    "create_module", "init_module", "delete_module", "get_kernel_syms", "query_module", "quotactl",
    "nfsservctl", "getpmsg", "putpmsg", "afs_syscall", "tuxcall", "security", "gettid", "readahead",
    "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
    "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "tkill", "time",
    "futex", "sched_setaffinity", "sched_getaffinity", "set_thread_area", "io_setup", "io_destroy",
    "io_getevents", "io_submit", "io_cancel", "get_thread_area", "lookup_dcookie", "epoll_create",
    "epoll_ctl_old", "epoll_wait_old", "remap_file_pages", "getdents64", "set_tid_address",
    "restart_syscall", "semtimedop", "fadvise64", "timer_create", "timer_settime", "timer_gettime",
    "timer_getoverrun", "timer_delete", "clock_settime", "clock_gettime", "clock_getres",
    "clock_nanosleep", "exit_group", "epoll_wait", "epoll_ctl", "tgkill", "utimes", "vserver",
    "mbind", "set_mempolicy", "get_mempolicy", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid", "add_key",
    "request_key", "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch",
    "inotify_rm_watch", "migrate_pages", "openat", "mkdirat", "mknodat", "fchownat", "futimesat",
    "newfstatat", "unlinkat", "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat",
    "faccessat", "pselect6", "ppoll", "unshare", "set_robust_list", "get_robust_list", "splice",
    "tee", "sync_file_range", "vmsplice", "move_pages", "utimensat", "epoll_pwait", "signalfd",
    "timerfd_create", "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime", "accept4",
    "signalfd4", "eventfd2", "epoll_create1", "dup3", "pipe2", "inotify_init1", "preadv", "pwritev",
    "rt_tgsigqueueinfo", "perf_event_open", "recvmmsg", "fanotify_init", "fanotify_mark",
    "prlimit64", "name_to_handle_at", "open_by_handle_at", "clock_adjtime", "syncfs", "sendmmsg",
    "setns", "getcpu", "process_vm_readv", "process_vm_writev", "kcmp", "finit_module",
    "sched_setattr", "sched_getattr", "renameat2", "seccomp", "getrandom", "memfd_create",
    "kexec_file_load", "bpf", "execveat", "userfaultfd", "membarrier", "mlock2", "copy_file_range",
    "preadv2", "pwritev2", "pkey_mprotect", "pkey_alloc", "pkey_free", "statx", "io_pgetevents",
    "rseq", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "pidfd_send_signal",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "pidfd_open", "clone3", "close_range", "openat2",
    "pidfd_getfd", "faccessat2", "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
    "process_mrelease", "futex_waitv", "set_mempolicy_home_node",
};
constexpr std::string_view kSyscallsAarch64[451] = {
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "setxattr", "lsetxattr",
    "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
    "removexattr", "lremovexattr", "fremovexattr", "getcwd", "lookup_dcookie", "eventfd2",
    "epoll_create1", "epoll_ctl", "epoll_pwait", "dup", "dup3", "fcntl", "inotify_init1",
    "inotify_add_watch", "inotify_rm_watch", "ioctl", "ioprio_set", "ioprio_get", "flock",
    "mknodat", "mkdirat", "unlinkat", "symlinkat", "linkat", "renameat", "umount2", "mount",
    "pivot_root", "nfsservctl", "statfs", "fstatfs", "truncate", "ftruncate", "fallocate",
    "faccessat", "chdir", "fchdir", "chroot", "fchmod", "fchmodat", "fchownat", "fchown", "openat",
    "close", "vhangup", "pipe2", "quotactl", "getdents64", "lseek", "read", "write", "readv",
    "writev", "pread64", "pwrite64", "preadv", "pwritev", "sendfile", "pselect6", "ppoll",
    "signalfd4", "vmsplice", "splice", "tee", "readlinkat", "fstatat", "fstat", "sync", "fsync",
    "fdatasync", "sync_file_range", "timerfd_create", "timerfd_settime", "timerfd_gettime",
    "utimensat", "acct", "capget", "capset", "personality", "exit", "exit_group", "waitid",
    "set_tid_address", "unshare", "futex", "set_robust_list", "get_robust_list", "nanosleep",
    "getitimer", "setitimer", "kexec_load", "init_module", "delete_module", "timer_create",
    "timer_gettime", "timer_getoverrun", "timer_settime", "timer_delete", "clock_settime",
    "clock_gettime", "clock_getres", "clock_nanosleep", "syslog", "ptrace", "sched_setparam",
    "sched_setscheduler", "sched_getscheduler", "sched_getparam", "sched_setaffinity",
    "sched_getaffinity", "sched_yield", "sched_get_priority_max", "sched_get_priority_min",
    "sched_rr_get_interval", "restart_syscall", "kill", "tkill", "tgkill", "sigaltstack",
    "rt_sigsuspend", "rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigtimedwait",
    "rt_sigqueueinfo", "rt_sigreturn", "setpriority", "getpriority", "reboot", "setregid", "setgid",
    "setreuid", "setuid", "setresuid", "getresuid", "setresgid", "getresgid", "setfsuid",
    "setfsgid", "times", "setpgid", "getpgid", "getsid", "setsid", "getgroups", "setgroups",
    "uname", "sethostname", "setdomainname", "getrlimit", "setrlimit", "getrusage", "umask",
    "prctl", "getcpu", "gettimeofday", "settimeofday", "adjtimex", "getpid", "getppid", "getuid",
    "geteuid", "getgid", "getegid", "gettid", "sysinfo", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr", "msgget", "msgctl", "msgrcv", "msgsnd",
    "semget", "semctl", "semtimedop", "semop", "shmget", "shmctl", "shmat", "shmdt", "socket",
    "socketpair", "bind", "listen", "accept", "connect", "getsockname", "getpeername", "sendto",
    "recvfrom", "setsockopt", "getsockopt", "shutdown", "sendmsg", "recvmsg", "readahead", "brk",
    "munmap", "mremap", "add_key", "request_key", "keyctl", "clone", "execve", "mmap", "fadvise64",
    "swapon", "swapoff", "mprotect", "msync", "mlock", "munlock", "mlockall", "munlockall",
    "mincore", "madvise", "remap_file_pages", "mbind", "get_mempolicy", "set_mempolicy",
    "migrate_pages", "move_pages", "rt_tgsigqueueinfo", "perf_event_open", "accept4", "recvmmsg",
    "arch_specific_syscall", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "wait4",
    "prlimit64", "fanotify_init", "fanotify_mark", "", "", "clock_adjtime", "syncfs", "setns",
    "sendmmsg", "process_vm_readv", "process_vm_writev", "kcmp", "finit_module", "sched_setattr",
    "sched_getattr", "renameat2", "seccomp", "getrandom", "memfd_create", "bpf", "execveat",
    "userfaultfd", "membarrier", "mlock2", "copy_file_range", "preadv2", "pwritev2",
    "pkey_mprotect", "pkey_alloc", "pkey_free", "statx", "io_pgetevents", "rseq", "kexec_file_load",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "clock_gettime64", "clock_settime64",
    "clock_adjtime64", "clock_getres_time64", "clock_nanosleep_time64", "timer_gettime64",
    "timer_settime64", "timerfd_gettime64", "timerfd_settime64", "utimensat_time64",
    "pselect6_time64", "ppoll_time64", "", "io_pgetevents_time64", "recvmmsg_time64",
    "mq_timedsend_time64", "mq_timedreceive_time64", "semtimedop_time64", "rt_sigtimedwait_time64",
    "futex_time64", "sched_rr_get_interval_time64", "pidfd_send_signal", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig",
    "fsmount", "fspick", "pidfd_open", "clone3", "close_range", "openat2", "pidfd_getfd",
    "faccessat2", "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
    "process_mrelease", "futex_waitv", "set_mempolicy_home_node",
};

sv syscall_name(sv arch, sv number) {
  if (!all_digits(number)) return {};
  int64_t n = to_int(number);
  if (arch == "c000003e" && n < static_cast<int64_t>(std::size(kSyscallsX86_64))) return kSyscallsX86_64[n];
  if (arch == "c00000b7" && n < static_cast<int64_t>(std::size(kSyscallsAarch64))) return kSyscallsAarch64[n];
  return {};
}

bool one_of(sv s, std::initializer_list<sv> list) {
  for (sv x : list)
    if (s == x) return true;
  return false;
}

// Records that are whole events by themselves: user-space messages (auditd, PAM, shadow
// utilities, systemd) and the kernel ring's numbers for them (1100-1299, 2100-2999).
bool always_alone(sv type) {
  static constexpr sv kPrefixes[] = {"USER_", "DAEMON_", "CRED_", "CRYPTO_", "ACCT_", "GRP_",
                                     "ROLE_", "SERVICE_", "SYSTEM_", "VIRT_", "ANOM_LOGIN_",
                                     "RESP_", "LABEL_", "AUOMS_"};
  for (sv p : kPrefixes)
    if (type.starts_with(p)) return true;
  if (one_of(type, {"ADD_USER", "DEL_USER", "ADD_GROUP", "DEL_GROUP", "CHGRP_ID", "CHUSER_ID",
                    "USYS_CONFIG", "TRUSTED_APP", "TEST", "ANOM_ADD_ACCT", "ANOM_DEL_ACCT",
                    "ANOM_MOD_ACCT", "ANOM_ROOT_TRANS", "ANOM_EXEC", "ANOM_MK_EXEC",
                    "ANOM_ACCESS_FS", "ANOM_AMTU_FAIL", "ANOM_MAX_DAC", "ANOM_MAX_MAC",
                    "ANOM_RBAC_FAIL", "ANOM_RBAC_INTEGRITY_FAIL", "ANOM_CRYPTO_FAIL"}))
    return true;
  // Numeric (kernel ring) or UNKNOWN[n] types: by the number's range.
  sv digits = type;
  if (digits.starts_with("UNKNOWN[") && digits.ends_with("]")) digits = digits.substr(8, digits.size() - 9);
  if (all_digits(digits)) {
    int64_t n = to_int(digits);
    return (n >= 1100 && n < 1300) || (n >= 2100 && n < 3000);
  }
  return false;
}

struct ProcessIds {
  FieldId pid, parent_pid, path, name, cwd, cmd_line, user_uid, user_name, tty;
  explicit ProcessIds(const std::string& p)
      : pid(field_id(p + "pid")),
        parent_pid(field_id(p + "parent_process.pid")),
        path(field_id(p + "file.path")),
        name(field_id(p + "name")),
        cwd(field_id(p + "working_directory")),
        cmd_line(field_id(p + "cmd_line")),
        user_uid(field_id(p + "user.uid")),
        user_name(field_id(p + "user.name")),
        tty(field_id(p + "tty")) {}
};

struct Ids {
  FieldId time = field_id("time");
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId severity_id = field_id("severity_id");
  FieldId status_id = field_id("status_id");
  FieldId product_name = field_id("metadata.product.name");
  FieldId vendor_name = field_id("metadata.product.vendor_name");
  FieldId log_provider = field_id("metadata.log_provider");
  FieldId log_name = field_id("metadata.log_name");
  FieldId metadata_uid = field_id("metadata.uid");
  FieldId device_hostname = field_id("device.hostname");
  FieldId record_types = field_id("unmapped.auditd.record_types");
  FieldId syscall_name = field_id("unmapped.auditd.syscall_name");
  ProcessIds process{"process."};
  ProcessIds actor_process{"actor.process."};
  FieldId actor_user_uid = field_id("actor.user.uid");
  FieldId actor_user_name = field_id("actor.user.name");
  FieldId actor_session_uid = field_id("actor.session.uid");
  FieldId actor_session_terminal = field_id("actor.session.terminal");
  FieldId file_path = field_id("file.path");
  FieldId file_name = field_id("file.name");
  FieldId file_type = field_id("file.type");
  FieldId file_type_id = field_id("file.type_id");
  FieldId file_owner_uid = field_id("file.owner.uid");
  FieldId file_owner_name = field_id("file.owner.name");
  FieldId file_result_path = field_id("file_result.path");
  FieldId file_result_name = field_id("file_result.name");
  FieldId src_ip = field_id("src_endpoint.ip");
  FieldId src_port = field_id("src_endpoint.port");
  FieldId src_hostname = field_id("src_endpoint.hostname");
  FieldId dst_ip = field_id("dst_endpoint.ip");
  FieldId dst_port = field_id("dst_endpoint.port");
  FieldId user_name = field_id("user.name");
  FieldId user_uid = field_id("user.uid");
  FieldId auth_protocol = field_id("auth_protocol");
};

// Interned once: field_id() takes the dictionary lock.
const Ids& ids() {
  static const Ids kIds;
  return kIds;
}

// Values auditd writes for "no such thing".
bool absent(sv v) { return v.empty() || v == "?" || v == "(none)" || v == "(null)"; }
// 4294967295 (-1 as u32) is an unset login uid or session.
bool unset_id(sv v) { return absent(v) || v == "4294967295" || v == "-1" || v == "unset"; }

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(sv s) const { return std::hash<sv>{}(s); }
};

// Unmapped field names come from untrusted records; past these the fields stay in raw.
constexpr size_t kMaxDictionaryForUnmapped = 100'000;
constexpr size_t kMaxUnmappedKeyBytes = 64;
constexpr size_t kMaxCachedKeys = 8192;

bool unmapped_key_ok(sv k) {
  if (k.empty() || k.size() > kMaxUnmappedKeyBytes) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '[' || c == ']'))
      return false;
  return true;
}

// EXECVE argument keys: a0, a12, a1[0] (the pieces of a long argument).
bool execve_arg_key(sv k, bool& continues) {
  continues = false;
  if (k.size() < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9') return false;
  size_t i = 1;
  while (i < k.size() && k[i] >= '0' && k[i] <= '9') ++i;
  if (i == k.size()) return true;
  if (k[i] != '[' || k.back() != ']') return false;
  continues = k.substr(i + 1, k.size() - i - 2) != "0";
  return true;
}

}  // namespace

struct AuditAssembler::State {
  struct Open {
    bool active = false;
    uint64_t arrival = 0;
    TimeNs time = 0;
    uint64_t serial = 0;
    std::string node;
    std::string text;  // record texts joined by '\n'
    size_t records = 0;
    TimeNs receive_time = 0;
    std::string source, input, tenant;
  };
  std::vector<Open> slots;
  uint64_t arrivals = 0;
  std::vector<AuditRecord> records;  // parse of the event being emitted, reused
  std::unordered_map<std::string, FieldId, TransparentHash, std::equal_to<>> unmapped_ids;
  std::vector<uint32_t> seen_stamp;  // by FieldId: the event that last wrote it
  uint32_t stamp = 0;

  void emit(Open& e, EventBatch& out);
  void map(size_t n, EventBatch& out);
  FieldId unmapped_id(sv key);
  bool first_write(FieldId id);
};

namespace {

// The mapping of one event's records (State::records[0, n)).
struct EventMapper {
  const std::vector<AuditRecord>& recs;
  size_t n;
  EventBatch& out;
  const Ids& f = ids();

  const AuditRecord* syscall = nullptr;
  const AuditRecord* cwd = nullptr;
  const AuditRecord* sockaddr = nullptr;
  const AuditRecord* proctitle = nullptr;
  bool has_execve = false;
  // Keys the class mapped: left out of unmapped.auditd.*.
  sv mapped[48];
  size_t mapped_count = 0;
  bool args_mapped = false;  // EXECVE a0..aN went into cmd_line

  // First value of `key` in any record, in arrival order.
  sv get(sv key) const {
    for (size_t i = 0; i < n; ++i)
      if (sv v = audit_field(recs[i], key); !v.empty()) return v;
    return {};
  }
  void consume(sv key) {
    if (mapped_count < std::size(mapped)) mapped[mapped_count++] = key;
  }
  bool is_mapped(sv key) const {
    for (size_t i = 0; i < mapped_count; ++i)
      if (mapped[i] == key) return true;
    return false;
  }
  // Adds a string that is a slice of the event's raw or of the batch arena.
  void str(FieldId id, sv v) {
    if (!v.empty()) out.add_string_ref(id, v);
  }
  void str_of(FieldId id, sv key) {
    sv v = get(key);
    if (!absent(v)) str(id, v);
    consume(key);
  }
  void int_of(FieldId id, sv key) {
    sv v = get(key);
    if (all_digits(v)) out.add_int(id, to_int(v));
    consume(key);
  }

  sv cmd_line() {
    // EXECVE a0..aN (a long argument comes in pieces aN[0], aN[1], ...).
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      if (recs[i].type != "EXECVE") continue;
      for (const TextPair& p : recs[i].fields) {
        bool cont;
        if (execve_arg_key(p.key, cont)) total += p.value.size() + 1;
      }
    }
    if (total > 0) {
      char* buf = out.arena().allocate(total);
      size_t w = 0;
      for (size_t i = 0; i < n; ++i) {
        if (recs[i].type != "EXECVE") continue;
        for (const TextPair& p : recs[i].fields) {
          bool cont;
          if (!execve_arg_key(p.key, cont)) continue;
          if (w > 0 && !cont) buf[w++] = ' ';
          std::memcpy(buf + w, p.value.data(), p.value.size());
          w += p.value.size();
        }
      }
      args_mapped = true;
      return sv(buf, w);
    }
    if (proctitle) {
      consume("proctitle");
      return audit_field(*proctitle, "proctitle");
    }
    return {};
  }

  void process(const ProcessIds& p) {
    int_of(p.pid, "pid");
    int_of(p.parent_pid, "ppid");
    str_of(p.path, "exe");
    str_of(p.name, "comm");
    if (cwd) {
      str(p.cwd, audit_field(*cwd, "cwd"));
      consume("cwd");
    }
    str(p.cmd_line, cmd_line());
    str_of(p.user_uid, "uid");
    str_of(p.user_name, "UID");
    str_of(p.tty, "tty");
  }

  void actor_user() {
    if (sv v = get("auid"); !unset_id(v)) str(f.actor_user_uid, v);
    if (sv v = get("AUID"); !unset_id(v)) str(f.actor_user_name, v);
    if (sv v = get("ses"); !unset_id(v)) str(f.actor_session_uid, v);
    consume("auid");
    consume("AUID");
    consume("ses");
  }

  // PATH name against the CWD when relative; a copy in the arena.
  sv resolve(sv name) {
    if (name.empty() || name[0] == '/' || !cwd) return name;
    sv dir = audit_field(*cwd, "cwd");
    if (dir.empty()) return name;
    if (name.starts_with("./")) name.remove_prefix(2);
    bool slash = dir.back() == '/';
    size_t len = dir.size() + (slash ? 0 : 1) + name.size();
    char* buf = out.arena().allocate(len);
    std::memcpy(buf, dir.data(), dir.size());
    size_t w = dir.size();
    if (!slash) buf[w++] = '/';
    std::memcpy(buf + w, name.data(), name.size());
    return sv(buf, len);
  }

  static sv base_name(sv path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    size_t s = path.rfind('/');
    return s == sv::npos ? path : path.substr(s + 1);
  }

  void file_fields(const AuditRecord& path, FieldId path_id, FieldId name_id, bool full) {
    sv name = audit_field(path, "name");
    if (!absent(name)) {
      sv resolved = resolve(name);
      str(path_id, resolved);
      str(name_id, base_name(resolved));
    }
    if (!full) return;
    sv mode = audit_field(path, "mode");
    if (!mode.empty() && mode.size() <= 8 && mode.find_first_not_of("01234567") == sv::npos) {
      int64_t m = 0;
      for (char c : mode) m = m * 8 + (c - '0');
      int type_id = 99;
      sv type = "Other";
      switch (m & 0170000) {
        case 0100000: type_id = 1; type = "Regular File"; break;
        case 0040000: type_id = 2; type = "Folder"; break;
        case 0020000: type_id = 3; type = "Character Device"; break;
        case 0060000: type_id = 4; type = "Block Device"; break;
        case 0140000: type_id = 5; type = "Local Socket"; break;
        case 0010000: type_id = 6; type = "Named Pipe"; break;
        case 0120000: type_id = 7; type = "Symbolic Link"; break;
      }
      out.add_int(f.file_type_id, type_id);
      str(f.file_type, type);
    }
    if (sv v = audit_field(path, "ouid"); !absent(v)) str(f.file_owner_uid, v);
    if (sv v = audit_field(path, "OUID"); !absent(v)) str(f.file_owner_name, v);
  }

  // The PATH record whose nametype/objtype is `kind`, or null.
  const AuditRecord* path_of_kind(sv kind) const {
    for (size_t i = 0; i < n; ++i) {
      if (recs[i].type != "PATH") continue;
      sv t = audit_field(recs[i], "nametype");
      if (t.empty()) t = audit_field(recs[i], "objtype");
      if (t == kind) return &recs[i];
    }
    return nullptr;
  }
  const AuditRecord* main_path() const {
    const AuditRecord* first = nullptr;
    for (size_t i = 0; i < n; ++i) {
      if (recs[i].type != "PATH") continue;
      if (!first) first = &recs[i];
      sv t = audit_field(recs[i], "nametype");
      if (t.empty()) t = audit_field(recs[i], "objtype");
      if (t != "PARENT") return &recs[i];
    }
    return first;
  }

  // File System Activity id for a file syscall, or 0 when `name` is not one.
  int file_activity(sv name) const {
    if (one_of(name, {"creat", "mkdir", "mkdirat", "link", "linkat", "symlink", "symlinkat", "mknod",
                      "mknodat"}))
      return 1;
    if (one_of(name, {"unlink", "unlinkat", "rmdir"})) return 4;
    if (one_of(name, {"rename", "renameat", "renameat2"})) return 5;
    if (one_of(name, {"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
                      "fchownat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
                      "fremovexattr", "utime", "utimes", "utimensat", "futimesat"}))
      return 6;
    if (one_of(name, {"truncate", "ftruncate"})) return 3;
    if (one_of(name, {"open", "openat", "openat2", "open_by_handle_at"})) {
      if (path_of_kind("CREATE")) return 1;
      // Flags: a1 of open, a2 of openat (hex). O_WRONLY|O_RDWR|O_TRUNC mean an update.
      sv flags = audit_field(*syscall, name == "open" ? "a1" : "a2");
      uint64_t v = 0;
      if (flags.size() > 16) return 2;
      for (char c : flags) {
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) return 2;
        v = v * 16 + static_cast<uint64_t>(d);
      }
      return (v & (0x1 | 0x2 | 0x200)) ? 3 : 2;
    }
    if (one_of(name, {"mount", "umount", "umount2", "chdir", "fchdir", "chroot", "access",
                      "faccessat", "faccessat2", "stat", "lstat", "newfstatat", "statx", "readlink",
                      "readlinkat"}))
      return 99;
    return 0;
  }

  int status_id() const {
    sv s = syscall ? audit_field(*syscall, "success") : sv{};
    if (s == "yes") return 1;
    if (s == "no") return 2;
    sv r = get("res");
    if (one_of(r, {"success", "1", "yes"})) return 1;
    if (one_of(r, {"failed", "fail", "failure", "0", "no"})) return 2;
    return 0;
  }

  void classify_and_map();
  void common(int class_uid, int activity_id, int severity, int status);
};

void EventMapper::common(int class_uid, int activity_id, int severity, int status) {
  int category = class_uid / 1000;
  out.add_int(f.class_uid, class_uid);
  out.add_int(f.category_uid, category);
  out.add_int(f.activity_id, activity_id);
  out.add_int(f.type_uid, static_cast<int64_t>(class_uid) * 100 + activity_id);
  out.add_int(f.severity_id, severity);
  out.add_int(f.status_id, status);
}

void EventMapper::classify_and_map() {
  for (size_t i = 0; i < n; ++i) {
    const AuditRecord& r = recs[i];
    if (r.type == "SYSCALL" && !syscall) syscall = &r;
    else if (r.type == "CWD" && !cwd) cwd = &r;
    else if (r.type == "SOCKADDR" && !sockaddr) sockaddr = &r;
    else if (r.type == "PROCTITLE" && !proctitle) proctitle = &r;
    else if (r.type == "EXECVE") has_execve = true;
  }
  const int status = status_id();
  sv type = syscall ? sv("SYSCALL") : recs[0].type;

  if (syscall) {
    sv name = audit_field(*syscall, "SYSCALL");  // enriched format names it
    if (name.empty()) {
      name = syscall_name(audit_field(*syscall, "arch"), audit_field(*syscall, "syscall"));
      if (!name.empty()) str(f.syscall_name, name);
    }
    if (one_of(name, {"execve", "execveat"}) || (name.empty() && has_execve)) {
      common(1007, 1, 1, status);
      process(f.process);
      actor_user();
      return;
    }
    int file_activity_id = file_activity(name);
    if (file_activity_id != 0 && main_path()) {
      common(1001, file_activity_id, 1, status);
      const AuditRecord* path = main_path();
      if (file_activity_id == 1) {
        if (const AuditRecord* c = path_of_kind("CREATE")) path = c;
      } else if (file_activity_id == 4 || file_activity_id == 5) {
        if (const AuditRecord* d = path_of_kind("DELETE")) path = d;
      }
      file_fields(*path, f.file_path, f.file_name, true);
      if (file_activity_id == 5)
        if (const AuditRecord* c = path_of_kind("CREATE")) file_fields(*c, f.file_result_path, f.file_result_name, false);
      consume("name");
      consume("mode");
      consume("ouid");
      consume("OUID");
      process(f.actor_process);
      actor_user();
      return;
    }
    AuditSockaddr sa;
    if (sockaddr && one_of(name, {"connect", "accept", "accept4", "bind", "listen", "sendto", "sendmsg",
                                  "recvfrom", "recvmsg"}) &&
        decode_audit_sockaddr(audit_field(*sockaddr, "saddr"), out.arena(), sa) && sa.ip) {
      int activity = one_of(name, {"connect", "accept", "accept4"}) ? 1 : name == "bind" ? 99 : name == "listen" ? 7 : 6;
      common(4001, activity, 1, status);
      // The address is the peer for connect/send (destination) and accept/recv (source),
      // and the local end for bind.
      bool peer_is_destination = one_of(name, {"connect", "sendto", "sendmsg"});
      out.add_ip(peer_is_destination ? f.dst_ip : f.src_ip, *sa.ip);
      if (sa.port >= 0) out.add_int(peer_is_destination ? f.dst_port : f.src_port, sa.port);
      consume("saddr");
      process(f.actor_process);
      actor_user();
      return;
    }
    common(0, 99, 1, status);
    return;
  }

  bool logoff = one_of(type, {"USER_END", "USER_LOGOUT", "CRED_DISP"});
  if (logoff || one_of(type, {"USER_LOGIN", "USER_AUTH", "USER_ACCT", "USER_START", "CRED_ACQ",
                              "CRED_REFR", "USER_ERR"})) {
    common(3002, logoff ? 2 : 1, status == 2 ? 2 : 1, status);
    sv acct = get("acct");
    if (!absent(acct)) str(f.user_name, acct);
    else if (sv id = get("id"); !absent(id)) str(f.user_uid, id);
    consume("acct");
    consume("id");
    if (sv addr = get("addr"); !absent(addr)) {
      if (auto ip = IpAddress::parse(addr)) out.add_ip(f.src_ip, *ip);
      consume("addr");
    }
    str_of(f.src_hostname, "hostname");
    sv op = get("op");
    str(f.auth_protocol, !absent(op) ? op : get("exe"));
    str_of(f.actor_session_terminal, "terminal");
    int_of(f.actor_process.pid, "pid");
    str_of(f.actor_process.path, "exe");
    str_of(f.actor_process.user_uid, "uid");
    actor_user();
    return;
  }

  int account_activity = type == "ADD_USER" || type == "ADD_GROUP"   ? 1
                         : type == "DEL_USER" || type == "DEL_GROUP" ? 6
                         : type == "USER_CHAUTHTOK"                  ? 3
                         : type == "ACCT_LOCK"                       ? 9
                         : type == "ACCT_UNLOCK"                     ? 12
                         : type == "USER_MGMT" || type == "GRP_MGMT" ? 99
                                                                     : 0;
  if (account_activity != 0) {
    common(3001, account_activity, 2, status);
    sv acct = get("acct");
    if (!absent(acct)) str(f.user_name, acct);
    if (sv id = get("id"); !absent(id)) str(f.user_uid, id);
    consume("acct");
    consume("id");
    int_of(f.actor_process.pid, "pid");
    str_of(f.actor_process.path, "exe");
    str_of(f.actor_process.user_uid, "uid");
    actor_user();
    return;
  }

  common(0, 99, type.starts_with("ANOM_") ? 3 : 1, status);
}

}  // namespace

AuditAssembler::AuditAssembler(AuditEventOptions o) : options_(o), state_(std::make_unique<State>()) {
  if (options_.max_open_events == 0) options_.max_open_events = 1;
  if (options_.max_records_per_event == 0) options_.max_records_per_event = 1;
  if (options_.max_open_events > 4096) options_.max_open_events = 4096;
  // add() keeps pointers to slots while it works: they must never move.
  state_->slots.reserve(options_.max_open_events);
}

AuditAssembler::~AuditAssembler() = default;

size_t AuditAssembler::open_events() const {
  size_t n = 0;
  for (const State::Open& o : state_->slots) n += o.active;
  return n;
}

FieldId AuditAssembler::State::unmapped_id(sv key) {
  if (auto it = unmapped_ids.find(key); it != unmapped_ids.end()) return it->second;
  if (!unmapped_key_ok(key)) return kNoField;
  char buf[16 + kMaxUnmappedKeyBytes];
  std::memcpy(buf, "unmapped.auditd.", 16);
  std::memcpy(buf + 16, key.data(), key.size());
  sv name(buf, 16 + key.size());
  FieldDictionary& dict = field_dictionary();
  FieldId id = dict.find(name);
  if (id == kNoField) {
    if (dict.size() >= kMaxDictionaryForUnmapped) return kNoField;
    id = dict.intern(name);
  }
  if (unmapped_ids.size() < kMaxCachedKeys) unmapped_ids.emplace(std::string(key), id);
  return id;
}

bool AuditAssembler::State::first_write(FieldId id) {
  if (id >= seen_stamp.size()) seen_stamp.resize(static_cast<size_t>(id) + 64, 0);
  if (seen_stamp[id] == stamp) return false;
  seen_stamp[id] = stamp;
  return true;
}

void AuditAssembler::State::map(size_t n, EventBatch& out) {
  const Ids& f = ids();
  const AuditRecord& first = records[0];
  EventMapper m{records, n, out};
  m.classify_and_map();

  out.set_time(first.time);
  out.add_time(f.time, first.time);
  out.add_string_ref(f.product_name, "auditd");
  out.add_string_ref(f.vendor_name, "Linux");
  out.add_string_ref(f.log_provider, "auditd");
  out.add_string_ref(f.log_name, "audit");
  char serial[24];
  int len = std::snprintf(serial, sizeof serial, "%llu", static_cast<unsigned long long>(first.serial));
  out.add_string(f.metadata_uid, sv(serial, static_cast<size_t>(len)));
  if (!first.node.empty()) out.add_string_ref(f.device_hostname, first.node);

  // record_types: each type once, in arrival order, EOE left out.
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += records[i].type.size() + 1;
  char* buf = out.arena().allocate(total);
  size_t w = 0;
  for (size_t i = 0; i < n; ++i) {
    sv t = records[i].type;
    if (t == "EOE") continue;
    bool seen = false;
    for (size_t k = 0; k < i && !seen; ++k) seen = records[k].type == t;
    if (seen) continue;
    if (w > 0) buf[w++] = ',';
    std::memcpy(buf + w, t.data(), t.size());
    w += t.size();
  }
  if (w > 0) out.add_string_ref(f.record_types, sv(buf, w));

  ++stamp;
  if (stamp == 0) {  // wrapped: forget every mark
    std::fill(seen_stamp.begin(), seen_stamp.end(), 0);
    stamp = 1;
  }
  for (size_t i = 0; i < n; ++i) {
    bool execve = records[i].type == "EXECVE";
    for (const TextPair& p : records[i].fields) {
      bool cont;
      if (m.is_mapped(p.key)) continue;
      if (execve && m.args_mapped && execve_arg_key(p.key, cont)) continue;
      FieldId id = unmapped_id(p.key);
      if (id == kNoField || !first_write(id)) continue;
      if (!p.value.empty()) out.add_string_ref(id, p.value);
    }
  }
}

void AuditAssembler::State::emit(Open& e, EventBatch& out) {
  Provenance prov;
  prov.receive_time = e.receive_time;
  prov.raw = e.text;
  prov.source = e.source;
  prov.input = e.input;
  prov.tenant = e.tenant;
  e.active = false;
  const sv raw = out.begin_event(prov).raw;

  // Parse the arena copy: every value is then a slice of the raw or of the batch arena.
  size_t n = 0;
  sv error;
  sv rest = raw;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    sv line = rest.substr(0, nl);
    rest = nl == sv::npos ? sv{} : rest.substr(nl + 1);
    while (!line.empty()) {
      size_t len = audit_record_length(line);
      if (n == records.size()) records.emplace_back();
      sv err = parse_audit_record(line.substr(0, len), out.arena(), records[n]);
      if (err.empty()) ++n;
      else if (error.empty()) error = err;
      line.remove_prefix(len);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    }
  }
  if (n == 0) {
    // Only add() builds events, from records whose headers parsed; kept for safety.
    out.set_parse_error(error.empty() ? sv("empty audit event") : error);
    out.set_flag(kFlagNoTimestamp);
    out.add_time(ids().time, e.receive_time);
    out.end_event();
    return;
  }
  map(n, out);
  out.end_event();
}

void AuditAssembler::add(std::string_view line, const Provenance& p, EventBatch& out) {
  State& s = *state_;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);

  AuditRecord header;
  State::Open* previous = nullptr;  // the event the previous record of this line went to
  size_t previous_end = 0;
  size_t pos = 0;
  while (pos < line.size() || (pos == 0 && line.empty())) {
    sv rest = line.substr(pos);
    size_t len = audit_record_length(rest);
    sv piece = rest.substr(0, len);
    sv err = parse_audit_header(piece, header);
    // Wazuh writes node= once, before the first of a line's records.
    if (err.empty() && header.node.empty() && previous) header.node = previous->node;
    if (!err.empty()) {
      // Kept raw and flagged: a line that is not an audit record is its own event.
      Provenance prov = p;
      prov.raw = piece;
      out.begin_event(prov);
      out.set_parse_error(err);
      out.set_flag(kFlagNoTimestamp);
      const Ids& f = ids();
      out.add_time(f.time, p.receive_time);
      out.add_string_ref(f.log_name, "audit");
      out.add_int(f.class_uid, 0);
      out.add_int(f.category_uid, 0);
      out.add_int(f.activity_id, 0);
      out.add_int(f.type_uid, 0);
      out.end_event();
      previous = nullptr;
    } else {
      State::Open* e = nullptr;
      for (State::Open& o : s.slots)
        if (o.active && o.time == header.time && o.serial == header.serial && o.node == header.node) e = &o;
      if (!e) {
        size_t active = open_events();
        if (active >= options_.max_open_events) {
          State::Open* oldest = nullptr;
          for (State::Open& o : s.slots)
            if (o.active && (!oldest || o.arrival < oldest->arrival)) oldest = &o;
          s.emit(*oldest, out);
          if (oldest == previous) previous = nullptr;
        }
        for (State::Open& o : s.slots)
          if (!o.active) e = &o;
        if (!e) e = &s.slots.emplace_back();
        e->active = true;
        e->arrival = ++s.arrivals;
        e->time = header.time;
        e->serial = header.serial;
        e->node.assign(header.node);
        e->text.clear();
        e->records = 0;
        e->receive_time = p.receive_time;
        e->source.assign(p.source);
        e->input.assign(p.input);
        e->tenant.assign(p.tenant);
      }
      if (e == previous) {
        // Records of one event on one line keep the bytes between them.
        e->text.append(line.substr(previous_end, pos + len - previous_end));
      } else {
        if (!e->text.empty()) e->text.push_back('\n');
        e->text.append(piece);
      }
      ++e->records;
      previous = e;
      previous_end = pos + len;
      if (header.type == "EOE" || always_alone(header.type) || e->records >= options_.max_records_per_event) {
        s.emit(*e, out);
        previous = nullptr;
      }
    }
    pos += len;
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (line.empty()) break;
  }
}

void AuditAssembler::flush(EventBatch& out) {
  State& s = *state_;
  for (;;) {
    State::Open* oldest = nullptr;
    for (State::Open& o : s.slots)
      if (o.active && (!oldest || o.arrival < oldest->arrival)) oldest = &o;
    if (!oldest) return;
    s.emit(*oldest, out);
  }
}

}  // namespace vigil
