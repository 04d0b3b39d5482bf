// `vigil simulate`: generated syslog for demos and tests — printed, or sent to a
// server over UDP or TCP.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/subcommands.h"
#include "ingest/address.h"
#include "ingest/simulate.h"

namespace vigil {

namespace {

// Connected socket to host:port of the given type, or -1 with `error` set.
int connect_to(const std::string& host_port, int socktype, std::string& error) {
  auto hp = parse_host_port(host_port);
  if (!hp.ok()) {
    error = hp.error();
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = socktype;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(hp->host.c_str(), std::to_string(hp->port).c_str(), &hints, &res); rc != 0) {
    error = std::string("cannot resolve ") + hp->host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) error = "cannot connect to " + host_port;
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("simulate", "Generate demo syslog: ordinary activity of a few hosts and an SSH brute force");
  cmd->footer(
      "Examples:\n"
      "  vigil simulate --hours 1 | head                    print lines\n"
      "  vigil simulate --send udp://127.0.0.1:5514          send to a server's syslog UDP input\n"
      "  vigil simulate --send tcp://127.0.0.1:5514          ... or TCP (octet-counted framing)");
  struct Flags {
    double hours = 24;
    uint64_t seed = 42;
    std::string send;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--hours", f->hours, "hours of activity, ending now")->capture_default_str();
  cmd->add_option("--seed", f->seed, "random seed (same seed, same lines)")->capture_default_str();
  cmd->add_option("--send", f->send, "udp://HOST:PORT or tcp://HOST:PORT instead of printing");
  cmd->callback([f, &exit_code] {
    SimulateOptions o;
    o.end = now_ns();
    o.start = o.end - static_cast<TimeNs>(f->hours * 3600 * kNsPerSec);
    o.seed = f->seed;
    std::vector<SimulatedLine> lines = simulate_syslog(o);
    if (f->send.empty()) {
      for (const auto& l : lines) std::printf("%s\n", l.line.c_str());
      return;
    }
    bool udp = f->send.rfind("udp://", 0) == 0, tcp = f->send.rfind("tcp://", 0) == 0;
    if (!udp && !tcp) {
      std::fprintf(stderr, "vigil simulate: --send takes udp://HOST:PORT or tcp://HOST:PORT\n");
      exit_code = 2;
      return;
    }
    std::string error;
    int fd = connect_to(f->send.substr(6), udp ? SOCK_DGRAM : SOCK_STREAM, error);
    if (fd < 0) {
      std::fprintf(stderr, "vigil simulate: %s\n", error.c_str());
      exit_code = 1;
      return;
    }
    size_t sent = 0;
    for (const auto& l : lines) {
      bool ok = udp ? send(fd, l.line.data(), l.line.size(), 0) == static_cast<ssize_t>(l.line.size())
                    : send_all(fd, std::to_string(l.line.size()) + " " + l.line);
      if (!ok) {
        std::fprintf(stderr, "vigil simulate: send failed after %zu lines\n", sent);
        exit_code = 1;
        break;
      }
      ++sent;
      if (udp && sent % 256 == 0) usleep(1000);  // pace UDP so a local receiver keeps up
    }
    close(fd);
    std::fprintf(stderr, "vigil simulate: sent %zu lines to %s\n", sent, f->send.c_str());
  });
}

}  // namespace vigil
