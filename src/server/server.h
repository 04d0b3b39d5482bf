// `vigil server`: opens the store, starts the inputs (syslog UDP/TCP, HTTP) and the
// API, optionally loads demo data, and runs until SIGINT/SIGTERM.
#pragma once

#include "server/config.h"

namespace vigil {

// Returns the process exit code.
int run_server(const ServerConfig& config);

}  // namespace vigil
