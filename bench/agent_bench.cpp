// Agent footprint (issue 7): `vigil agent` tailing a log file written at a steady rate
// (default 1,000 lines/s) and shipping to a real `vigil server` over mutual TLS; after a
// warm-up, the agent's CPU (utime+stime from /proc, as a share of one core) and its
// peak RSS (VmHWM) over the measured window. Goal: under 2% of a core, under 25 MB.
//
//   build/release/bench/agent_bench [--rate 1000] [--seconds 60] [--warmup 10]
//                                   [--vigil build/release/vigil] [--collectors logs|all]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

std::string run(const std::vector<std::string>& args) {
  std::string cmd;
  for (const auto& a : args) cmd += "'" + a + "' ";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) ::pclose(p);
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// utime + stime in clock ticks.
long long cpu_ticks(pid_t pid) {
  std::string s = read_text("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(s.substr(close + 2));
  std::string f;
  long long ut = 0, st = 0;
  for (int i = 3; i <= 15 && rest >> f; ++i) {
    if (i == 14) ut = std::stoll(f);
    if (i == 15) st = std::stoll(f);
  }
  return ut + st;
}

long long status_kb(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atoll(line.c_str() + std::strlen(key));
  return -1;
}

int free_port() {
  for (int p = 20000 + (::getpid() % 20000);; ++p) {
    std::string probe = run({"sh", "-c", "ss -ltn | grep -c ':" + std::to_string(p) + " ' || true"});
    if (std::atoi(probe.c_str()) == 0) return p;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rate = 1000, seconds = 60, warmup = 10;
  std::string vigil = VIGIL_BINARY, collectors = "logs";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--rate") rate = std::atoi(v.c_str());
    else if (k == "--seconds") seconds = std::atoi(v.c_str());
    else if (k == "--warmup") warmup = std::atoi(v.c_str());
    else if (k == "--vigil") vigil = v;
    else if (k == "--collectors") collectors = v;
    else {
      std::fprintf(stderr, "usage: agent_bench [--rate N] [--seconds N] [--warmup N] [--vigil PATH] [--collectors logs|all]\n");
      return 2;
    }
  }
  const fs::path dir = fs::temp_directory_path() / ("vigil-agent-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string agent_address = "127.0.0.1:" + std::to_string(free_port());
  const fs::path data = dir / "data";
  pid_t server = spawn({vigil, "server", "--data", data.string(), "--http", "127.0.0.1:0", "--syslog-udp", "off",
                        "--syslog-tcp", "off", "--agent", agent_address, "--ready-file", (dir / "ready").string()},
                       dir / "server.log");
  for (int i = 0; i < 600 && !fs::exists(dir / "ready"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!fs::exists(dir / "ready")) {
    std::fprintf(stderr, "server did not start:\n%s\n", read_text(dir / "server.log").c_str());
    return 1;
  }
  std::string t = run({vigil, "agents", "token", "--data", data.string()});
  size_t at = t.find("token:");
  if (at == std::string::npos) {
    std::fprintf(stderr, "no token: %s\n", t.c_str());
    return 1;
  }
  at = t.find_first_not_of(' ', at + 6);
  const std::string token = t.substr(at, t.find('\n', at) - at);
  const fs::path log_file = dir / "app.log";
  { std::ofstream touch(log_file); }
  {
    std::ofstream c(dir / "agent.yaml");
    c << "state_dir: " << (dir / "state").string() << "\noutput: server\nserver:\n  address: " << agent_address
      << "\n  ca: " << (data / "agents" / "ca.crt").string() << "\n  enroll_token: " << token
      << "\ncollectors:\n  logs: [{paths: [" << log_file.string() << "]}]\n";
    if (collectors == "all")
      c << "  exec: {}\n  fim: {paths: [" << (dir / "watched").string() << "]}\n  network: {}\n  inventory: {}\n";
  }
  fs::create_directories(dir / "watched");
  pid_t agent = spawn({vigil, "agent", "--config", (dir / "agent.yaml").string()}, dir / "agent.log");

  // Lines like sshd's, 10 per 10 ms tick.
  int fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND);
  const int per_tick = std::max(1, rate / 100);
  const auto start = Clock::now();
  long long ticks_at_warmup = -1, hwm_kb = 0;
  auto warm_at = start + std::chrono::seconds(warmup);
  auto end_at = warm_at + std::chrono::seconds(seconds);
  long long n = 0;
  auto next = start;
  auto measured_from = warm_at;
  while (Clock::now() < end_at) {
    std::string chunk;
    for (int i = 0; i < per_tick; ++i, ++n)
      chunk += "Dec  4 10:00:00 bench-host sshd[" + std::to_string(1000 + n % 5000) +
               "]: Failed password for invalid user u" + std::to_string(n % 97) + " from 198.51.100." +
               std::to_string(n % 250) + " port " + std::to_string(40000 + n % 20000) + " ssh2\n";
    if (::write(fd, chunk.data(), chunk.size()) < 0) break;
    if (ticks_at_warmup < 0 && Clock::now() >= warm_at) {
      ticks_at_warmup = cpu_ticks(agent);
      measured_from = Clock::now();
    }
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
  const long long ticks_end = cpu_ticks(agent);
  const double window = std::chrono::duration<double>(Clock::now() - measured_from).count();
  hwm_kb = status_kb(agent, "VmHWM:");
  const long long rss_kb = status_kb(agent, "VmRSS:");
  ::close(fd);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ::kill(agent, SIGTERM);
  int st;
  ::waitpid(agent, &st, 0);
  const double cpu = 100.0 * static_cast<double>(ticks_end - ticks_at_warmup) / static_cast<double>(::sysconf(_SC_CLK_TCK)) / window;
  std::printf("agent_bench: %d lines/s for %.0f s (after %d s warm-up), collectors: %s, output: server (mTLS, zstd)\n", rate,
              window, warmup, collectors.c_str());
  std::printf("  agent CPU   %.2f %% of one core   (goal < 2 %%)\n", cpu);
  std::printf("  agent RSS   %.1f MB now, %.1f MB peak (VmHWM)   (goal < 25 MB)\n", rss_kb / 1024.0, hwm_kb / 1024.0);
  std::printf("  lines written %lld\n", n);
  const std::string log = read_text(dir / "agent.log");
  const size_t last = log.rfind("agent stopped");
  if (last != std::string::npos) std::printf("  %s", log.substr(last, log.find('\n', last) - last + 1).c_str());
  ::kill(server, SIGTERM);
  ::waitpid(server, &st, 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
