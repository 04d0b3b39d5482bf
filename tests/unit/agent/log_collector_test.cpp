// The log file collector on real files in a temp dir: appends, rename and copytruncate
// rotation, a restart that resumes exactly, long lines cut and flagged, multiline
// records with their timeout, and an auth.log line normalized as the server would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/log_collector.h"
#include "core/event_batch.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

class LogCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil-logc-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "logs");
    context_.hostname = "testhost";
    context_.state_dir = dir_ / "state";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path log(const std::string& name = "app.log") const { return dir_ / "logs" / name; }
  void append(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::app);
    out << bytes;
  }
  LogCollectorOptions options() const {
    LogCollectorOptions o;
    o.paths = {(dir_ / "logs" / "*.log").string()};
    o.rescan_interval_ms = 0;  // every poll: the tests create files between polls
    return o;
  }
  // The raw bytes of the events one poll appends.
  std::vector<std::string> poll(Collector& c, EventBatch* keep = nullptr) {
    EventBatch batch;
    c.poll(batch);
    std::vector<std::string> raws;
    for (const Event& e : batch.events()) raws.emplace_back(e.raw);
    if (keep) *keep = std::move(batch);
    return raws;
  }

  fs::path dir_;
  CollectorContext context_;
};

using Lines = std::vector<std::string>;

TEST_F(LogCollectorTest, FollowsAppendsAndWaitsForTheNewlineOfAPartialLine) {
  append(log(), "one\ntwo\n");
  auto c = make_log_collector(options());
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), (Lines{"one", "two"}));
  EXPECT_EQ(poll(*c), Lines{});
  append(log(), "three\nfour-with");
  EXPECT_EQ(poll(*c), Lines{"three"});
  append(log(), "out-newline-yet\n");
  EXPECT_EQ(poll(*c), Lines{"four-without-newline-yet"});
  EXPECT_EQ(c->stats().events, 4u);
  EXPECT_EQ(c->stats().mode, "poll");
}

TEST_F(LogCollectorTest, RenameRotationFinishesTheOldFileThenReadsTheNewOneFromZero) {
  auto o = options();
  o.paths = {log().string()};  // only the live name: the rotated file is not matched
  append(log(), "a1\n");
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), Lines{"a1"});
  // Written to the old file after the last poll, the last one without its newline.
  append(log(), "a2\na3-unterminated");
  fs::rename(log(), log("app.log.1"));
  append(log(), "b1\nb2\n");
  EXPECT_EQ(poll(*c), (Lines{"a2", "a3-unterminated", "b1", "b2"}));
  append(log(), "b3\n");
  EXPECT_EQ(poll(*c), Lines{"b3"});
}

TEST_F(LogCollectorTest, RotatedNameMatchedByTheGlobIsNotReadTwice) {
  auto o = options();
  o.paths = {(dir_ / "logs" / "app.log*").string()};
  append(log(), "a1\na2\n");
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), (Lines{"a1", "a2"}));
  append(log(), "a3\n");
  fs::rename(log(), log("app.log.1"));
  append(log(), "b1\n");
  EXPECT_EQ(poll(*c), (Lines{"a3", "b1"}));
  EXPECT_EQ(poll(*c), Lines{});
  append(log("app.log.1"), "late-a4\n");  // a writer that had not reopened yet
  EXPECT_EQ(poll(*c), Lines{"late-a4"});
}

TEST_F(LogCollectorTest, CopyTruncateStartsAgainAtZero) {
  append(log(), "first line of some length\nsecond line of some length\n");
  auto c = make_log_collector(options());
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c).size(), 2u);
  fs::resize_file(log(), 0);
  EXPECT_EQ(poll(*c), Lines{});
  append(log(), "c1\n");
  EXPECT_EQ(poll(*c), Lines{"c1"});
}

TEST_F(LogCollectorTest, RestartResumesWithoutDuplicateOrGap) {
  append(log(), "l1\nl2\nl3\n");
  {
    auto c = make_log_collector(options());
    ASSERT_TRUE(c->start(context_).ok());
    EXPECT_EQ(poll(*c), (Lines{"l1", "l2", "l3"}));
    append(log(), "l4\n");
    EXPECT_EQ(poll(*c), Lines{"l4"});
    c->stop();
  }
  append(log(), "l5\nl6\n");  // written while the agent was down
  auto c = make_log_collector(options());
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), (Lines{"l5", "l6"}));
}

TEST_F(LogCollectorTest, OffsetsOfAPollAreKeptOnlyAtTheNextPoll) {
  // A crash between poll() and the spool must not lose lines: what is on disk during
  // poll N covers only what poll N-1 returned. Copies of the state dir stand for crashes.
  append(log(), "x1\n");
  auto c = make_log_collector(options());
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), Lines{"x1"});
  fs::copy(context_.state_dir, dir_ / "crash1", fs::copy_options::recursive);
  EXPECT_EQ(poll(*c), Lines{});  // the spool has x1 now: this poll keeps its offset
  fs::copy(context_.state_dir, dir_ / "crash2", fs::copy_options::recursive);
  for (auto [state, expected] : {std::pair{"crash1", Lines{"x1"}}, std::pair{"crash2", Lines{}}}) {
    CollectorContext after = context_;
    after.state_dir = dir_ / state;
    auto restarted = make_log_collector(options());
    ASSERT_TRUE(restarted->start(after).ok());
    EXPECT_EQ(poll(*restarted), expected) << state;
  }
}

TEST_F(LogCollectorTest, StartAtEndSkipsOnlyHistoryOfFilesFoundAtStart) {
  append(log(), "old\n");
  auto o = options();
  o.start_at_end = true;
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), Lines{});
  append(log(), "new\n");
  append(log("later.log"), "later-1\n");
  EXPECT_EQ(poll(*c), (Lines{"new", "later-1"}));
}

TEST_F(LogCollectorTest, LongLineIsCutAndFlaggedAndTheNextLineIsIntact) {
  auto o = options();
  o.max_line_bytes = 16;
  append(log(), std::string(40, 'x') + "\nshort\n" + std::string(16, 'y') + "\n");
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EventBatch batch;
  EXPECT_EQ(poll(*c, &batch), (Lines{std::string(16, 'x'), "short", std::string(16, 'y')}));
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_TRUE(batch[0].flags & kFlagTruncated);
  EXPECT_FALSE(batch[1].flags & kFlagTruncated);
  EXPECT_FALSE(batch[2].flags & kFlagTruncated);  // exactly at the cap: whole
}

TEST_F(LogCollectorTest, MultilineJoinsAStackTraceAndSendsTheLastRecordAfterTheTimeout) {
  auto o = options();
  o.multiline.start = R"(^\d{4}-\d{2}-\d{2} )";
  o.multiline.timeout_ms = 300;
  append(log(),
         "2026-12-04 10:00:00 INFO started\n"
         "2026-12-04 10:00:01 ERROR failed\n"
         "java.lang.IllegalStateException: boom\n"
         "\tat com.example.Main.run(Main.java:10)\n"
         "\tat com.example.Main.main(Main.java:3)\n");
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), Lines{"2026-12-04 10:00:00 INFO started"});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(poll(*c), Lines{"2026-12-04 10:00:01 ERROR failed\njava.lang.IllegalStateException: boom\n"
                            "\tat com.example.Main.run(Main.java:10)\n\tat com.example.Main.main(Main.java:3)"});
}

TEST_F(LogCollectorTest, HeldRecordIsReadAgainAfterARestart) {
  auto o = options();
  o.multiline.start = R"(^\S)";
  o.multiline.timeout_ms = 60'000;
  append(log(), "rec1\n  more1\nrec2\n  more2\n");
  {
    auto c = make_log_collector(o);
    ASSERT_TRUE(c->start(context_).ok());
    EXPECT_EQ(poll(*c), Lines{"rec1\n  more1"});
    c->stop();  // rec2 is held, never sent: its lines must come back
  }
  append(log(), "  more2b\nrec3\n");
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EXPECT_EQ(poll(*c), Lines{"rec2\n  more2\n  more2b"});
}

TEST_F(LogCollectorTest, AuthLogLineBecomesTheSameAuthenticationEventAsBySyslog) {
  auto o = options();
  o.paths = {log("auth.log").string()};
  append(log("auth.log"), "Dec  4 10:00:00 web1 sshd[4242]: Failed password for root from 203.0.113.7 port 52144 ssh2\n");
  auto c = make_log_collector(o);
  ASSERT_TRUE(c->start(context_).ok());
  EventBatch batch;
  ASSERT_EQ(poll(*c, &batch).size(), 1u);
  auto get = [&](const char* name) { return batch.find(batch[0], field_dictionary().find(name)); };
  ASSERT_NE(get("class_uid"), nullptr);
  EXPECT_EQ(get("class_uid")->i64, 3002);
  ASSERT_NE(get("status_id"), nullptr);
  EXPECT_EQ(get("status_id")->i64, 2);  // failure
  ASSERT_NE(get("user.name"), nullptr);
  EXPECT_EQ(get("user.name")->as_string(), "root");
  ASSERT_NE(get("src_endpoint.ip"), nullptr);
  EXPECT_EQ(get("src_endpoint.ip")->as_ip().to_string(), "203.0.113.7");
  ASSERT_NE(get("device.hostname"), nullptr);
  EXPECT_EQ(get("device.hostname")->as_string(), "web1");  // the line's host, not the agent's
  EXPECT_EQ(batch[0].input, "file");
  EXPECT_EQ(batch[0].source, log("auth.log").string());
}

TEST_F(LogCollectorTest, BareLineGetsTheAgentHostname) {
  append(log(), "plain application text\n");
  auto c = make_log_collector(options());
  ASSERT_TRUE(c->start(context_).ok());
  EventBatch batch;
  ASSERT_EQ(poll(*c, &batch).size(), 1u);
  const Value* host = batch.find(batch[0], field_dictionary().find("device.hostname"));
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->as_string(), "testhost");
}

TEST_F(LogCollectorTest, BadOptionsAreRefusedWithTheKey) {
  auto o = options();
  o.multiline.start = "(unclosed";
  Status s = make_log_collector(o)->start(context_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("multiline.start"), std::string::npos) << s.message();
  o = options();
  o.paths.clear();
  s = make_log_collector(o)->start(context_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("paths"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace vigil
