// Conformance over Wazuh's ruleset test lines (../shared/corpus/wazuh-ruleset-tests):
// for every product Vigil claims, each line must be taken by the right parser (pack
// or built-in reader) and yield its key fields. The oracle is the line itself: every
// IPv4 address in it must come out as a typed IP field, a line that carries a time
// must have its event time read from it, and nothing may be flagged a parse error.
// Prints the share per product; asserts the floor each product has reached.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"
#include "re2/re2.h"
#include "wazuh_test_lines.h"

namespace vigil {
namespace {

const std::string kDir = std::string(VIGIL_CORPUS_DIR) + "/wazuh-ruleset-tests";

struct Product {
  const char* name;
  std::vector<const char*> files;
  std::vector<const char*> parsers;  // metadata.log_provider or metadata.product.name of a right parser
  double floor;                      // share of lines that must pass: what has been reached (a regression guard)
};

const std::vector<Product>& products() {
  static const std::vector<Product> kProducts = {
      {"sshd", {"sshd.ini"}, {"linux-auth", "sshd"}, 1.0},
      {"sudo", {"sudo.ini"}, {"linux-auth"}, 1.0},
      {"su", {"su.ini"}, {"linux-auth"}, 1.0},
      {"pam", {"pam.ini"}, {"linux-auth", "pam"}, 1.0},
      {"systemd", {"systemd.ini"}, {"systemd"}, 1.0},
      {"iptables", {"iptables.ini"}, {"netfilter"}, 1.0},
      {"auditd", {"auditd.ini", "audit_scp.ini"}, {"auditd"}, 1.0},
      {"fortigate", {"fortigate.ini"}, {"fortigate"}, 1.0},
      {"sophos-xg", {"sophos_fw.ini"}, {"sophos-xg"}, 1.0},
      {"cisco-asa", {"cisco_asa.ini", "pix.ini"}, {"cisco-asa"}, 1.0},
      {"cisco-ftd", {"cisco_ftd.ini"}, {"cisco-asa"}, 1.0},
      {"paloalto", {"paloalto.ini"}, {"paloalto"}, 1.0},
      {"pfsense", {"pfsense.ini"}, {"pfsense"}, 1.0},
      {"nginx", {"nginx.ini"}, {"nginx", "web-access"}, 1.0},
      {"apache", {"apache.ini"}, {"apache", "web-access"}, 1.0},
      {"web-access", {"web_rules.ini"}, {"web-access", "iis"}, 1.0},
      {"gcp", {"gcp.ini"}, {"gcp-audit", "gcp-storage"}, 1.0},
      {"aws-security-lake", {"amazon_sec_lake.ini"}, {"ocsf"}, 1.0},
      {"windows-security", {"win_security.ini"}, {"Microsoft Windows"}, 1.0},
      {"sysmon", {"sysmon.ini", "sysmon_eid_1.ini", "sysmon_eid_3.ini", "sysmon_eid_7.ini", "sysmon_eid_8.ini",
                  "sysmon_eid_10.ini", "sysmon_eid_11.ini", "sysmon_eid_13.ini", "sysmon_eid_20.ini"},
       {"Sysmon", "Microsoft Windows"}, 0.98},
      {"macos", {"macos.ini"}, {"macos-unified"}, 1.0},
  };
  return kProducts;
}

std::vector<std::string> read_lines(const std::string& file) { return test_support::wazuh_lines(file); }

// A time the line carries (an impossible date such as "May 00" or "2020/00/00", as
// anonymized samples have, is no time).
bool has_time_text(const std::string& line) {
  static const RE2 kImpossible(R"([A-Z][a-z]{2} 00 |\d{4}/00/|/\d\d/00 |-00-|-\d\d-00[T ])");
  if (RE2::PartialMatch(line, kImpossible)) return false;
  static const RE2 kTime(
      R"re(\d{4}-\d\d-\d\d[T ]\d\d:\d\d|[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d|\d{4}/\d\d/\d\d \d\d:\d\d|\d\d/[A-Z][a-z]{2}/\d{4}:\d\d|audit\(\d{9,}|"(time|timestamp|systemTime|eventTime)"\s*:)re");
  return RE2::PartialMatch(line, kTime);
}

// The IPv4 addresses of endpoints in the line. Networks are not endpoints: an address
// written as a CIDR prefix ("10.0.0.0/8" in a JSON string) or as one end of a range
// ("172.16.0.0-172.31.255.255") is left out.
std::vector<std::string> ipv4s(const std::string& line) {
  // RE2 has no look-around: the character before is consumed, the one after checked by hand.
  static const RE2 kIp(R"((?:^|[^0-9.])((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))");
  static const RE2 kCidrAfter(R"(^/\d{1,2}(\D|$))");
  static const RE2 kRangeAfter(R"(^-\d{1,3}\.\d)");
  static const RE2 kRangeBefore(R"(\d\.\d{1,3}-$)");
  // A version or an OID written like an address ("fileVersion": "4.0.0.0", "attributeSyntaxOID": "2.5.5.12").
  static const RE2 kVersionKey(R"re("[A-Za-z]*(?:[Vv]ersion|OID|Oid)"\s*:\s*"$)re");
  // ... also in a rendered message: "Syntax (OID):\t2.5.5.12".
  static const RE2 kVersionLabel(R"re((?:OID|[Vv]ersion)\)?:\s*(?:\\t)?$)re");
  std::vector<std::string> out;
  re2::StringPiece rest(line);
  re2::StringPiece ip;
  while (RE2::FindAndConsume(&rest, kIp, &ip)) {
    const size_t at = static_cast<size_t>(ip.data() - line.data());
    const size_t end = at + ip.size();
    // The greedy octets stop where an address ends; a following digit or dot means the
    // text was longer than an address (a version such as 1.2.3.4.5), which is no endpoint.
    if (end < line.size() && (line[end] == '.' || (line[end] >= '0' && line[end] <= '9'))) {
      while (!rest.empty() && (rest[0] == '.' || (rest[0] >= '0' && rest[0] <= '9'))) rest.remove_prefix(1);
      continue;
    }
    const std::string after = line.substr(end, 8);
    const std::string before = line.substr(at >= 8 ? at - 8 : 0, std::min<size_t>(8, at));
    const bool json_cidr = RE2::PartialMatch(after, kCidrAfter) && line.find('"') != std::string::npos && line[0] == '{';
    const std::string key_before = line.substr(at >= 48 ? at - 48 : 0, std::min<size_t>(48, at));
    if (RE2::PartialMatch(key_before, kVersionKey) || RE2::PartialMatch(key_before, kVersionLabel)) continue;
    if (json_cidr || RE2::PartialMatch(after, kRangeAfter) || RE2::PartialMatch(before, kRangeBefore)) continue;
    out.emplace_back(ip.data(), ip.size());
  }
  return out;
}

std::string string_field(const EventBatch& b, const Event& e, std::string_view name) {
  FieldId id = field_dictionary().find(name);
  if (id == kNoField) return {};
  const Value* v = b.find(e, id);
  return v && v->type == FieldType::String ? std::string(v->as_string()) : std::string();
}

// Why a line fails, or empty when it passes.
std::string judge(const std::string& line, const Product& product, const PackSet& packs) {
  LineNormalizer normalizer(NormalizerOptions{.packs = std::shared_ptr<const PackSet>(&packs, [](const PackSet*) {})});
  EventBatch batch;
  const TimeNs receive = 1'796'000'000LL * kNsPerSec;
  normalizer.add_line(line, Provenance{.receive_time = receive, .input = "test"}, batch);
  normalizer.flush(batch);
  if (batch.size() != 1) return "gave " + std::to_string(batch.size()) + " events";
  const Event& e = batch[0];
  if (e.flags & kFlagParseError) return "parse error: " + std::string(e.parse_error);
  const std::string provider = string_field(batch, e, "metadata.log_provider");
  const std::string product_name = string_field(batch, e, "metadata.product.name");
  bool right = false;
  for (const char* p : product.parsers) right |= provider == p || product_name == p;
  if (!right) return "taken by '" + provider + "' / '" + product_name + "'";
  if (has_time_text(line) && (e.flags & kFlagNoTimestamp)) return "time not read";
  std::set<std::string> ips;
  for (const Field& f : batch.fields(e))
    if (f.value.type == FieldType::Ip) {
      IpAddress ip;
      std::memcpy(ip.bytes.data(), f.value.ip, 16);
      ip.is_v4 = f.value.ip_v4;
      ips.insert(ip.to_string());
      if (!ip.is_v4 && ip.bytes[10] == 0xff && ip.bytes[11] == 0xff &&
          std::all_of(ip.bytes.begin(), ip.bytes.begin() + 10, [](uint8_t b) { return b == 0; }))
        ips.insert(std::to_string(ip.bytes[12]) + "." + std::to_string(ip.bytes[13]) + "." + std::to_string(ip.bytes[14]) +
                   "." + std::to_string(ip.bytes[15]));  // ::ffff:a.b.c.d is a.b.c.d
    }
  // An address inside a command line is an argument of the process, not an endpoint
  // of the event ("psexec.py domain/admin@192.168.0.57").
  std::string command_lines;
  for (const Field& f : batch.fields(e)) {
    const std::string_view name = field_name(f.id);
    if (f.value.type == FieldType::String && (name.ends_with("cmd_line") || name.ends_with("CommandLine")))
      command_lines.append(f.value.as_string()).push_back('\n');
  }
  for (const std::string& ip : ipv4s(line))
    if (!ips.count(ip) && command_lines.find(ip) == std::string::npos) return "address " + ip + " not a typed IP field";
  return {};
}

TEST(WazuhCorpus, EveryProductLineIsRecognizedWithItsKeyFields) {
  if (!std::ifstream(kDir + "/sshd.ini")) GTEST_SKIP() << "no corpus at " << kDir << " (../shared/corpus is not part of a user's clone)";
  PackLoad load = load_pack_dir(default_parsers_dir());
  for (const std::string& r : load.refusals) ADD_FAILURE() << "pack refused: " << r;
  PackSet packs(std::move(load.packs));
  std::printf("%-20s %6s %6s %7s\n", "product", "lines", "pass", "share");
  for (const Product& product : products()) {
    size_t lines = 0, pass = 0;
    std::vector<std::string> failures;
    for (const char* file : product.files) {
      for (const std::string& line : read_lines(kDir + "/" + file)) {
        ++lines;
        std::string why = judge(line, product, packs);
        if (why.empty()) ++pass;
        else if (failures.size() < (std::getenv("VIGIL_WAZUH_ALL") ? 200u : 3u)) failures.push_back(why + ": " + line.substr(0, 160));
      }
    }
    const double share = lines ? static_cast<double>(pass) / lines : 0;
    std::printf("%-20s %6zu %6zu %6.1f%%\n", product.name, lines, pass, 100 * share);
    for (const std::string& f : failures) std::printf("    %s\n", f.c_str());
    EXPECT_GE(share, product.floor) << product.name;
  }
}

}  // namespace
}  // namespace vigil
