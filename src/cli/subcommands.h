// Registration of each `vigil` subcommand; each lives in its own <name>_command.cpp.
// The callback stores the process exit code in `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace vigil {

void add_server_command(CLI::App& app, int& exit_code);
void add_search_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_store_command(CLI::App& app, int& exit_code);
void add_hunt_command(CLI::App& app, int& exit_code);
void add_rules_command(CLI::App& app, int& exit_code);
void add_parse_command(CLI::App& app, int& exit_code);
void add_agent_command(CLI::App& app, int& exit_code);   // the endpoint agent
void add_agents_command(CLI::App& app, int& exit_code);  // server side: enrollment tokens, the agent list
// Subcommands of the `vigil store` group.
void add_store_stats_command(CLI::App& store, int& exit_code);

}  // namespace vigil
