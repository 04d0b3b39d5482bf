#include "agent/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

extern char** environ;

namespace vigil {

Result<ChildProcess> spawn_child(const std::vector<std::string>& args) {
  if (args.empty()) return Status::error("no program to run");
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Status::error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Status::error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Status::error("cannot run " + args[0] + ": " + std::strerror(rc));
  }
  ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  return ChildProcess{.pid = pid, .out_fd = out_pipe[0], .err_fd = err_pipe[0]};
}

std::string reap_child(ChildProcess& child, bool terminate, const char* otherwise) {
  if (child.pid <= 0) return otherwise;
  if (terminate) ::kill(child.pid, SIGTERM);
  int status = 0;
  pid_t r = 0;
  for (int i = 0; i < 200; ++i) {  // up to 2 s, then SIGKILL
    r = ::waitpid(child.pid, &status, WNOHANG);
    if (r != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (r == 0) {
    ::kill(child.pid, SIGKILL);
    r = ::waitpid(child.pid, &status, 0);
  }
  ::close(child.out_fd);
  ::close(child.err_fd);
  child = ChildProcess{};
  if (r < 0) return "lost";
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return otherwise;
}

void read_child_stderr(const ChildProcess& child, std::string& tail) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(child.err_fd, buf, sizeof buf)) > 0) {
    tail.append(buf, static_cast<size_t>(n));
    if (tail.size() > 512) tail.erase(0, tail.size() - 512);
  }
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
}

bool read_child_stdout(const ChildProcess& child, size_t budget, const std::function<void(std::string_view)>& take) {
  char chunk[64 * 1024];
  while (budget > 0) {
    const ssize_t n = ::read(child.out_fd, chunk, sizeof chunk);
    if (n > 0) {
      budget -= std::min(budget, static_cast<size_t>(n));
      take(std::string_view(chunk, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
  return false;
}

}  // namespace vigil
