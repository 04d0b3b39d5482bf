#include "cli/commands.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/subcommands.h"

namespace vigil {

int run_cli(int argc, char** argv) {
  CLI::App app{
      "Vigil: security telemetry. Collects logs (syslog UDP/TCP, HTTP NDJSON), normalizes them to OCSF,\n"
      "stores them durably and lets you search them.\n\n"
      "Start here:\n"
      "  vigil server --demo                      serve on 127.0.0.1 with generated demo data\n"
      "  vigil search 'class_uid:3002 status_id:2 | stats count() by src_endpoint.ip'\n"
      "  vigil simulate --send udp://127.0.0.1:5514   send demo syslog to a running server\n"
      "  vigil hunt --rules content/rules auth.log Security.evtx   run Sigma rules over log files\n",
      "vigil"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vigil 0.1.0");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();

  int exit_code = 0;
  add_server_command(app, exit_code);
  add_search_command(app, exit_code);
  add_simulate_command(app, exit_code);
  add_verify_command(app, exit_code);
  add_store_command(app, exit_code);
  add_hunt_command(app, exit_code);
  add_rules_command(app, exit_code);
  add_parse_command(app, exit_code);
  add_agent_command(app, exit_code);
  add_agents_command(app, exit_code);

  app.parse_complete_callback([&] {
    auto logger = spdlog::stderr_color_mt("vigil");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    logger->set_level(spdlog::level::from_str(log_level));
    spdlog::set_default_logger(logger);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, whatever CLI11's own code.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace vigil
