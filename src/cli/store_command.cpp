// `vigil store ...`: commands about a data directory's store: `stats`, `hold`,
// `retention plan`, and `pubkey`, which exports the public key that signs the manifest
// chain, to keep off the machine for `vigil verify --pubkey`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/store_hold_command.h"
#include "cli/subcommands.h"
#include "store/io.h"
#include "store/manifest.h"
#include "store/store_report.h"

namespace vigil {

namespace {

int run_pubkey(const std::string& data, const std::string& out) {
  std::filesystem::path path = std::filesystem::path(data) / manifest::kPubFile;
  std::string pem;
  if (Status s = io::read_all(path, pem); !s.ok()) {
    std::fprintf(stderr,
                 "vigil store pubkey: %s\n(the store creates its signing key when it first opens the directory: "
                 "`vigil server --data %s`)\n",
                 s.message().c_str(), data.c_str());
    return 1;
  }
  auto fp = manifest::key_fingerprint(pem);
  if (!fp.ok()) {
    std::fprintf(stderr, "vigil store pubkey: %s: %s\n", path.c_str(), fp.error().c_str());
    return 1;
  }
  if (out.empty()) {
    std::fwrite(pem.data(), 1, pem.size(), stdout);
  } else if (Status s = io::write_file_atomic(std::filesystem::absolute(out), pem); !s.ok()) {
    // (absolute: a bare file name has no parent directory for write_file_atomic to fsync)
    std::fprintf(stderr, "vigil store pubkey: %s\n", s.message().c_str());
    return 1;
  } else {
    std::fprintf(stderr, "wrote %s\n", out.c_str());
  }
  std::fprintf(stderr, "fingerprint %s\n", fp->c_str());
  return 0;
}

}  // namespace

void add_store_command(CLI::App& app, int& exit_code) {
  auto* store = app.add_subcommand(
      "store", "Inspect and manage a data directory: stats, signing key, legal holds, retention plan");
  store->require_subcommand(1);
  add_store_stats_command(*store, exit_code);
  add_store_hold_commands(*store, exit_code);
  add_store_retention_commands(*store, exit_code, [](const std::filesystem::path& dir) -> Result<std::vector<PartitionKey>> {
    auto report = report_store(dir);
    if (!report.ok()) return report.status();
    std::vector<PartitionKey> keys;
    for (const auto& p : report->partitions) {
      auto k = PartitionKey::parse(p.name);
      if (!k.ok()) return k.status();
      keys.push_back(std::move(*k));
    }
    return keys;
  });

  auto* pubkey = store->add_subcommand("pubkey", "Print or export the public key that signs the manifest chain (PEM)");
  pubkey->footer(
      "Keep this key off the machine that runs Vigil (another host, a ticket, a printout of the fingerprint):\n"
      "`vigil verify --pubkey FILE` then catches a manifest chain re-signed with a replaced key.\n"
      "Examples:\n"
      "  vigil store pubkey --data /var/lib/vigil --out vigil-manifest.pub\n"
      "  vigil store pubkey --data /var/lib/vigil | ssh audit-host 'cat > vigil-manifest.pub'");
  struct PubkeyFlags {
    std::string data = "vigil-data", out;
  };
  auto f = std::make_shared<PubkeyFlags>();
  pubkey->add_option("--data", f->data, "data directory (default ./vigil-data)");
  pubkey->add_option("--out", f->out, "write the PEM here instead of standard output");
  pubkey->callback([f, &exit_code] { exit_code = run_pubkey(f->data, f->out); });
}

}  // namespace vigil
