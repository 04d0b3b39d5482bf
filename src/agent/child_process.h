// ChildProcess: a program the agent runs and reads from (journalctl, eslogger): stdin
// from /dev/null, stdout and stderr on non-blocking pipes the collector drains in poll(),
// and a bounded reap that says how it ended.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace vigil {

// When to start a child again after it ended or could not start: the wait doubles, up to a
// minute, and goes back to the configured one once the child delivers again.
struct RestartBackoff {
  int initial_ms = 1000;
  int wait_ms = 1000;
  TimeNs at = 0;

  void configure(int ms) { initial_ms = wait_ms = ms; }
  void delivered() { wait_ms = initial_ms; }
  void schedule() {
    at = now_ns() + static_cast<TimeNs>(wait_ms) * 1'000'000;
    wait_ms = std::min(60'000, std::max(1, wait_ms) * 2);
  }
  bool due() const { return now_ns() >= at; }
};

struct ChildProcess {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  bool running() const { return pid > 0; }
};

// Starts args[0] (PATH searched) with args.
Result<ChildProcess> spawn_child(const std::vector<std::string>& args);
// Waits up to 2 s for it to end (SIGTERM first when `terminate`), then SIGKILL; closes its
// pipes. Returns "exit status N", "signal N", or `otherwise` ("ended", "stopped").
std::string reap_child(ChildProcess& child, bool terminate, const char* otherwise);
// Appends what is on the child's stderr to `tail`, keeping its last 512 bytes.
void read_child_stderr(const ChildProcess& child, std::string& tail);
// Reads what the child wrote to stdout, up to about `budget` bytes, handing each read to
// `take`; true when stdout ended (the child closed it or the pipe failed).
bool read_child_stdout(const ChildProcess& child, size_t budget, const std::function<void(std::string_view)>& take);

}  // namespace vigil
