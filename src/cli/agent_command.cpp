// `vigil agent --config FILE`: the endpoint agent.
#include <CLI/CLI.hpp>

#include "cli/subcommands.h"

namespace vigil {

void add_agent_command(CLI::App& app, int& exit_code) {
  app.add_subcommand("agent", "Run the endpoint agent: collectors, spool, shipping to the server");
}

}  // namespace vigil
