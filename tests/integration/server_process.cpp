#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ingest/address.h"

namespace vigil::testing {

TempDir::TempDir() {
  std::random_device rd;
  path = std::filesystem::temp_directory_path() / ("vigil-it-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!getenv("VIGIL_KEEP_TEST_DIRS")) std::filesystem::remove_all(path, ec);
}

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t spawn(const std::vector<std::string>& args, int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    if (out_fd >= 0) dup2(out_fd, 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {
  ready_ = data_dir_.string() + ".ready.json";
  log_ = data_dir_.string() + ".server.log";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
}

void ServerProcess::start() {
  std::filesystem::remove(ready_);
  std::vector<std::string> args = {VIGIL_BINARY, "server", "--data", data_dir_.string(), "--ready-file", ready_.string()};
  // Ephemeral loopback ports, unless the test chose an address itself.
  for (const char* flag : {"--syslog-udp", "--syslog-tcp", "--http", "--agent"}) {
    if (std::find(extra_args_.begin(), extra_args_.end(), flag) == extra_args_.end()) {
      args.push_back(flag);
      args.push_back("127.0.0.1:0");
    }
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  int log_fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_ = spawn(args, log_fd, log_fd);
  close(log_fd);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(ready_)) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("vigil server exited during start:\n" + log_tail());
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("vigil server not ready:\n" + log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // {"pid":1,"syslog_udp":"127.0.0.1:1234",...}
  std::string ready = read_file(ready_);
  addresses_.clear();
  for (const char* key : {"syslog_udp", "syslog_tcp", "http"}) {
    std::string k = std::string("\"") + key + "\":\"";
    size_t at = ready.find(k);
    if (at == std::string::npos) throw std::runtime_error("ready file lacks " + std::string(key) + ": " + ready);
    at += k.size();
    addresses_[key] = ready.substr(at, ready.find('"', at) - at);
  }
  if (size_t at = ready.find("\"agent\":\""); at != std::string::npos) {  // absent with --agent off
    at += 9;
    addresses_["agent"] = ready.substr(at, ready.find('"', at) - at);
  }
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ServerProcess::terminate() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ServerProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::string ServerProcess::log_tail() const {
  std::string log = read_file(log_);
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

CommandResult run_vigil(const std::vector<std::string>& args) {
  char out_path[] = "/tmp/vigil-out-XXXXXX";
  char err_path[] = "/tmp/vigil-err-XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  std::vector<std::string> full = {VIGIL_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = spawn(full, out_fd, err_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  unlink(out_path);
  unlink(err_path);
  return r;
}

namespace {
sockaddr_in loopback(const std::string& host_port) {
  auto hp = parse_host_port(host_port);
  if (!hp.ok()) throw std::runtime_error(hp.error());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(hp->port);
  inet_pton(AF_INET, hp->host.c_str(), &a.sin_addr);
  return a;
}
}  // namespace

void send_udp(const std::string& host_port, const std::vector<std::string>& datagrams) {
  sockaddr_in a = loopback(host_port);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  for (size_t i = 0; i < datagrams.size(); ++i) {
    sendto(fd, datagrams[i].data(), datagrams[i].size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (i % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // stay under the socket buffer
  }
  close(fd);
}

void send_tcp(const std::string& host_port, const std::string& bytes) {
  sockaddr_in a = loopback(host_port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect " + host_port);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send to " + host_port);
    off += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  // The server closes after its last batch is durable; wait for that (bounded).
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  while (recv(fd, &c, 1, 0) > 0) {
  }
  close(fd);
}

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

}  // namespace vigil::testing
