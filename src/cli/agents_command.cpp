// `vigil agents`: the server side of enrollment (one-time tokens) and the agent list.
#include <CLI/CLI.hpp>

#include "cli/subcommands.h"

namespace vigil {

void add_agents_command(CLI::App& app, int& exit_code) {
  app.add_subcommand("agents", "Enroll endpoint agents and list them (server side)");
}

}  // namespace vigil
