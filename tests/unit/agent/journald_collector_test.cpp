// The journald collector with a stand-in journalctl (a shell script that records its
// arguments and prints journal JSON entries), so spawning, the pipe, entry -> syslog
// line -> packs, the cursor and the restart are tested everywhere; and with the real
// journalctl when this machine has a journal it can read.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "agent/journald_collector.h"
#include "core/event_batch.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

class JournaldCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil-journald-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    context_.hostname = "agenthost";
    context_.state_dir = dir_ / "state";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A journalctl that appends its arguments to args.log, prints `entries` and then
  // either stays (like --follow) or exits.
  std::string fake_journalctl(const std::string& entries, bool stay) {
    fs::path data = dir_ / "entries.json";
    std::ofstream(data) << entries;
    fs::path script = dir_ / "journalctl";
    std::ofstream(script) << "#!/bin/sh\necho \"$@\" >> '" << (dir_ / "args.log").string() << "'\ncat '"
                          << data.string() << "'\n"
                          << (stay ? "exec sleep 30\n" : "exit 3\n");
    fs::permissions(script, fs::perms::owner_all);
    return script.string();
  }
  std::string args_log() {
    std::ifstream in(dir_ / "args.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Polls until `n` events arrived or 5 s passed.
  void poll_for(Collector& c, EventBatch& batch, size_t n) {
    for (int i = 0; i < 500 && batch.size() < n; ++i) {
      c.poll(batch);
      if (batch.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  const Value* get(const EventBatch& b, size_t i, const char* name) {
    return b.find(b[i], field_dictionary().find(name));
  }

  fs::path dir_;
  CollectorContext context_;
};

// Two real-shaped entries (field names and forms as `journalctl -o json` writes them;
// the MESSAGE of the second as journald's byte array, "Accepted ..." in ASCII codes).
const char* kEntries =
    R"({"__CURSOR":"s=abc;i=1","__REALTIME_TIMESTAMP":"1796292000123456","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd","_PID":"4242","PRIORITY":"6","SYSLOG_FACILITY":"4","MESSAGE":"Failed password for invalid user admin from 198.51.100.23 port 40022 ssh2"})"
    "\n"
    R"({"__CURSOR":"s=abc;i=2","__REALTIME_TIMESTAMP":"1796292001000000","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd","_PID":"4243","MESSAGE":[65,99,99,101,112,116,101,100,32,112,117,98,108,105,99,107,101,121,32,102,111,114,32,97,108,105,99,101,32,102,114,111,109,32,49,57,50,46,48,46,50,46,57,32,112,111,114,116,32,53,49,48,48,48,32,115,115,104,50]})"
    "\n";

TEST_F(JournaldCollectorTest, EntriesBecomeAuthenticationEventsAndTheCursorIsKept) {
  JournaldCollectorOptions o;
  o.journalctl = fake_journalctl(kEntries, true);
  auto c = make_journald_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(c->stats().mode, "journalctl");
  EventBatch batch;
  poll_for(*c, batch, 2);
  ASSERT_EQ(batch.size(), 2u);
  // 1796292000 s = 2026-12-03T10:00:00Z; the entry's microseconds are kept.
  EXPECT_EQ(batch[0].time, 1796292000123456000LL);
  EXPECT_EQ(get(batch, 0, "class_uid")->i64, 3002);
  EXPECT_EQ(get(batch, 0, "status_id")->i64, 2);
  EXPECT_EQ(get(batch, 0, "user.name")->as_string(), "admin");
  EXPECT_EQ(get(batch, 0, "src_endpoint.ip")->as_ip().to_string(), "198.51.100.23");
  EXPECT_EQ(get(batch, 0, "device.hostname")->as_string(), "web1");
  EXPECT_EQ(get(batch, 1, "class_uid")->i64, 3002);
  EXPECT_EQ(get(batch, 1, "status_id")->i64, 1);
  EXPECT_EQ(get(batch, 1, "user.name")->as_string(), "alice");
  EXPECT_EQ(get(batch, 1, "src_endpoint.ip")->as_ip().to_string(), "192.0.2.9");
  // The default filter and the first start: identifiers, entries from now on.
  const std::string args = args_log();
  EXPECT_NE(args.find("--follow"), std::string::npos);
  EXPECT_NE(args.find("--output=json"), std::string::npos);
  EXPECT_NE(args.find("--identifier=sshd"), std::string::npos);
  EXPECT_NE(args.find("--identifier=sudo"), std::string::npos);
  EXPECT_NE(args.find("--since=@"), std::string::npos);
  c->stop();
  std::ifstream cursor(context_.state_dir / "journald" / "cursor");
  std::string saved;
  std::getline(cursor, saved);
  EXPECT_EQ(saved, "s=abc;i=2");

  // A restart goes on after that entry.
  fs::remove(dir_ / "args.log");
  auto again = make_journald_collector(o);
  ASSERT_TRUE(again->start(context_).ok());
  for (int i = 0; i < 500 && args_log().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(args_log().find("--after-cursor=s=abc;i=2"), std::string::npos) << args_log();
  again->stop();
}

TEST_F(JournaldCollectorTest, ADeadJournalctlIsRestartedAfterTheLastEntrySeen) {
  JournaldCollectorOptions o;
  o.journalctl = fake_journalctl(kEntries, false);  // prints, then exits 3
  o.restart_backoff_ms = 50;
  auto c = make_journald_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EventBatch batch;
  poll_for(*c, batch, 2);
  ASSERT_EQ(batch.size(), 2u);
  for (int i = 0; i < 300 && c->stats().errors == 0; ++i) {
    EventBatch more;
    c->poll(more);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(c->stats().last_error.find("exit status 3"), std::string::npos) << c->stats().last_error;
  for (int i = 0; i < 300 && args_log().find("--after-cursor=s=abc;i=2") == std::string::npos; ++i) {
    EventBatch more;
    c->poll(more);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(args_log().find("--after-cursor=s=abc;i=2"), std::string::npos) << args_log();
  c->stop();
}

TEST_F(JournaldCollectorTest, MissingJournalctlIsAnError) {
  JournaldCollectorOptions o;
  o.journalctl = (dir_ / "no-such-journalctl").string();
  Status s = make_journald_collector(o)->start(context_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no-such-journalctl"), std::string::npos) << s.message();
}

TEST_F(JournaldCollectorTest, NonJsonOutputIsKeptFlaggedNotLost) {
  JournaldCollectorOptions o;
  o.journalctl = fake_journalctl("this is not json\n", true);
  auto c = make_journald_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EventBatch batch;
  poll_for(*c, batch, 1);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].raw, "this is not json");
  EXPECT_GE(c->stats().errors, 1u);
  c->stop();
}

TEST_F(JournaldCollectorTest, RealJournalctlWhenThisMachineHasAJournal) {
  if (std::system("journalctl --quiet -n 1 --output=json 2>/dev/null | grep -q __CURSOR") != 0)
    GTEST_SKIP() << "journalctl cannot read a journal here (no journald running / no journal files)";
  JournaldCollectorOptions o;
  o.identifiers = {"vigil-journald-test"};
  auto c = make_journald_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(std::system("logger -t vigil-journald-test 'hello from the journald test'"), 0);
  EventBatch batch;
  for (int i = 0; i < 500 && batch.empty(); ++i) {
    c->poll(batch);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(batch.empty());
  EXPECT_NE(std::string(batch[0].raw).find("hello from the journald test"), std::string::npos);
  c->stop();
}

}  // namespace
}  // namespace vigil
