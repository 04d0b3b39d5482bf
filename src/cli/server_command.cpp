// `vigil server`: flags over the YAML config over defaults, then run_server().
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/subcommands.h"
#include "server/server.h"

namespace vigil {

void add_server_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("server", "Run the Vigil server: syslog and HTTP inputs, durable store, search API");
  cmd->footer(
      "Examples:\n"
      "  vigil server --demo                                  loopback defaults, demo data in ./vigil-data\n"
      "  vigil server --data /var/lib/vigil --syslog-udp 0.0.0.0:514 --syslog-tcp 0.0.0.0:514\n"
      "  vigil server --config /etc/vigil/server.yaml\n"
      "  vigil server --rules /etc/vigil/rules --rules ./my-rules   detection with these Sigma rules\n"
      "Addresses are HOST:PORT ([::1]:5514 for IPv6); 'off' disables an input; port 0 picks a free port.\n"
      "Rules reload on SIGHUP, on POST /api/v1/rules/reload, and when their files change (--rules-poll).\n"
      "Flags override the config file.");
  struct Flags {
    std::string config, data, udp, tcp, http, agent, tenant, ready_file, content;
    std::vector<std::string> rules;
    bool demo = false;
    int io_threads = 0;
    int64_t rules_poll = -1;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--config", f->config, "YAML config file (see docs in src/server/config.h)");
  cmd->add_option("--data", f->data, "data directory (default ./vigil-data)");
  cmd->add_option("--syslog-udp", f->udp, "syslog UDP listen address (default 127.0.0.1:5514)");
  cmd->add_option("--syslog-tcp", f->tcp, "syslog TCP listen address (default 127.0.0.1:5514)");
  cmd->add_option("--http", f->http, "HTTP API listen address (default 127.0.0.1:8080)");
  cmd->add_option("--agent", f->agent, "HTTPS listen address for endpoint agents (default 127.0.0.1:8443)");
  cmd->add_option("--tenant", f->tenant, "tenant for ingested events (default 'default')");
  cmd->add_option("--io-threads", f->io_threads, "network threads (default 2)");
  cmd->add_flag("--demo", f->demo, "load generated demo data (24 h of a few hosts, with an SSH brute force) once");
  cmd->add_option("--ready-file", f->ready_file, "write the bound addresses as JSON here once listening");
  cmd->add_option("--rules", f->rules,
                  "Sigma rule file or folder, repeatable (default <content>/rules when it exists; 'off': no rules)")
      ->allow_extra_args(false);
  cmd->add_option("--content", f->content,
                  "Vigil content folder: Sigma log sources, field names, placeholders (default: $VIGIL_CONTENT or "
                  "the source tree's content/)");
  cmd->add_option("--rules-poll", f->rules_poll,
                  "seconds between checks of the rule files for changes; 0: reload only on SIGHUP or the API "
                  "(default 5)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([f, &exit_code] {
    ServerConfig c;
    if (!f->config.empty()) {
      if (Status s = load_server_config(f->config, c); !s.ok()) {
        spdlog::error("{}", s.message());
        exit_code = 2;
        return;
      }
    }
    auto off = [](const std::string& v) { return v == "off" ? std::string() : v; };
    if (!f->data.empty()) c.data_dir = f->data;
    if (!f->udp.empty()) c.syslog_udp = off(f->udp);
    if (!f->tcp.empty()) c.syslog_tcp = off(f->tcp);
    if (!f->http.empty()) c.http = off(f->http);
    if (!f->agent.empty()) c.agent = off(f->agent);
    if (!f->tenant.empty()) c.tenant = f->tenant;
    if (f->io_threads > 0) c.io_threads = f->io_threads;
    if (!f->content.empty()) c.content_dir = f->content;
    if (!f->rules.empty()) {
      std::vector<std::string> paths;
      for (const std::string& r : f->rules)
        if (r != "off") paths.push_back(r);
      c.rule_paths = std::move(paths);
    }
    if (f->rules_poll >= 0) c.rules_poll_interval_s = f->rules_poll;
    c.demo = f->demo;
    c.ready_file = f->ready_file;
    exit_code = run_server(c);
  });
}

}  // namespace vigil
