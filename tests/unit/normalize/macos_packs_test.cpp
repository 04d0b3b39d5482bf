// The macOS parser packs (macos-es, jamf-protect, macos-unified-json) over the real
// samples in ../shared/corpus/macos: every line must be taken by its pack without a
// parse error, and the fields an analyst reads must come out as the input says (the
// expected values below were read from the corpus lines by hand). Also the two mapping
// features these packs brought to the engine: "key[N]" sources and join_all.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "first_event.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using testing::FirstEvent;

const fs::path kMacos = fs::path(VIGIL_CORPUS_DIR) / "macos";

const PackSet& packs() {
  static const PackSet* kPacks = [] {
    PackLoad load = load_pack_dir(default_parsers_dir());
    for (const std::string& r : load.refusals)
      if (r.find("macos-") != std::string::npos || r.find("jamf-protect") != std::string::npos)
        ADD_FAILURE() << "pack refused: " << r;
    return new PackSet(std::move(load.packs));
  }();
  return *kPacks;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
  return out;
}

void normalize(const std::string& line, FirstEvent& into) {
  LineNormalizer n(NormalizerOptions{.packs = std::shared_ptr<const PackSet>(&packs(), [](const PackSet*) {})});
  n.add_line(line, Provenance{.receive_time = 1'796'000'000LL * kNsPerSec, .input = "test"}, into.batch);
  n.flush(into.batch);
}

// Line `n` (from 1) of a corpus file, normalized.
bool line_of(const fs::path& file, size_t n, FirstEvent& into) {
  std::vector<std::string> lines = read_lines(file);
  if (n == 0 || n > lines.size()) return false;
  normalize(lines[n - 1], into);
  return into.batch.size() == 1;
}

TimeNs time_of(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

// Every line of a source: one event, the right pack, no parse error, the time read.
void check_source(const std::string& name, const std::vector<fs::path>& files, const std::string& pack) {
  std::map<int64_t, int> by_class;
  size_t lines = 0;
  for (const fs::path& f : files) {
    size_t n = 0;
    for (const std::string& line : read_lines(f)) {
      ++n, ++lines;
      FirstEvent e;
      normalize(line, e);
      const std::string where = f.filename().string() + ":" + std::to_string(n);
      ASSERT_EQ(e.batch.size(), 1u) << where;
      EXPECT_FALSE(e.e().flags & kFlagParseError) << where << ": " << e.e().parse_error;
      EXPECT_EQ(e.s("metadata.log_provider").value_or("(none)"), pack) << where;
      EXPECT_FALSE(e.e().flags & kFlagNoTimestamp) << where << ": time not read";
      ++by_class[e.i("class_uid").value_or(-1)];
    }
  }
  EXPECT_GT(lines, 0u) << name;
  std::string counts;
  for (auto [cls, count] : by_class) counts += " " + std::to_string(cls) + ":" + std::to_string(count);
  std::printf("[ macos    ] %-20s %3zu lines, by class_uid:%s\n", name.c_str(), lines, counts.c_str());
}

#define REQUIRE_CORPUS(path) \
  if (!fs::exists(path)) GTEST_SKIP() << "macOS corpus not found at " << (path).string()

TEST(MacosPacks, EveryCorpusLineIsTakenByItsPack) {
  REQUIRE_CORPUS(kMacos);
  check_source("eslogger", {kMacos / "eslogger-samples.ndjson"}, "macos-es");
  check_source("jamf-protect", {kMacos / "jamf-protect-telemetry.ndjson"}, "jamf-protect");
  std::vector<fs::path> unified;
  for (const auto& e : fs::directory_iterator(kMacos / "unified-log"))
    if (e.path().extension() == ".log") unified.push_back(e.path());
  std::sort(unified.begin(), unified.end());
  EXPECT_EQ(unified.size(), 8u);
  check_source("unified-log ndjson", unified, "macos-unified-json");
}

// ---- eslogger ---------------------------------------------------------------------

const fs::path kEslogger = kMacos / "eslogger-samples.ndjson";

TEST(MacosEs, ExitIsProcessTerminate) {
  REQUIRE_CORPUS(kEslogger);
  FirstEvent e;
  ASSERT_TRUE(line_of(kEslogger, 1, e));
  EXPECT_EQ(e.i("class_uid"), 1007);
  EXPECT_EQ(e.i("activity_id"), 2);
  EXPECT_EQ(e.i("type_uid"), 100702);
  EXPECT_EQ(e.s("process.file.path"), "/usr/sbin/ipconfig");
  EXPECT_EQ(e.s("process.name"), "ipconfig");
  EXPECT_EQ(e.i("process.pid"), 11221);
  EXPECT_EQ(e.i("process.parent_process.pid"), 532);
  EXPECT_EQ(e.s("process.user.uid"), "0");
  EXPECT_EQ(e.e().time, time_of("2025-08-07T15:13:09.811587464Z"));
  EXPECT_EQ(e.s("metadata.event_code"), "15");
}

TEST(MacosEs, ExecNamesTheNewImageAndTheInstigator) {
  REQUIRE_CORPUS(kEslogger);
  FirstEvent e;
  ASSERT_TRUE(line_of(kEslogger, 2, e));
  EXPECT_EQ(e.i("class_uid"), 1007);
  EXPECT_EQ(e.i("activity_id"), 1);
  EXPECT_EQ(e.i("launch_type_id"), 3);
  EXPECT_EQ(e.s("process.file.path"), "/bin/connection-checker");
  EXPECT_EQ(e.s("process.name"), "connection-checker");
  EXPECT_EQ(e.i("process.pid"), 97391);
  EXPECT_EQ(e.s("process.cmd_line"), "/bin/connection-checker");
  EXPECT_EQ(e.s("process.working_directory"), "/bin/mullvadvpn-app");
  EXPECT_EQ(e.i("process.parent_process.pid"), 58916);
  EXPECT_EQ(e.s("process.user.uid"), "501");
  EXPECT_EQ(e.s("process.file.signature.digest.value"), "33F0A3D85BEA260FED5CAD0529AB0E84EC9A0DF1");
  EXPECT_EQ(e.i("process.file.signature.algorithm_id"), 5);
  // The instigator: the image before exec, /bin/nu, same pid.
  EXPECT_EQ(e.s("actor.process.file.path"), "/bin/nu");
  EXPECT_EQ(e.s("actor.process.name"), "nu");
  EXPECT_EQ(e.i("actor.process.pid"), 97391);
  // thread.thread_id is the reporting thread, not always the actor's: it stays unmapped.
  EXPECT_EQ(e.i("unmapped.macos-es.thread.thread_id"), 505819);
  EXPECT_EQ(e.e().time, time_of("2025-08-07T13:21:35.880814738Z"));
  // Unmapped source fields are kept under the pack's name.
  EXPECT_EQ(e.s("unmapped.macos-es.process.signing_id"), "nu-b9fb5b9dbba2e494");
}

TEST(MacosEs, ForkReadsVersion10AuditTokenArrays) {
  REQUIRE_CORPUS(kEslogger);
  FirstEvent e;
  ASSERT_TRUE(line_of(kEslogger, 3, e));
  EXPECT_EQ(e.i("class_uid"), 1007);
  EXPECT_EQ(e.i("activity_id"), 1);
  EXPECT_EQ(e.i("launch_type_id"), 2);
  EXPECT_EQ(e.s("process.file.path"), "/Applications/Mullvad VPN.app/Contents/MacOS/Mullvad VPN");
  EXPECT_EQ(e.s("process.name"), "Mullvad VPN");
  EXPECT_EQ(e.i("process.pid"), 21497);         // child audit_token[5]
  EXPECT_EQ(e.s("process.user.uid"), "501");     // child audit_token[1] (euid)
  EXPECT_EQ(e.i("process.parent_process.pid"), 19745);
  EXPECT_EQ(e.s("process.file.signature.developer_uid"), "CKG9MXH72F");
  EXPECT_EQ(e.i("actor.process.pid"), 19745);   // the parent: process.audit_token[5]
  EXPECT_EQ(e.i("actor.process.parent_process.pid"), 1);
  EXPECT_EQ(e.s("metadata.log_version"), "10");
}

TEST(MacosEs, ExecOfVersion11) {
  REQUIRE_CORPUS(kEslogger);
  FirstEvent e;
  ASSERT_TRUE(line_of(kEslogger, 4, e));
  EXPECT_EQ(e.i("class_uid"), 1007);
  EXPECT_EQ(e.s("process.name"), "localizationswitcherd");
  EXPECT_EQ(e.i("process.pid"), 11085);
  EXPECT_EQ(e.s("actor.process.file.path"), "/usr/libexec/xpcproxy");
  EXPECT_EQ(e.e().time, time_of("2026-08-04T11:38:25.825904694Z"));
}

// ---- Jamf Protect -----------------------------------------------------------------

const fs::path kJamf = kMacos / "jamf-protect-telemetry.ndjson";

TEST(JamfProtect, ScreenLockHasUserAndDevice) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 1, e));
  EXPECT_EQ(e.i("class_uid"), 3002);
  EXPECT_EQ(e.i("activity_id"), 99);
  EXPECT_EQ(e.s("activity_name"), "Lock");
  EXPECT_EQ(e.s("user.name"), "allen.golbig");
  EXPECT_EQ(e.s("device.hostname"), "MacBookPro");
  EXPECT_EQ(e.ip("device.ip"), "192.168.4.252");
  EXPECT_EQ(e.s("device.os.name"), "macOS");
  EXPECT_EQ(e.s("device.os.version"), "14.4.1");
  EXPECT_EQ(e.s("device.os.build"), "23E224");
  EXPECT_EQ(e.s("actor.process.name"), "loginwindow");
  EXPECT_EQ(e.s("metadata.uid"), "7ADBC305-732C-4A9C-B3EF-14435A500AF4");
  EXPECT_EQ(e.s("metadata.product.name"), "Jamf Protect");
  EXPECT_EQ(e.e().time, time_of("2024-05-15T00:12:12.555Z"));
}

TEST(JamfProtect, UnlockIsALogonOfTypeUnlock) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 2, e));
  EXPECT_EQ(e.i("class_uid"), 3002);
  EXPECT_EQ(e.i("activity_id"), 1);
  EXPECT_EQ(e.i("logon_type_id"), 7);
  EXPECT_EQ(e.s("user.name"), "allen.golbig");
}

TEST(JamfProtect, ExecJoinsEveryArgument) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 5, e));
  EXPECT_EQ(e.i("class_uid"), 1007);
  EXPECT_EQ(e.s("process.cmd_line"), "/bin/zsh -c /var/folders/fm/j970swbn73dfnkjgsqjxxvj40000gp/T/eicar");
  EXPECT_EQ(e.s("process.file.path"), "/bin/zsh");
  EXPECT_EQ(e.s("process.name"), "zsh");
  EXPECT_EQ(e.i("process.pid"), 91306);
  EXPECT_EQ(e.ip("device.ip"), "192.168.11.251");  // the first of host.ips
  EXPECT_EQ(e.s("device.os.version"), "14.5");
  // The joined arguments are not repeated under unmapped.*.
  EXPECT_EQ(e.get("unmapped.jamf-protect.event.exec.args"), nullptr);
}

TEST(JamfProtect, SshLoginHasSourceAddress) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 15, e));
  EXPECT_EQ(e.i("class_uid"), 3002);
  EXPECT_EQ(e.i("activity_id"), 1);
  EXPECT_EQ(e.i("status_id"), 1);
  EXPECT_EQ(e.s("status_detail"), "success");  // result_type 2
  EXPECT_EQ(e.s("user.name"), "jappleseed");
  EXPECT_EQ(e.ip("src_endpoint.ip"), "192.168.4.252");
  EXPECT_EQ(e.b("is_remote"), true);
  EXPECT_EQ(e.s("device.hostname"), "sevro");
}

TEST(JamfProtect, LoginAndLogout) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent out, in;
  ASSERT_TRUE(line_of(kJamf, 16, out));
  ASSERT_TRUE(line_of(kJamf, 17, in));
  EXPECT_EQ(out.i("activity_id"), 2);
  EXPECT_EQ(in.i("activity_id"), 1);
  EXPECT_EQ(in.i("status_id"), 1);
  EXPECT_EQ(in.s("user.name"), "jappleseed");
  EXPECT_EQ(in.s("user.uid"), "502");
  EXPECT_EQ(out.s("user.name"), "jappleseed");
}

TEST(JamfProtect, SudoIsAnAccountSwitch) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 4, e));
  EXPECT_EQ(e.i("class_uid"), 3002);
  EXPECT_EQ(e.i("activity_id"), 7);
  EXPECT_EQ(e.i("account_switch_type_id"), 1);
  EXPECT_EQ(e.i("status_id"), 1);
  EXPECT_EQ(e.s("user.name"), "root");
  EXPECT_EQ(e.s("actor.user.name"), "jappleseed");
  EXPECT_EQ(e.s("unmapped.jamf-protect.event.sudo.command"), "/usr/local/bin/protectctl");
}

TEST(JamfProtect, DirectoryChanges) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent pw, attr_user, attr_group, group_set;
  ASSERT_TRUE(line_of(kJamf, 9, pw));  // od_modify_password, error_code 5301
  EXPECT_EQ(pw.i("class_uid"), 3001);
  EXPECT_EQ(pw.i("activity_id"), 3);
  EXPECT_EQ(pw.i("status_id"), 2);
  EXPECT_EQ(pw.s("user.name"), "user1");
  EXPECT_EQ(pw.s("actor.process.file.path"),
            "/System/Library/ExtensionKit/Extensions/UsersGroups.appex/Contents/MacOS/UsersGroups");
  // The instigator (UsersGroups), not the reporting opendirectoryd, is the actor, all of it.
  EXPECT_EQ(pw.s("actor.process.name"), "UsersGroups");
  EXPECT_EQ(pw.i("actor.process.pid"), 29722);
  EXPECT_EQ(pw.s("actor.process.file.signature.digest.value"), "ba99b2e3dbb05dc41e9b35d6d2c48d188c8cfece");
  ASSERT_TRUE(line_of(kJamf, 10, attr_user));  // a user record's attribute
  EXPECT_EQ(attr_user.i("class_uid"), 3001);
  EXPECT_EQ(attr_user.i("status_id"), 1);
  EXPECT_EQ(attr_user.s("user.name"), "jappleseed");
  EXPECT_EQ(attr_user.s("actor.process.file.path"), "/usr/bin/dscl");
  ASSERT_TRUE(line_of(kJamf, 12, attr_group));  // record_type 1
  EXPECT_EQ(attr_group.i("class_uid"), 3006);
  ASSERT_TRUE(line_of(kJamf, 6, group_set));
  EXPECT_EQ(group_set.i("class_uid"), 3006);
  EXPECT_EQ(group_set.s("group.name"), "group1");
}

TEST(JamfProtect, TouchIdAuthenticationNamesItsInstigator) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 13, e));
  EXPECT_EQ(e.i("class_uid"), 3002);
  EXPECT_EQ(e.i("status_id"), 1);
  EXPECT_EQ(e.s("auth_protocol"), "Touch ID");  // type 1
  EXPECT_EQ(e.s("user.uid"), "502");
  EXPECT_EQ(e.s("actor.process.name"), "coreauthd");
  EXPECT_EQ(e.i("actor.process.pid"), 53394);
}

TEST(JamfProtect, MalwareDetectionIsAFinding) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent e;
  ASSERT_TRUE(line_of(kJamf, 19, e));
  EXPECT_EQ(e.i("class_uid"), 2004);
  EXPECT_EQ(e.s("malware.name"), "SNOWDRIFT");
  EXPECT_EQ(e.s("malware.path"), "/Users/jappleseed/Downloads/CloudMensis/WindowServer");
  EXPECT_EQ(e.s("finding_info.uid"), "63BFD08A-0A9B-42DA-AC93-2803E2B09CD0");
}

TEST(JamfProtect, JamfOwnEventsKeepTheirDevice) {
  REQUIRE_CORPUS(kJamf);
  FirstEvent perf;
  ASSERT_TRUE(line_of(kJamf, 32, perf));  // system_performance: no process
  EXPECT_EQ(perf.i("class_uid"), 0);
  EXPECT_EQ(perf.s("device.hostname"), "MacBookPro");
  EXPECT_EQ(perf.ip("device.ip"), "192.168.100.102");
}

// ---- unified log NDJSON -------------------------------------------------------------

const fs::path kUnified = kMacos / "unified-log";

TEST(MacosUnifiedJson, LoginWindowLoginAndLogout) {
  const fs::path file = kUnified / "authentication-test-authentication.log";
  REQUIRE_CORPUS(file);
  FirstEvent login, logout, other;
  ASSERT_TRUE(line_of(file, 2, login));
  EXPECT_EQ(login.i("class_uid"), 3002);
  EXPECT_EQ(login.i("activity_id"), 1);
  EXPECT_EQ(login.s("user.name"), "_mbsetupuser");
  EXPECT_EQ(login.s("user.uid"), "248");
  EXPECT_EQ(login.i("process.pid"), 100);
  EXPECT_EQ(login.s("process.name"), "loginwindow");
  EXPECT_EQ(login.e().time, time_of("2025-09-26T06:32:36.119492Z"));  // 23:32:36.119492-0700
  ASSERT_TRUE(line_of(file, 1, logout));
  EXPECT_EQ(logout.i("class_uid"), 3002);
  EXPECT_EQ(logout.i("activity_id"), 2);
  EXPECT_EQ(logout.s("user.name"), "_mbsetupuser");
  EXPECT_EQ(logout.s("user.uid"), "248");
  ASSERT_TRUE(line_of(file, 3, other));  // "-[Login1 isGuestAccount] | enter": no authentication
  EXPECT_EQ(other.i("class_uid"), 0);
  EXPECT_EQ(other.s("message"), "-[Login1 isGuestAccount] | enter");
}

TEST(MacosUnifiedJson, BaseEventHasProcessTimeAndSeverity) {
  const fs::path file = kUnified / "advanced_monitoring-test-advanced-monitoring.log";
  REQUIRE_CORPUS(file);
  FirstEvent e;
  ASSERT_TRUE(line_of(file, 1, e));
  EXPECT_EQ(e.i("class_uid"), 0);
  EXPECT_EQ(e.s("process.file.path"), "/usr/sbin/cfprefsd");
  EXPECT_EQ(e.s("process.name"), "cfprefsd");
  EXPECT_EQ(e.i("process.pid"), 4944);
  EXPECT_EQ(e.i("process.tid"), 273730);
  EXPECT_EQ(e.s("process.user.uid"), "502");
  EXPECT_EQ(e.i("severity_id"), 3);  // messageType Error
  EXPECT_EQ(e.s("metadata.log_name"), "com.apple.defaults");
  EXPECT_EQ(e.e().time, time_of("2025-10-01T12:49:11.945508Z"));  // 18:19:11.945508+0530
  EXPECT_EQ(e.s("message").value_or("").rfind("rejecting write of key(s) CKStartupTime", 0), 0u);
}

// Lines the corpus lacks, in the forms sudo and OpenSSH write to syslog (which macOS
// keeps in the unified log): the message regexes must read them.
TEST(MacosUnifiedJson, SudoAndSshMessages) {
  const std::string head =
      R"({"eventType":"logEvent","messageType":"Default","timestamp":"2025-10-01 18:19:11.000000+0000","processID":7,)";
  FirstEvent ok, refused, ssh;
  normalize(head + R"("processImagePath":"/usr/bin/sudo","eventMessage":"    alice : TTY=ttys000 ; PWD=/Users/alice ; USER=root ; COMMAND=/bin/ls -l"})", ok);
  ASSERT_EQ(ok.batch.size(), 1u);
  EXPECT_EQ(ok.i("class_uid"), 3002);
  EXPECT_EQ(ok.i("activity_id"), 7);
  EXPECT_EQ(ok.i("status_id"), 1);
  EXPECT_EQ(ok.s("user.name"), "root");
  EXPECT_EQ(ok.s("actor.user.name"), "alice");
  EXPECT_EQ(ok.s("unmapped.macos-unified-json.sudo_command"), "/bin/ls -l");
  normalize(head + R"("processImagePath":"/usr/bin/sudo","eventMessage":"    alice : 3 incorrect password attempts ; TTY=ttys000 ; PWD=/Users/alice ; USER=root ; COMMAND=/bin/ls"})", refused);
  EXPECT_EQ(refused.i("status_id"), 2);
  EXPECT_EQ(refused.s("status_detail"), "3 incorrect password attempts");
  normalize(head + R"("processImagePath":"/usr/sbin/sshd","eventMessage":"Failed password for invalid user admin from 203.0.113.9 port 52114 ssh2"})", ssh);
  EXPECT_EQ(ssh.i("class_uid"), 3002);
  EXPECT_EQ(ssh.i("status_id"), 2);
  EXPECT_EQ(ssh.s("user.name"), "admin");
  EXPECT_EQ(ssh.ip("src_endpoint.ip"), "203.0.113.9");
  EXPECT_EQ(ssh.i("src_endpoint.port"), 52114);
  EXPECT_EQ(ssh.s("metadata.log_provider"), "macos-unified-json");
}

// ---- engine: "key[N]" sources and join_all -----------------------------------------

TEST(PackMappingFeatures, IndexedSourceAndJoinAll) {
  PackLoad load;
  load_pack_text(R"(
pack: test-array
match: {json_has: [args]}
fields:
  process.cmd_line: {join_all: args}
  process.name: ["args[9]", "args[1]"]
  process.pid: ["token[5]", token.pid]
  message: {join_all: args, join_with: ","}
  user.name: [event.*.user.name, event.*.*.name]
)", "test.yaml", load);
  ASSERT_TRUE(load.refusals.empty()) << load.refusals[0];
  PackSet set(std::move(load.packs));
  auto run = [&](const char* line, FirstEvent& e) {
    LineNormalizer n(NormalizerOptions{.packs = std::shared_ptr<const PackSet>(&set, [](const PackSet*) {})});
    n.add_line(line, Provenance{.receive_time = 1, .input = "t"}, e.batch);
    ASSERT_EQ(e.batch.size(), 1u);
  };
  FirstEvent a;
  run(R"({"args":["/bin/ls","-l","/tmp"],"token":[501,501,20,501,20,4242,1,2]})", a);
  EXPECT_EQ(a.s("process.cmd_line"), "/bin/ls -l /tmp");
  EXPECT_EQ(a.s("message"), "/bin/ls,-l,/tmp");
  EXPECT_EQ(a.s("process.name"), "-l");  // args[9] does not exist: the next source
  EXPECT_EQ(a.i("process.pid"), 4242);
  EXPECT_EQ(a.get("user.name"), nullptr);
  FirstEvent w;  // "*" stands for one whole segment
  run(R"({"args":"x","event":{"od_x":{"user":{"name":"alice"}},"deep":{"a":{"b":{"name":"no"}}}}})", w);
  EXPECT_EQ(w.s("user.name"), "alice");
  FirstEvent w2;
  run(R"({"args":"x","event":{"od_y":{"u":{"name":"bob"}}}})", w2);
  EXPECT_EQ(w2.s("user.name"), "bob");
  FirstEvent b;
  run(R"({"args":"/bin/true","token":{"pid":7}})", b);  // a single value is value [0]
  EXPECT_EQ(b.s("process.cmd_line"), "/bin/true");
  EXPECT_EQ(b.i("process.pid"), 7);

  PackLoad bad;
  load_pack_text("pack: x\nmatch: {json: true}\nfields:\n  message: \"a[x]\"\n", "bad.yaml", bad);
  ASSERT_EQ(bad.refusals.size(), 1u);
  EXPECT_NE(bad.refusals[0].find("an index is"), std::string::npos) << bad.refusals[0];
  PackLoad star;
  load_pack_text("pack: z\nmatch: {json: true}\nfields:\n  message: a.b*\n", "star.yaml", star);
  ASSERT_EQ(star.refusals.size(), 1u);
  EXPECT_NE(star.refusals[0].find("whole key segment"), std::string::npos) << star.refusals[0];
  PackLoad both;
  load_pack_text("pack: y\nmatch: {json: true}\nfields:\n  message: {join: [a], join_all: b}\n", "both.yaml", both);
  ASSERT_EQ(both.refusals.size(), 1u);
  EXPECT_NE(both.refusals[0].find("not both"), std::string::npos) << both.refusals[0];
}

}  // namespace
}  // namespace vigil
