// `vigil store hold ...` and `vigil store retention plan`: legal holds and retention
// from the command line. Registered under the `vigil store` group.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "core/status.h"
#include "store/partition.h"

namespace CLI {
class App;
}

namespace vigil {

// Adds to `store_group`:
//   hold add    --data DIR --id ID --tenant GLOB --from TIME --to TIME --reason TEXT [--by NAME]
//   hold remove --data DIR --id ID
//   hold list   --data DIR [--format table|json]
// The callbacks store the process exit code in `exit_code` (0 ok, 1 error).
void add_store_hold_commands(CLI::App& store_group, int& exit_code);

// The partitions present in a data directory (the store knows how to list them).
using PartitionLister = std::function<Result<std::vector<PartitionKey>>(const std::filesystem::path& data_dir)>;

// Adds to `store_group`:
//   retention plan --data DIR --config FILE [--now TIME] [--format table|json]
// which prints the partitions retention would drop now, and those past retention but
// kept by a legal hold, with the policy and holds that decide. Changes nothing.
void add_store_retention_commands(CLI::App& store_group, int& exit_code, PartitionLister list_partitions);

}  // namespace vigil
