// clickhouse-server for tests; see clickhouse_server.h.
#include "clickhouse_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace vigil::testing {

namespace fs = std::filesystem;

namespace {

uint16_t free_port() {
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

}  // namespace

bool ClickHouseServer::start(std::string& why) {
  // Free ports are picked by binding port 0 and closing it, so a server started at the
  // same moment (a parallel test) can take one first: then this one fails to bind, or
  // the ping reaches the other. Each server names itself in a macro that we read
  // back, and a start that met another's port is tried again on new ports.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (start_once(attempt, why)) return true;
    stop();
    if (why.find("Address already in use") == std::string::npos && why.find("another server") == std::string::npos)
      return false;
  }
  return false;
}

bool ClickHouseServer::start_once(int attempt, std::string& why) {
  dir_ = fs::temp_directory_path() / ("vigil-ch-" + std::to_string(::getpid()));
  fs::remove_all(dir_);
  for (const char* d : {"data", "tmp", "user_files", "format_schemas"}) fs::create_directories(dir_ / d);
  endpoint_.port = free_port();
  const uint16_t tcp = free_port();
  const std::string d = dir_.string();
  const std::string me = "vigil-test-" + std::to_string(::getpid()) + "-" + std::to_string(attempt);
  std::ofstream(dir_ / "config.xml") << "<?xml version=\"1.0\"?>\n<yandex>\n"
      << "<logger><level>information</level><log>" << d << "/server.log</log><errorlog>" << d
      << "/server.err.log</errorlog></logger>\n"
      << "<http_port>" << endpoint_.port << "</http_port><tcp_port>" << tcp << "</tcp_port>\n"
      << "<listen_host>127.0.0.1</listen_host>\n"
      << "<path>" << d << "/data/</path><tmp_path>" << d << "/tmp/</tmp_path>\n"
      << "<user_files_path>" << d << "/user_files/</user_files_path><format_schema_path>" << d
      << "/format_schemas/</format_schema_path>\n"
      << "<mark_cache_size>67108864</mark_cache_size><users_config>" << d << "/users.xml</users_config>\n"
      << "<default_profile>default</default_profile><default_database>default</default_database>\n"
      << "<macros><vigil_instance>" << me << "</vigil_instance></macros>\n"
      << "<timezone>UTC</timezone>\n</yandex>\n";
  std::ofstream(dir_ / "users.xml")
      << "<?xml version=\"1.0\"?>\n<yandex><profiles><default></default></profiles>"
      << "<users><default><password></password><networks><ip>127.0.0.1</ip></networks>"
      << "<profile>default</profile><quota>default</quota></default></users>"
      << "<quotas><default></default></quotas></yandex>\n";
  const std::string config = "--config-file=" + d + "/config.xml";
  pid_ = ::fork();
  if (pid_ == 0) {
    ::chdir(d.c_str());
    FILE* out = std::freopen((d + "/stdout.log").c_str(), "w", stdout);
    FILE* err = std::freopen((d + "/stderr.log").c_str(), "w", stderr);
    (void)out;
    (void)err;
    ::execlp("clickhouse-server", "clickhouse-server", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      why = "clickhouse-server exited (status " + std::to_string(status) + ")\n" + log();
      return false;
    }
    cluster::ClickHouseEndpoint ping = endpoint_;
    ping.timeout_ms = 1000;
    auto r = cluster::http_get(ping, "/ping");
    if (r.ok() && r->status == 200) {
      auto name = cluster::clickhouse_query(ping, "SELECT substitution FROM system.macros WHERE macro = 'vigil_instance'");
      if (name.ok() && *name == me + "\n") return true;
      why = "port " + std::to_string(endpoint_.port) + " answered as another server";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  why = "clickhouse-server did not answer /ping within 60 s\n" + log();
  return false;
}

void ClickHouseServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (::kill(pid_, 0) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) fs::remove_all(dir_);
}

std::string ClickHouseServer::log() const {
  std::string out;
  for (const char* f : {"stderr.log", "server.err.log", "server.log"}) {
    std::ifstream in(dir_ / f);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (s.size() > 4000) s = s.substr(s.size() - 4000);
    out += std::string("---- ") + f + "\n" + s;
  }
  return out;
}

std::vector<std::vector<std::string>> tsv(const std::string& body) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i)
      if (i == line.size() || line[i] == '\t') {
        cells.push_back(line.substr(start, i - start));
        start = i + 1;
      }
    rows.push_back(std::move(cells));
  }
  return rows;
}

std::string tsv_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\') o += "\\\\";
    else if (c == '\t') o += "\\t";
    else if (c == '\n') o += "\\n";
    else if (c == '\r') o += "\\r";
    else if (c == '\b') o += "\\b";
    else if (c == '\f') o += "\\f";
    else if (c == '\'') o += "\\'";
    else if (c == '\0') o += "\\0";
    else o += c;
  }
  return o;
}

}  // namespace vigil::testing
