// vigil: the single binary. Subcommands live in src/cli/*.cpp.
#include "cli/commands.h"

int main(int argc, char** argv) { return vigil::run_cli(argc, argv); }
