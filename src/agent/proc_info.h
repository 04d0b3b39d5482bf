// What /proc says about one process, read the moment the exec collector hears of
// it: executable, command line, working directory, ids, parent. A process may be
// gone by then; what could be read is kept and the rest is said in `error`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/event_json.h"

namespace vigil {

// A command line past this many bytes is cut (and flagged): ARG_MAX is megabytes.
constexpr size_t kMaxCmdLineBytes = 64 * 1024;

struct ProcInfo {
  int pid = 0;
  int ppid = -1;           // -1: unknown
  int64_t ruid = -1, euid = -1, rgid = -1, egid = -1;
  std::string exe;         // readlink of /proc/<pid>/exe (" (deleted)" kept: it says something)
  std::string cmd_line;    // arguments joined, quoted where needed (see join_cmdline)
  std::string args_json;   // the same arguments as a JSON array, for the event's raw
  bool cmd_line_truncated = false;
  std::string cwd;
  std::string comm;        // the kernel's 15-byte name, for processes without an exe (kernel threads)
  std::string error;       // what could not be read, "" when everything was
};

// Reads /proc/<pid> under `proc_root`. False when the process is gone before even its
// status could be read (`info.error` says so).
bool read_proc_info(int pid, ProcInfo& info, const std::string& proc_root = "/proc");

// /proc/<pid>/cmdline (arguments ended by NUL) as one command line: arguments
// separated by a space, an argument quoted POSIX-shell style ('it'\''s') when it is
// empty or holds whitespace, quotes or a backslash, so a reader (and a Sigma rule
// written for `sh -c '...'`) sees where each argument ends. Also fills `args_json`.
// Bytes after the last NUL (a process that rewrote its title) are the last argument.
void join_cmdline(std::string_view raw, std::string& cmd_line, std::string* args_json);

// Fields of /proc/<pid>/status: PPid, Uid (real, effective), Gid (real, effective).
// False when PPid or Uid is missing or malformed.
bool parse_proc_status(std::string_view status, ProcInfo& info);

// append_json_string: core/event_json.h.

// User names by uid through getpwuid_r, remembered (a busy host execs as few users).
class UserNames {
 public:
  // "" when the uid has no passwd entry (the uid itself is still in the event).
  const std::string& name(int64_t uid);

 private:
  std::unordered_map<int64_t, std::string> cache_;
};

}  // namespace vigil
