// Normalization throughput per pack family, one core: lines through the same path as
// ingest (LineNormalizer: syslog header, the project's parser packs, OCSF fields into
// batches of 1,024 events). Lines come from the corpus (Wazuh ruleset samples, loghub),
// replayed until each family has run for --seconds of thread CPU time.
//   cmake --preset release && cmake --build build/release --target normalize_bench
//   build/release/bench/normalize_bench [--seconds 3]
// Results: bench/RESULTS.md.
#include <time.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"
#include "wazuh_test_lines.h"

namespace vigil {
namespace {

double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

const std::string kCorpus = VIGIL_CORPUS_DIR;

// "log N pass = <line>" lines of Wazuh's ruleset tests.
std::vector<std::string> wazuh(const std::vector<const char*>& files) {
  std::vector<std::string> out;
  for (const char* f : files)
    for (std::string& line : test_support::wazuh_lines(kCorpus + "/wazuh-ruleset-tests/" + f)) out.push_back(std::move(line));
  return out;
}

std::vector<std::string> file_lines(const std::string& rel) {
  std::vector<std::string> out;
  std::ifstream in(kCorpus + "/" + rel);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct Family {
  const char* name;
  std::vector<std::string> lines;
};

}  // namespace
}  // namespace vigil

int main(int argc, char** argv) {
  using namespace vigil;
  double seconds = 3;
  std::string only;  // --only TEXT: the families whose name holds TEXT (for profiling one)
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
  }
  PackLoad load = load_pack_dir(default_parsers_dir());
  for (const auto& r : load.refusals) std::fprintf(stderr, "refused: %s\n", r.c_str());
  auto packs = std::make_shared<const PackSet>(std::move(load.packs));

  std::vector<Family> families = {
      {"syslog: loghub OpenSSH (sshd, linux-auth)", file_lines("loghub/OpenSSH/OpenSSH_2k.log")},
      {"syslog: loghub Linux (PAM, su, kernel ...)", file_lines("loghub/Linux/Linux_2k.log")},
      {"syslog: Wazuh sshd/sudo/su/PAM samples", wazuh({"sshd.ini", "sudo.ini", "su.ini", "pam.ini"})},
      {"key=value: FortiGate", wazuh({"fortigate.ini"})},
      {"key=value: Sophos XG", wazuh({"sophos_fw.ini"})},
      {"key=value: netfilter (iptables)", wazuh({"iptables.ini"})},
      {"regex: Cisco ASA/FTD/PIX", wazuh({"cisco_asa.ini", "cisco_ftd.ini", "pix.ini"})},
      {"CSV: Palo Alto", wazuh({"paloalto.ini"})},
      {"CEF: F5 ASM and others", {}},
      {"web access/error logs", wazuh({"web_rules.ini", "nginx.ini", "apache.ini"})},
      {"JSON: GCP audit", wazuh({"gcp.ini"})},
      {"JSON: Windows (Wazuh eventchannel)", wazuh({"sysmon_eid_1.ini", "sysmon_eid_3.ini", "win_security.ini"})},
  };
  for (const std::string& l : wazuh({"f5_big_ip.ini", "fireeye.ini"}))
    if (l.find("CEF:") != std::string::npos) families[8].lines.push_back(l);

  std::printf("%-44s %7s %12s %9s %7s\n", "family", "lines", "lines/s/core", "MB/s", "mapped");
  for (Family& fam : families) {
    if (!only.empty() && std::string(fam.name).find(only) == std::string::npos) continue;
    if (fam.lines.empty()) {
      std::printf("%-44s (corpus lines not found)\n", fam.name);
      continue;
    }
    size_t bytes_per_pass = 0;
    for (const auto& l : fam.lines) bytes_per_pass += l.size();
    LineNormalizer normalizer(NormalizerOptions{.packs = packs});
    // Share of lines a pack (or a built-in reader) mapped: a Base Event from a header
    // alone does not count.
    size_t mapped = 0;
    {
      EventBatch b;
      for (const auto& l : fam.lines) {
        const size_t before = b.size();
        normalizer.add_line(l, Provenance{.receive_time = 1'796'000'000LL * kNsPerSec, .input = "bench"}, b);
        if (b.size() > before && !(b[b.size() - 1].flags & kFlagParseError) && normalizer.last_pack()) ++mapped;
        else if (b.size() > before && !(b[b.size() - 1].flags & kFlagParseError) && !normalizer.last_pack()) {
          // Windows JSON and other built-in readers are not packs: count them by their class.
          for (const Field& f : b.fields(b[b.size() - 1]))
            if (field_name(f.id) == "class_uid" && f.value.i64 != 0) ++mapped;
        }
      }
    }
    size_t lines = 0;
    const double start = thread_cpu_s();
    double now = start;
    while (now - start < seconds) {
      EventBatch batch;
      batch.reserve(1024, 1024 * 32);
      const Provenance p{.receive_time = 1'796'000'000LL * kNsPerSec, .source = "bench", .input = "bench"};
      for (size_t i = 0; i < fam.lines.size(); ++i) {
        normalizer.add_line(fam.lines[i], p, batch);
        if (batch.size() >= 1024) batch = EventBatch();
      }
      lines += fam.lines.size();
      now = thread_cpu_s();
    }
    const double cpu = now - start;
    const double passes = static_cast<double>(lines) / static_cast<double>(fam.lines.size());
    std::printf("%-44s %7zu %12.0f %9.1f %6.1f%%\n", fam.name, fam.lines.size(), lines / cpu,
                passes * bytes_per_pass / cpu / 1e6, 100.0 * mapped / fam.lines.size());
  }
  return 0;
}
