// The `vigil` command line: subcommand registration and dispatch.
#pragma once

namespace vigil {

int run_cli(int argc, char** argv);

}  // namespace vigil
