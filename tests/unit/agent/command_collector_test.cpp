// The command collector running `cat` on the recorded eslogger samples of the corpus
// (../shared/corpus/macos/eslogger-samples.ndjson): each JSON line must come out mapped
// by the same macos-es pack as on the server (expected values read from the sample
// lines: line 1 an exit of /usr/sbin/ipconfig pid 11221, line 2 an exec of
// /bin/connection-checker, line 3 a fork, line 4 an exec of localizationswitcherd).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "agent/command_collector.h"
#include "core/event_batch.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

const fs::path kSamples = fs::path(VIGIL_CORPUS_DIR) / "macos" / "eslogger-samples.ndjson";

void poll_until_ended(Collector& c, EventBatch& batch) {
  for (int i = 0; i < 500; ++i) {
    c.poll(batch);
    if (batch.size() >= 4 && c.stats().events == batch.size() && i > 20) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

const Value* get(const EventBatch& b, size_t i, const char* name) { return b.find(b[i], field_dictionary().find(name)); }

TEST(CommandCollector, EsloggerSamplesThroughTheMacosEsPack) {
  if (!fs::exists(kSamples)) GTEST_SKIP() << "corpus file missing: " << kSamples;
  CommandCollectorOptions o;
  o.command = {"cat", kSamples.string()};
  o.restart = false;
  auto c = make_command_collector(o);
  ASSERT_TRUE(c->start(CollectorContext{.hostname = "mac1"}).ok());
  EventBatch batch;
  poll_until_ended(*c, batch);
  ASSERT_EQ(batch.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_FALSE(batch[i].flags & kFlagParseError) << batch[i].parse_error;
    EXPECT_EQ(batch[i].input, "eslogger");
    ASSERT_NE(get(batch, i, "class_uid"), nullptr) << i;
    EXPECT_EQ(get(batch, i, "class_uid")->i64, 1007) << i;
  }
  EXPECT_EQ(get(batch, 0, "activity_id")->i64, 2);  // exit: Terminate
  EXPECT_EQ(get(batch, 0, "process.file.path")->as_string(), "/usr/sbin/ipconfig");
  EXPECT_EQ(get(batch, 0, "process.pid")->i64, 11221);
  EXPECT_EQ(get(batch, 1, "activity_id")->i64, 1);  // exec: Launch
  EXPECT_EQ(get(batch, 1, "process.file.path")->as_string(), "/bin/connection-checker");
  EXPECT_EQ(get(batch, 3, "process.file.path")->as_string(),
            "/System/Library/PrivateFrameworks/IntlPreferences.framework/Support/localizationswitcherd");
  // eslogger's lines name no host: the agent's hostname is added.
  EXPECT_EQ(get(batch, 0, "device.hostname")->as_string(), "mac1");
  EXPECT_EQ(c->stats().errors, 0u) << c->stats().last_error;  // cat ended with 0: no error
  c->stop();
}

TEST(CommandCollector, AFailingCommandIsReportedWithItsStderr) {
  CommandCollectorOptions o;
  o.command = {"sh", "-c", "echo 'not allowed: missing entitlement' >&2; exit 71"};
  o.restart_backoff_ms = 60'000;
  auto c = make_command_collector(o);
  ASSERT_TRUE(c->start(CollectorContext{}).ok());
  EventBatch batch;
  for (int i = 0; i < 300 && c->stats().errors == 0; ++i) {
    c->poll(batch);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(c->stats().last_error.find("exit status 71"), std::string::npos) << c->stats().last_error;
  EXPECT_NE(c->stats().last_error.find("missing entitlement"), std::string::npos) << c->stats().last_error;
  c->stop();
}

TEST(CommandCollector, MissingProgramIsAnError) {
  CommandCollectorOptions o;  // eslogger itself: not on Linux
  Status s = make_command_collector(o)->start(CollectorContext{});
  if (::access("/usr/bin/eslogger", X_OK) == 0) GTEST_SKIP() << "this machine has eslogger";
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("eslogger"), std::string::npos) << s.message();
}

TEST(CommandCollector, LongLineIsCutAndFlagged) {
  CommandCollectorOptions o;
  o.command = {"sh", "-c", "printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\nshort\\n'"};
  o.max_line_bytes = 10;
  o.restart = false;
  auto c = make_command_collector(o);
  ASSERT_TRUE(c->start(CollectorContext{}).ok());
  EventBatch batch;
  for (int i = 0; i < 300 && batch.size() < 2; ++i) {
    c->poll(batch);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].raw, "aaaaaaaaaa");
  EXPECT_TRUE(batch[0].flags & kFlagTruncated);
  EXPECT_EQ(batch[1].raw, "short");
  EXPECT_FALSE(batch[1].flags & kFlagTruncated);
}

}  // namespace
}  // namespace vigil
