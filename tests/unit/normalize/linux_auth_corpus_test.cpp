// Coverage of the Linux auth mapping on real logs: loghub's OpenSSH and Linux samples
// and the sshd/sudo/su/PAM/account-tool lines of Wazuh's ruleset tests. Prints, per
// program, how many lines map to an OCSF class and the shapes of those that fall to
// Base Event, and holds the coverage reached as a floor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "normalize/syslog_event.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = VIGIL_CORPUS_DIR;

// Coverage reached; raise them when the mapping learns more, never lower them.
constexpr int kFloorOpenSsh = 1649;
constexpr int kFloorLinuxSshd = 561;
constexpr int kFloorLinuxSu = 172;
constexpr int kFloorWazuhSshd = 47;

struct Counts {
  int total = 0;
  int mapped = 0;
  int parse_errors = 0;
  std::map<std::string, int> unmapped_shapes;
};

// "Connection closed by 1.2.3.4 port 22" -> "Connection closed by N.N.N.N port N".
std::string shape(std::string_view msg) {
  std::string out;
  bool in_digits = false;
  for (char c : msg.substr(0, 110)) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!in_digits) out += 'N';
      in_digits = true;
    } else {
      out += c;
      in_digits = false;
    }
  }
  return out;
}

bool is_auth_program(std::string_view app) {
  static const char* const kApps[] = {"sshd",    "sshd-session", "sudo",     "su",       "login",
                                      "useradd", "userdel",      "usermod",  "groupadd", "groupdel",
                                      "passwd",  "chpasswd",     "gpasswd"};
  for (const char* a : kApps)
    if (app == a) return true;
  return app.ends_with("(pam_unix)");
}

class Coverage {
 public:
  // Normalizes `line`; counts it under its program when `only_auth` lets it through.
  void add(const std::string& line, bool only_auth) {
    Provenance p;
    p.receive_time = 1'700'000'000LL * kNsPerSec;
    EventBatch batch;
    append_syslog_event(line, p, batch);
    const Event& e = batch[0];
    static const FieldId kApp = field_id("process.name");
    static const FieldId kActorApp = field_id("actor.process.name");
    static const FieldId kClass = field_id("class_uid");
    static const FieldId kMessage = field_id("message");
    const Value* app = batch.find(e, kApp);
    const Value* cls = batch.find(e, kClass);
    if (cls && cls->i64 == 1007) app = batch.find(e, kActorApp);
    std::string program = app ? std::string(app->as_string()) : "(none)";
    const Value* msg = batch.find(e, kMessage);
    std::string_view text = msg ? msg->as_string() : std::string_view{};
    if (only_auth && !is_auth_program(program) && !text.starts_with("pam_")) return;
    Counts& c = by_program_[program];
    ++c.total;
    if (e.flags & kFlagParseError) ++c.parse_errors;
    if (cls && cls->i64 != 0) {
      ++c.mapped;
    } else {
      ++c.unmapped_shapes[shape(text)];
    }
  }

  const Counts& get(const std::string& program) { return by_program_[program]; }

  void print(const char* title) const {
    std::printf("== %s\n", title);
    for (const auto& [program, c] : by_program_) {
      std::printf("  %-20s %5d lines  %5d mapped  %5d base event  %d parse errors\n", program.c_str(), c.total,
                  c.mapped, c.total - c.mapped, c.parse_errors);
      std::vector<std::pair<int, std::string>> shapes;
      for (const auto& [s, n] : c.unmapped_shapes) shapes.emplace_back(n, s);
      std::sort(shapes.rbegin(), shapes.rend());
      if (!is_auth_program(program)) continue;  // other programs are out of scope; no shape list
      for (const auto& [n, s] : shapes) std::printf("      %4d x %s\n", n, s.c_str());
    }
  }

 private:
  std::map<std::string, Counts> by_program_;
};

bool read_lines(const fs::path& path, const std::function<void(const std::string&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) fn(line);
  }
  return true;
}

#define REQUIRE_CORPUS(path)                                                                       \
  if (!fs::exists(path)) GTEST_SKIP() << "corpus not found at " << (path).string()                 \
                                      << " (shared/corpus is not part of a clone; nothing to check)"

TEST(LinuxAuthCorpus, LoghubOpenSsh) {
  fs::path path = kCorpus / "loghub/OpenSSH/OpenSSH_2k.log";
  REQUIRE_CORPUS(path);
  Coverage cov;
  ASSERT_TRUE(read_lines(path, [&](const std::string& l) { cov.add(l, false); }));
  cov.print("loghub OpenSSH_2k.log");
  const Counts& c = cov.get("sshd");
  EXPECT_EQ(c.total, 2000);
  EXPECT_EQ(c.parse_errors, 0);
  EXPECT_GE(c.mapped, kFloorOpenSsh);
}

TEST(LinuxAuthCorpus, LoghubLinux) {
  fs::path path = kCorpus / "loghub/Linux/Linux_2k.log";
  REQUIRE_CORPUS(path);
  Coverage cov;
  ASSERT_TRUE(read_lines(path, [&](const std::string& l) { cov.add(l, false); }));
  cov.print("loghub Linux_2k.log");
  EXPECT_GE(cov.get("sshd(pam_unix)").mapped, kFloorLinuxSshd);
  EXPECT_GE(cov.get("su(pam_unix)").mapped, kFloorLinuxSu);
}

TEST(LinuxAuthCorpus, WazuhRulesetTests) {
  fs::path dir = kCorpus / "wazuh-ruleset-tests";
  REQUIRE_CORPUS(dir);
  Coverage cov;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".ini") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    read_lines(f, [&](const std::string& l) {
      // "log 3 pass = <line>" / "log 2 fail = <line>"
      if (!l.starts_with("log ")) return;
      size_t eq = l.find(" = ");
      if (eq == std::string::npos) return;
      cov.add(l.substr(eq + 3), true);
    });
  }
  cov.print("wazuh-ruleset-tests (auth programs)");
  int total = 0, mapped = 0;
  for (const char* p : {"sshd", "sudo", "su", "su(pam_unix)", "sshd(pam_unix)", "useradd"}) {
    total += cov.get(p).total;
    mapped += cov.get(p).mapped;
  }
  std::printf("  auth programs total: %d/%d mapped\n", mapped, total);
  EXPECT_GE(cov.get("sshd").mapped, kFloorWazuhSshd);
  EXPECT_EQ(cov.get("sudo").mapped, cov.get("sudo").total);
  EXPECT_EQ(cov.get("su").mapped, cov.get("su").total);
  EXPECT_EQ(cov.get("su(pam_unix)").mapped, cov.get("su(pam_unix)").total);
}

}  // namespace
}  // namespace vigil
