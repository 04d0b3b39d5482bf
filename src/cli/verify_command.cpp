// `vigil verify`: proves a data directory's segments were not altered or removed outside
// retention, against the signed manifest chain (src/store/manifest.h). Exit 0 intact,
// 1 problems found, 2 when the check cannot run.
#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/subcommands.h"
#include "store/manifest.h"

namespace vigil {

namespace {

struct VerifyFlags {
  std::string data = "vigil-data", pubkey, expect_head, format = "text";
};

std::string text_report(const std::string& dir, const manifest::VerifyReport& r) {
  std::string out = "vigil verify " + dir + "\n";
  for (const auto& p : r.problems) out += "PROBLEM  " + p + "\n";
  if (!r.retention.empty()) {
    out += "\nRemoved by retention or merge, as recorded in the chain (not problems):\n";
    for (const auto& s : r.retention) out += "  " + s + "\n";
  }
  if (!r.notes.empty()) {
    out += "\nNotes:\n";
    for (const auto& s : r.notes) out += "  " + s + "\n";
  }
  out += "\n";
  out += "chain:    " + std::to_string(r.entries) + " entries, head " + manifest::to_hex(r.head) + "\n";
  out += "key:      " + (r.key_fingerprint.empty() ? std::string("none") : r.key_fingerprint) + "\n";
  out += "segments: " + std::to_string(r.segments_checked) + " checked, " + std::to_string(r.bytes_hashed) +
         " bytes hashed\n";
  out += r.ok() ? "result:   INTACT\n"
                : "result:   " + std::to_string(r.problems.size()) + (r.problems.size() == 1 ? " PROBLEM" : " PROBLEMS") +
                      "\n";
  out += "Record the head off this machine; later, `vigil verify --expect-head " + manifest::to_hex(r.head) +
         "` proves the chain still holds it.\n";
  return out;
}

std::string json_report(const manifest::VerifyReport& r) {
  auto list = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  boost::json::object o{{"ok", r.ok()},
                        {"problems", list(r.problems)},
                        {"retention", list(r.retention)},
                        {"notes", list(r.notes)},
                        {"entries", r.entries},
                        {"head", manifest::to_hex(r.head)},
                        {"key", r.key_fingerprint},
                        {"segments_checked", r.segments_checked},
                        {"bytes_hashed", r.bytes_hashed}};
  return boost::json::serialize(o) + "\n";
}

int run_verify(const VerifyFlags& f) {
  manifest::VerifyOptions opt;
  if (!f.pubkey.empty()) opt.pubkey_pem_file = f.pubkey;
  if (!f.expect_head.empty()) {
    opt.expect_head = manifest::from_hex(f.expect_head);
    if (!opt.expect_head) {
      std::fprintf(stderr, "vigil verify: --expect-head takes the 64 hex digits printed as 'head' by an earlier run\n");
      return 2;
    }
  }
  if (f.format != "text" && f.format != "json") {
    std::fprintf(stderr, "vigil verify: --format is text or json\n");
    return 2;
  }
  auto report = manifest::verify(f.data, opt);
  if (!report.ok()) {
    std::fprintf(stderr, "vigil verify: %s\n", report.error().c_str());
    return 2;
  }
  std::string out = f.format == "json" ? json_report(*report) : text_report(f.data, *report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return report->ok() ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("verify", "Prove stored events were not altered or removed outside retention");
  cmd->footer(
      "What is checked:\n"
      "  Every sealed segment file is hashed (SHA-256) and compared with the digest recorded for it in the\n"
      "  manifest chain (DATA/manifest/chain.log). Each chain entry is signed (Ed25519) and holds the hash of\n"
      "  the entry before it. A changed byte, a truncated, missing, extra, renamed or swapped segment, and a\n"
      "  changed, removed, reordered or re-signed chain entry are PROBLEMS, named with the segment's file,\n"
      "  partition, events and time range. Segments deleted by retention or merged are recorded in the chain\n"
      "  and listed apart: they are not problems. Crash leftovers the store finishes at its next start are notes.\n"
      "\n"
      "What to keep off this machine (the signing key lives in DATA/keys, so whoever controls the machine can\n"
      "sign):\n"
      "  - the public key: `vigil store pubkey --data DATA --out vigil-manifest.pub`, then verify with\n"
      "    --pubkey vigil-manifest.pub: catches a chain re-signed with a replaced key;\n"
      "  - the head printed by each run: later runs with --expect-head HEAD catch a chain cut at its tail\n"
      "    (together with its segments) or rewritten with the stolen key before that head was recorded.\n"
      "    Entries appended after the last head you recorded are only as trustworthy as the machine.\n"
      "\n"
      "Reads only; safe beside a running server. Exit status: 0 intact, 1 problems found, 2 the check could\n"
      "not run (no such directory, unreadable --pubkey, a bad --expect-head).\n"
      "Examples:\n"
      "  vigil verify --data /var/lib/vigil --pubkey /mnt/offsite/vigil-manifest.pub\n"
      "  vigil verify --data /var/lib/vigil --expect-head 3f1c...e9 --format json");
  auto f = std::make_shared<VerifyFlags>();
  cmd->add_option("--data", f->data, "data directory (default ./vigil-data)");
  cmd->add_option("--pubkey", f->pubkey, "trusted public key (PEM) kept off this machine; default: the data directory's");
  cmd->add_option("--expect-head", f->expect_head, "a head (64 hex digits) recorded by an earlier run: must be in the chain");
  cmd->add_option("--format", f->format, "text or json")->capture_default_str();
  cmd->callback([f, &exit_code] { exit_code = run_verify(*f); });
}

}  // namespace vigil
