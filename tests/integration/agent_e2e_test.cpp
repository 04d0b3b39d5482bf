// The agent end to end, real processes only: `vigil server`, `vigil agents token`, and
// `vigil agent` tailing a log file that a generator thread writes. While the lines are
// written the agent and the server are killed with SIGKILL at random moments, and the
// server is also stopped for a while; at the end every generated line must be on the
// server exactly once, with its content (the raw line), found by `vigil search`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "ingest/agent_pki.h"
#include "query/search.h"
#include "server_process.h"

extern char** environ;

namespace vigil::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A loopback port nobody listens on now (the server needs the same agent port after
// every restart, so the test picks it instead of port 0).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AgentProcess {
 public:
  AgentProcess(fs::path config, fs::path log) : config_(std::move(config)), log_(std::move(log)) {}
  ~AgentProcess() { kill9(); }
  void start() {
    std::vector<std::string> args = {VIGIL_BINARY, "agent", "--config", config_.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    ASSERT_EQ(posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
  }
  void kill9() { stop(SIGKILL); }
  void terminate() { stop(SIGTERM); }
  bool running() const { return pid_ > 0; }

 private:
  void stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  fs::path config_, log_;
  pid_t pid_ = -1;
};

std::string token_from(const std::string& out) {
  size_t at = out.find("token:");
  if (at == std::string::npos) return {};
  at = out.find_first_not_of(' ', at + 6);
  return out.substr(at, out.find('\n', at) - at);
}

std::string line_for(int n) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "Dec  4 10:00:00 e2e-host e2e-app[4242]: e2e event %06d checksum %08x", n,
                static_cast<unsigned>(n) * 2654435761u);
  return buf;
}

// Event number -> how many times the server has it, and whether each copy's raw is right.
struct Found {
  std::map<int, int> copies;
  int wrong_raw = 0;
  size_t total = 0;
};

Found search_all(const std::string& server_url) {
  Found f;
  CommandResult r = run_vigil({"search", "--server", server_url, "--format", "json", "--limit", "100000",
                               "input:agent \"e2e event\""});
  if (r.exit_code != 0) {
    ADD_FAILURE() << "vigil search: " << r.err;
    return f;
  }
  auto parsed = result_from_json(r.out);
  if (!parsed.ok()) {
    ADD_FAILURE() << "search output: " << parsed.error();
    return f;
  }
  for (const ResultEvent& e : parsed->events) {
    const size_t at = e.raw.find("e2e event ");
    if (at == std::string::npos) continue;
    const int n = std::atoi(e.raw.c_str() + at + 10);
    ++f.copies[n];
    ++f.total;
    if (e.raw != line_for(n)) ++f.wrong_raw;
  }
  return f;
}

TEST(AgentEndToEnd, KillsAndOutagesNeitherLoseNorDuplicateAnEvent) {
  TempDir dir;
  const std::string agent_address = "127.0.0.1:" + std::to_string(free_port());
  const fs::path data = dir.path / "data";
  ServerProcess server(data, {"--agent", agent_address});
  server.start();
  CommandResult t = run_vigil({"agents", "token", "--data", data.string()});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::string token = token_from(t.out);
  ASSERT_FALSE(token.empty()) << t.out;

  const fs::path log_file = dir.path / "generated.log";
  { std::ofstream touch(log_file); }
  const fs::path config = dir.path / "agent.yaml";
  {
    std::ofstream c(config);
    c << "state_dir: " << (dir.path / "agent-state").string() << "\n"
      << "hostname: e2e-host\n"
      << "output: server\n"
      << "server:\n  address: " << agent_address << "\n  ca: " << (data / "agents" / "ca.crt").string()
      << "\n  enroll_token: " << token << "\n  heartbeat_interval_s: 2\n  timeout_s: 5\n"
      << "batch: {max_events: 400, max_delay_ms: 200}\n"
      << "collectors:\n  logs: [{paths: [" << log_file.string() << "]}]\n";
  }
  AgentProcess agent(config, dir.path / "agent.log");
  agent.start();

  // The generator: kTotal lines at about 500 a second, each written whole.
  constexpr int kTotal = 12'000;
  std::atomic<bool> generated{false};
  std::thread generator([&] {
    int fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND);
    for (int n = 1; n <= kTotal; ++n) {
      const std::string line = line_for(n) + "\n";
      ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
      if (n % 50 == 0) std::this_thread::sleep_for(100ms);
    }
    ::close(fd);
    generated = true;
  });

  // Chaos while the lines are written: random SIGKILLs of either process, and once a
  // server outage of a few seconds.
  std::mt19937 random(20261204);
  int agent_kills = 0, server_kills = 0;
  bool outage_done = false;
  while (!generated) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + random() % 1500));
    const unsigned pick = random() % 3;
    if (pick == 0) {
      agent.kill9();
      ++agent_kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(random() % 500));
      agent.start();
    } else if (pick == 1) {
      server.kill9();
      ++server_kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(random() % 1000));
      server.start();
    } else if (!outage_done) {
      server.terminate();
      std::this_thread::sleep_for(3s);
      server.start();
      outage_done = true;
    }
  }
  generator.join();
  if (!outage_done) {  // the outage happens in every run, even a fast one
    server.terminate();
    std::this_thread::sleep_for(3s);
    server.start();
  }

  // Every line reaches the server; wait for the last acknowledgements.
  Found found;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  while (std::chrono::steady_clock::now() < deadline) {
    found = search_all(server.http_url());
    if (found.total >= static_cast<size_t>(kTotal) && found.copies.size() == static_cast<size_t>(kTotal)) break;
    std::this_thread::sleep_for(1s);
  }
  agent.terminate();
  std::fprintf(stderr, "agent killed %d times, server killed %d times and stopped once; %zu events found\n", agent_kills,
               server_kills, found.total);
  int missing = 0, duplicated = 0;
  for (int n = 1; n <= kTotal; ++n) {
    auto it = found.copies.find(n);
    if (it == found.copies.end()) ++missing;
    else if (it->second > 1) duplicated += it->second - 1;
  }
  EXPECT_EQ(missing, 0) << "agent log:\n" << read_text(dir.path / "agent.log").substr(0, 6000);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(found.wrong_raw, 0);
  EXPECT_EQ(found.total, static_cast<size_t>(kTotal));
  EXPECT_GT(agent_kills + server_kills, 3);
}

// How many events a query finds on the server (-1 when the search fails).
int64_t count(const std::string& server_url, const std::string& query) {
  CommandResult r = run_vigil({"search", "--server", server_url, "--format", "json", query + " | stats count()"});
  if (r.exit_code != 0) return -1;
  auto parsed = result_from_json(r.out);
  if (!parsed.ok() || parsed->rows.empty()) return parsed.ok() ? 0 : -1;
  return parsed->rows[0].at(0).i64;
}

// The forwarding outputs, each into a real `vigil server` input: syslog over TCP as
// RFC 5424 (the event's JSON as the message) and as CEF, and NDJSON over HTTP to
// /api/v1/ingest. Every line the agent reads arrives, and the server parses what came.
TEST(AgentForwarding, SyslogRfc5424CefAndHttpReachAnotherServer) {
  TempDir dir;
  ServerProcess server(dir.path / "data", {"--agent", "off"});
  server.start();
  struct Case {
    std::string name, output, marker;
  };
  const std::vector<Case> cases = {
      {"rfc5424", "output: syslog\nsyslog: {address: " + server.address("syslog_tcp") + ", format: rfc5424}\n", "fwd5424"},
      {"cef", "output: syslog\nsyslog: {address: " + server.address("syslog_tcp") + ", format: cef}\n", "fwdcef"},
      {"http", "output: http\nhttp: {url: '" + server.http_url() + "/api/v1/ingest'}\n", "fwdhttp"},
  };
  constexpr int kLines = 200;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path log_file = dir.path / (c.name + ".log");
    {
      std::ofstream out(log_file);
      for (int n = 1; n <= kLines; ++n)
        out << "Dec  4 10:00:00 fwd-host sshd[77]: Failed password for invalid user " << c.marker << n
            << " from 203.0.113.9 port 4242 ssh2\n";
    }
    const fs::path config = dir.path / (c.name + ".yaml");
    {
      std::ofstream y(config);
      y << "state_dir: " << (dir.path / (c.name + "-state")).string() << "\nhostname: fwd-host\n" << c.output
        << "batch: {max_events: 50, max_delay_ms: 100}\ncollectors:\n  logs: [{paths: [" << log_file.string() << "]}]\n";
    }
    AgentProcess agent(config, dir.path / (c.name + ".agent.log"));
    agent.start();
    int64_t n = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && (n = count(server.http_url(), c.marker + "* NOT class_uid:2004")) < kLines)
      std::this_thread::sleep_for(300ms);
    agent.terminate();
    // (Detection findings about these failed logins name the users too: left out.)
    EXPECT_EQ(n, kLines) << read_text(dir.path / (c.name + ".agent.log")).substr(0, 3000);
  }
  // The forwarded events are still Authentication events with their user and address.
  EXPECT_EQ(count(server.http_url(), "input:http class_uid:3002 src_endpoint.ip:203.0.113.9"), kLines);
}

// A one-connection TLS receiver (OpenSSL) that keeps what it reads until `lines` newlines.
class TlsReceiver {
 public:
  TlsReceiver(const PemIdentity& id, int lines) : lines_(lines) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cert = BIO_new_mem_buf(id.cert_pem.data(), static_cast<int>(id.cert_pem.size()));
    BIO* key = BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size()));
    X509* x = PEM_read_bio_X509(cert, nullptr, nullptr, nullptr);
    EVP_PKEY* k = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx_, x);
    SSL_CTX_use_PrivateKey(ctx_, k);
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cert);
    BIO_free(key);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsReceiver() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  void serve() {
    // Accepts until a connection gives all the lines (a failed handshake is retried by the agent).
    while (true) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        char buf[16384];
        int n;
        while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) {
          std::lock_guard lock(mutex_);
          text_.append(buf, static_cast<size_t>(n));
          if (std::count(text_.begin(), text_.end(), '\n') >= lines_) break;
        }
      }
      SSL_free(ssl);
      ::close(c);
      std::lock_guard lock(mutex_);
      if (std::count(text_.begin(), text_.end(), '\n') >= lines_) return;
    }
  }
  int fd_ = -1, port_ = 0, lines_ = 0;
  SSL_CTX* ctx_ = nullptr;
  std::thread thread_;
  std::mutex mutex_;
  std::string text_;
};

// The syslog output over TLS: the receiver's certificate is checked against the CA the
// config names, and the CEF lines arrive whole.
TEST(AgentForwarding, CefOverTlsToAVerifiedReceiver) {
  TempDir dir;
  auto ca = load_or_create_agent_ca(dir.path / "pki");
  ASSERT_TRUE(ca.ok()) << ca.error();
  auto id = load_or_issue_server_identity(dir.path / "pki", *ca, {"127.0.0.1"});
  ASSERT_TRUE(id.ok()) << id.error();
  constexpr int kLines = 50;
  TlsReceiver receiver(*id, kLines);
  const fs::path log_file = dir.path / "tls.log";
  {
    std::ofstream out(log_file);
    for (int n = 1; n <= kLines; ++n)
      out << "Dec  4 10:00:00 tls-host sshd[77]: Failed password for invalid user tls" << n
          << " from 203.0.113.7 port 4242 ssh2\n";
  }
  const fs::path config = dir.path / "tls.yaml";
  {
    std::ofstream y(config);
    y << "state_dir: " << (dir.path / "state").string() << "\nhostname: tls-host\noutput: syslog\n"
      << "syslog: {address: 127.0.0.1:" << receiver.port() << ", transport: tls, format: cef, ca: "
      << (dir.path / "pki" / "ca.crt").string() << "}\nbatch: {max_events: 20, max_delay_ms: 100}\n"
      << "collectors:\n  logs: [{paths: [" << log_file.string() << "]}]\n";
  }
  AgentProcess agent(config, dir.path / "agent.log");
  agent.start();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    text = receiver.text();
    if (std::count(text.begin(), text.end(), '\n') >= kLines) break;
    std::this_thread::sleep_for(100ms);
  }
  agent.terminate();
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_TRUE(line.starts_with("<")) << line;
    EXPECT_NE(line.find(" tls-host vigil-agent - 3002 - CEF:0|Vigil|Vigil Agent|1|3002|"), std::string::npos) << line;
    EXPECT_NE(line.find("src=203.0.113.7"), std::string::npos) << line;
  }
  EXPECT_EQ(n, kLines) << read_text(dir.path / "agent.log").substr(0, 3000);
}

}  // namespace
}  // namespace vigil::testing
