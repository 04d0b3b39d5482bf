#include "cli/commands.h"

#include <CLI/CLI.hpp>

namespace vigil {

int run_cli(int argc, char** argv) {
  CLI::App app{"Vigil: security telemetry — collect, normalize, detect, store, search."};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace vigil
