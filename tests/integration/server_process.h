// Test support: runs the real `vigil` binary as a child process (a server on
// ephemeral loopback ports, or a one-shot command) and talks to it over real sockets.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vigil::testing {

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
};

class ServerProcess {
 public:
  explicit ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();
  // Starts `vigil server` on 127.0.0.1:0 ports and waits until its ready file appears.
  void start();
  void kill9();           // SIGKILL and reap: no shutdown code runs
  void terminate();       // SIGTERM and wait for a clean exit; returns when reaped
  void signal(int sig);   // sends `sig` (SIGHUP: reload rules) and returns at once
  std::string http_url() const { return "http://" + addresses_.at("http"); }
  std::string address(const std::string& name) const { return addresses_.at(name); }
  std::filesystem::path log_path() const { return log_; }
  std::string log_tail() const;

 private:
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::filesystem::path ready_, log_;
  pid_t pid_ = -1;
  std::map<std::string, std::string> addresses_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs VIGIL_BINARY with args, capturing stdout and stderr.
CommandResult run_vigil(const std::vector<std::string>& args);

// Sockets to the server under test.
void send_udp(const std::string& host_port, const std::vector<std::string>& datagrams);
// Sends bytes over one TCP connection and closes it (waits for the server to close or 2 s).
void send_tcp(const std::string& host_port, const std::string& bytes);

std::string gzip(const std::string& data);
std::string zstd(const std::string& data);

}  // namespace vigil::testing
