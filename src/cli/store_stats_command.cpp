// `vigil store stats`: what a data directory holds and how well it compresses, per
// partition and per field. Read-only, safe beside a running server.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/subcommands.h"
#include "store/store_report.h"

namespace vigil {

void add_store_stats_command(CLI::App& store, int& exit_code) {
  struct Flags {
    std::string data = "vigil-data", format = "table";
    size_t fields = 20;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = store.add_subcommand(
      "stats",
      "Rows, raw bytes, stored bytes and compression ratio per partition and per field.\n"
      "A partition is tenant/day/OCSF class/input: the unit retention drops. RAW is the text as\n"
      "received; STORED is what the segment files take on disk, token index (INDEX) included.\n"
      "Events acknowledged but not yet sealed into segments are counted apart (WAL).\n\n"
      "  vigil store stats --data vigil-data\n"
      "  vigil store stats --data vigil-data --format json | jq .total.ratio");
  cmd->add_option("--data", flags->data, "data directory")->capture_default_str();
  cmd->add_option("--format", flags->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->add_option("--fields", flags->fields, "how many fields to list in the table, largest first")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] {
    auto report = report_store(flags->data);
    if (!report.ok()) {
      std::fprintf(stderr, "vigil store stats: %s\n", report.error().c_str());
      exit_code = 1;
      return;
    }
    std::string out = flags->format == "json" ? format_report_json(*report) : format_report_table(*report, flags->fields);
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace vigil
