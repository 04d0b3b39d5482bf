// `vigil agent --config FILE`: the endpoint agent (src/agent/). Runs until SIGINT or
// SIGTERM; --check reads the config and the collectors' keys and says what would run.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "agent/agent_config.h"
#include "agent/agent_runtime.h"
#include "agent/collectors.h"
#include "cli/subcommands.h"

namespace vigil {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

int run_agent(const std::string& config_file, bool check) {
  auto config = load_agent_config(config_file);
  if (!config.ok()) {
    std::fprintf(stderr, "vigil agent: %s\n", config.status().message().c_str());
    return 2;
  }
  auto collectors = make_collectors(config->collectors);
  if (!collectors.ok()) {
    std::fprintf(stderr, "vigil agent: %s: %s\n", config_file.c_str(), collectors.status().message().c_str());
    return 2;
  }
  if (check) {
    std::printf("%s: valid. Output %s; state in %s; collectors:", config_file.c_str(),
                std::string(agent_output_name(config->output)).c_str(), config->state_dir.c_str());
    for (const auto& c : *collectors) std::printf(" %s", std::string(c->name()).c_str());
    std::printf("%s\n", collectors->empty() ? " none" : "");
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  auto runtime = AgentRuntime::create(*config, std::move(*collectors));
  if (!runtime.ok()) {
    spdlog::error("{}", runtime.status().message());
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  Status s = (*runtime)->run(g_stop);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  return 0;
}

}  // namespace

void add_agent_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("agent", "Run the endpoint agent: collectors, spool, shipping to the server");
  cmd->footer(
      "The agent collects process starts, file changes, logins, connections, inventory and log files,\n"
      "keeps every batch in a bounded on-disk spool until the output has it, and ships it:\n"
      "  output: server   the Vigil server's agent port, mutual TLS after a one-time enrollment\n"
      "  output: file     NDJSON files (offline mode)\n"
      "  output: syslog   another SIEM, RFC 5424 or CEF over TCP or TLS\n"
      "  output: http     NDJSON POSTed to a URL\n"
      "Examples:\n"
      "  vigil agents token --data /var/lib/vigil          (on the server) a token, the CA file, the config lines\n"
      "  vigil agent --config /etc/vigil/agent.yaml --check  validate the config, list the collectors\n"
      "  vigil agent --config /etc/vigil/agent.yaml\n"
      "The config format is in docs/agent.md (and at the top of src/agent/agent_config.h).");
  struct Flags {
    std::string config;
    bool check = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--config", f->config, "YAML config file")->required();
  cmd->add_flag("--check", f->check, "read the config and exit: 0 when it is valid, 2 with the key that is wrong");
  cmd->callback([f, &exit_code] { exit_code = run_agent(f->config, f->check); });
}

}  // namespace vigil
