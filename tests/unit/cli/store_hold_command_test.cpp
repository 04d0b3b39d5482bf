// `vigil store hold ...` and `vigil store retention plan`, driven through CLI11 in-process.
#include "cli/store_hold_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>

#include "store/retention.h"
#include "vigil_process.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using vigil::test::TempDir;


struct CliRun {
  int exit_code = 0;
  std::string out, err;
};

std::vector<PartitionKey> g_partitions;

// Runs `vigil store <args>` with the store group built the way the real one will be.
CliRun run(std::vector<std::string> args) {
  CLI::App app{"vigil", "vigil"};
  auto* store = app.add_subcommand("store", "store");
  store->require_subcommand(1);
  CliRun r;
  add_store_hold_commands(*store, r.exit_code);
  add_store_retention_commands(*store, r.exit_code,
                               [](const fs::path&) -> Result<std::vector<PartitionKey>> { return g_partitions; });
  args.insert(args.begin(), "store");
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    r.exit_code = app.exit(e);
  }
  r.out = ::testing::internal::GetCapturedStdout();
  r.err = ::testing::internal::GetCapturedStderr();
  return r;
}

TEST(StoreHoldCommand, AddListRemove) {
  TempDir dir;
  const std::string data = dir.path.string();
  CliRun add = run({"hold", "add", "--data", data, "--id", "case-1", "--tenant", "acme", "--from", "2026-10-01", "--to",
                    "2026-11-30T23:59:59Z", "--reason", "counsel request", "--by", "alice"});
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out,
            "hold case-1 placed: tenant acme, events from 2026-10-01T00:00:00.000Z to 2026-11-30T23:59:59.000Z\n");

  CliRun dup = run({"hold", "add", "--data", data, "--id", "case-1", "--tenant", "*", "--from", "-7d", "--to", "now",
                    "--reason", "again"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.err,
            "vigil store hold add: a hold with id 'case-1' exists already (tenant acme, reason: counsel request)\n");

  CliRun bad_time = run({"hold", "add", "--data", data, "--id", "case-2", "--tenant", "*", "--from", "last week",
                         "--to", "now", "--reason", "x"});
  EXPECT_EQ(bad_time.exit_code, 1);
  EXPECT_EQ(bad_time.err,
            "vigil store hold add: bad time 'last week' for --from: use RFC 3339 (2026-11-22T06:00:00Z, 2026-11-22) or "
            "relative (-30d, now)\n");

  CliRun missing = run({"hold", "add", "--data", data, "--id", "case-2"});
  EXPECT_NE(missing.exit_code, 0);

  CliRun list = run({"hold", "list", "--data", data});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("ID      TENANT  FROM"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("case-1  acme    2026-10-01T00:00:00.000Z  2026-11-30T23:59:59.000Z"), std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("alice  counsel request\n"), std::string::npos) << list.out;

  CliRun json = run({"hold", "list", "--data", data, "--format", "json"});
  EXPECT_EQ(json.exit_code, 0);
  auto parsed = parse_holds(json.out, "stdout");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].created_by, "alice");
  EXPECT_EQ((*parsed)[0].created % kNsPerSec, 0);
  EXPECT_LE(now_ns() - (*parsed)[0].created, 60 * kNsPerSec);

  CliRun rm = run({"hold", "remove", "--data", data, "--id", "case-1"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "hold case-1 removed (tenant acme, reason: counsel request)\n");
  CliRun rm2 = run({"hold", "remove", "--data", data, "--id", "case-1"});
  EXPECT_EQ(rm2.exit_code, 1);
  EXPECT_EQ(rm2.err,
            "vigil store hold remove: no hold with id 'case-1' in " + (dir.path / "legal-holds.json").string() + "\n");
  CliRun empty = run({"hold", "list", "--data", data});
  EXPECT_EQ(empty.out, "no legal holds in " + data + "\n");

  CliRun nodir = run({"hold", "list", "--data", data + "/nope"});
  EXPECT_EQ(nodir.exit_code, 1);
}

TEST(StoreHoldCommand, RetentionPlan) {
  TempDir dir;
  const std::string data = dir.path.string();
  const fs::path config = dir.path / "vigil.yaml";
  const std::string good =
      "data: /x\nretention:\n  default_days: 365\n  policies:\n"
      "    - name: network flows\n      categories: [network]\n      days: 30\n";
  std::ofstream(config) << good;
  g_partitions = {*PartitionKey::parse("acme/2026-09-01/4001/http"), *PartitionKey::parse("acme/2026-09-02/4001/http"),
                  *PartitionKey::parse("acme/2026-11-01/4001/http"), *PartitionKey::parse("acme/2026-09-01/3002/http")};
  ASSERT_EQ(run({"hold", "add", "--data", data, "--id", "case-9", "--tenant", "acme", "--from", "2026-09-02", "--to",
                 "2026-09-02", "--reason", "r"})
                .exit_code,
            0);
  CliRun plan =
      run({"retention", "plan", "--data", data, "--config", config.string(), "--now", "2026-11-22T12:00:00Z"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_EQ(plan.out,
            "ACTION  PARTITION                  POLICY                  HELD BY\n"
            "drop    acme/2026-09-01/4001/http  network flows: 30 days\n"
            "held    acme/2026-09-02/4001/http  network flows: 30 days  case-9\n"
            "4 partitions as of 2026-11-22T12:00:00.000Z: 1 to drop, 1 past retention but held, 2 kept\n");

  CliRun json = run({"retention", "plan", "--data", data, "--config", config.string(), "--now", "2026-11-22T12:00:00Z",
                     "--format", "json"});
  EXPECT_EQ(json.out,
            R"({"now":"2026-11-22T12:00:00.000Z","partitions":4,"drop":[{"partition":"acme/2026-09-01/4001/http",)"
            R"("policy":"network flows: 30 days"}],"held":[{"partition":"acme/2026-09-02/4001/http",)"
            R"("policy":"network flows: 30 days","holds":["case-9"]}]})"
            "\n");

  std::ofstream(config) << "retention:\n  default_days: forever\n";
  CliRun bad = run({"retention", "plan", "--data", data, "--config", config.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("retention.default_days (line 2)"), std::string::npos) << bad.err;

  // A corrupt holds file stops the plan: nothing may be judged droppable without the holds.
  std::ofstream(config) << good;
  std::ofstream(dir.path / "legal-holds.json") << "{not json";
  CliRun corrupt = run({"retention", "plan", "--data", data, "--config", config.string()});
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.err.find("legal holds file " + (dir.path / "legal-holds.json").string()), std::string::npos)
      << corrupt.err;
}

}  // namespace
}  // namespace vigil
