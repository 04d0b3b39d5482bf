// The agent's outputs and shipper without a network: the file output's exactly-once
// recovery, the syslog and CEF formats, backoff, and the shipper's retry and refusal.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/output.h"
#include "agent/shipper.h"
#include "agent/syslog_format.h"
#include "core/field_dictionary.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("vigil-agent-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

EventBatch sample_batch(int first, int count) {
  EventBatch b;
  for (int i = first; i < first + count; ++i) {
    const std::string raw = "line " + std::to_string(i);
    b.begin_event(Provenance{.receive_time = 1'800'000'000'000'000'000LL, .raw = raw, .source = "host", .input = "agent"});
    b.add_int(field_id("class_uid"), 1007);
    b.add_int(field_id("severity_id"), 4);
    b.add_string(field_id("process.cmd_line"), "sh -c 'a=b\nc|d\\e'");
    b.add_int(field_id("process.pid"), i);
    b.set_time(1'800'000'000'000'000'000LL + i);
    b.end_event();
  }
  return b;
}

SpooledBatch spooled(uint64_t seq, int first, int count) {
  SpooledBatch s{.seq = seq, .events = static_cast<uint32_t>(count)};
  encode_agent_batch(sample_batch(first, count), s.payload);
  return s;
}

std::vector<std::string> lines_of_dir(const fs::path& dir) {
  std::vector<std::string> out;
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::ifstream in(f);
    for (std::string line; std::getline(in, line);) out.push_back(line);
  }
  return out;
}

AgentConfig file_config(const fs::path& dir) {
  AgentConfig c;
  c.output = AgentOutput::File;
  c.file.dir = dir;
  return c;
}

TEST(FileOutput, WritesEachBatchOnceAcrossRestarts) {
  const fs::path dir = temp_dir("file-once");
  const AgentConfig c = file_config(dir);
  {
    auto out = make_file_output(c, "h");
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ((*out)->deliver(spooled(1, 0, 3)).kind, Delivery::Delivered);
    EXPECT_EQ((*out)->deliver(spooled(2, 3, 2)).kind, Delivery::Delivered);
  }
  ASSERT_EQ(lines_of_dir(dir).size(), 5u);
  // A crash before the spool heard of batch 2: it comes again, and is not written twice.
  auto out = make_file_output(c, "h");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)->deliver(spooled(2, 3, 2)).kind, Delivery::Delivered);
  EXPECT_EQ((*out)->deliver(spooled(3, 5, 1)).kind, Delivery::Delivered);
  const auto lines = lines_of_dir(dir);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_NE(lines[0].find("\"_raw\":\"line 0\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[5].find("\"_agent_batch\":3"), std::string::npos) << lines[5];
  EXPECT_NE(lines[5].find("\"process.cmd_line\":\"sh -c 'a=b\\nc|d\\\\e'\""), std::string::npos) << lines[5];
}

TEST(FileOutput, AnUnfinishedBatchIsCutAndWrittenWhole) {
  const fs::path dir = temp_dir("file-torn");
  const AgentConfig c = file_config(dir);
  {
    auto out = make_file_output(c, "h");
    ASSERT_TRUE(out.ok());
    ASSERT_EQ((*out)->deliver(spooled(1, 0, 2)).kind, Delivery::Delivered);
    ASSERT_EQ((*out)->deliver(spooled(2, 2, 4)).kind, Delivery::Delivered);
  }
  // What a power loss may leave: batch 2 with two whole lines and a torn third.
  fs::path file = dir / "events-1.ndjson";
  std::string text;
  {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  size_t cut = 0;
  for (int n = 0; n < 4; ++n) cut = text.find('\n', cut) + 1;  // 2 of batch 1, 2 of batch 2
  fs::resize_file(file, cut + 10);
  auto out = make_file_output(c, "h");
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(lines_of_dir(dir).size(), 2u);  // batch 2's remains are gone
  EXPECT_EQ((*out)->deliver(spooled(1, 0, 2)).kind, Delivery::Delivered);  // still there: skipped
  EXPECT_EQ((*out)->deliver(spooled(2, 2, 4)).kind, Delivery::Delivered);
  EXPECT_EQ(lines_of_dir(dir).size(), 6u);
}

TEST(SyslogFormat, Rfc5424IsOctetCountedAndCarriesTheEventJson) {
  EventBatch b = sample_batch(7, 1);
  std::string out;
  append_rfc5424_framed(out, b, b[0], "web-01");
  const size_t space = out.find(' ');
  const size_t length = std::stoul(out.substr(0, space));
  EXPECT_EQ(out.size() - space - 1, length);
  const std::string message = out.substr(space + 1);
  // Facility 13 (log audit) and severity_id 4 (high) as err (3): 13*8+3.
  EXPECT_TRUE(message.starts_with("<107>1 2027-01-15T08:00:00")) << message;
  EXPECT_NE(message.find(" web-01 vigil-agent - 1007 - {"), std::string::npos) << message;
  EXPECT_NE(message.find("\"process.pid\":7"), std::string::npos);
  EXPECT_EQ(message.find('\n'), std::string::npos);  // escaped inside the JSON
}

TEST(SyslogFormat, CefEscapesWhatCefReserves) {
  EventBatch b = sample_batch(1, 1);
  std::string cef;
  append_cef(cef, b, b[0]);
  EXPECT_TRUE(cef.starts_with("CEF:0|Vigil|Vigil Agent|1|1007|")) << cef;
  EXPECT_NE(cef.find("|8|rt=1800000000000"), std::string::npos) << cef;  // high: 8 of 10
  EXPECT_NE(cef.find("cs1=sh -c 'a\\=b\\nc|d\\\\e' cs1Label=cmdLine"), std::string::npos) << cef;
  EXPECT_NE(cef.find("spid=1"), std::string::npos) << cef;
  std::string line;
  append_cef_syslog_line(line, b, b[0], "web-01");
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line per event
}

TEST(Backoff, GrowsToItsCapWithFullJitter) {
  EXPECT_EQ(backoff_delay_ms(1, 250, 30'000, 250), 250);
  EXPECT_EQ(backoff_delay_ms(1, 250, 30'000, 251), 0);
  EXPECT_LE(backoff_delay_ms(3, 250, 30'000, ~0ull), 1000);
  EXPECT_EQ(backoff_delay_ms(3, 250, 30'000, 1000), 1000);
  EXPECT_EQ(backoff_delay_ms(30, 250, 30'000, 30'000), 30'000);
  for (uint64_t r = 0; r < 100'000; r += 997) EXPECT_LE(backoff_delay_ms(12, 250, 30'000, r), 30'000);
}

// An output that fails the first deliveries, refuses batch 2 and records the rest.
struct ScriptedOutput final : Output {
  std::atomic<int> failures_left{2};
  std::vector<uint64_t> delivered;
  std::mutex mutex;
  std::string_view name() const override { return "scripted"; }
  Delivery deliver(const SpooledBatch& b) override {
    if (failures_left-- > 0) return {Delivery::Retry, "down"};
    if (b.seq == 2) return {Delivery::Refused, "bad batch"};
    std::lock_guard lock(mutex);
    delivered.push_back(b.seq);
    return {Delivery::Delivered, {}};
  }
};

TEST(Shipper, RetriesWithBackoffSkipsRefusedBatchesAndAcksDelivered) {
  const fs::path dir = temp_dir("shipper");
  auto spool = Spool::open(SpoolOptions{.dir = dir / "spool"});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*spool)->append("payload" + std::to_string(i), 10).ok());
  ScriptedOutput out;
  Shipper shipper(**spool, out, ShipperOptions{.backoff_min_ms = 5, .backoff_max_ms = 20, .heartbeat_interval_ms = 60'000},
                  [] { return AgentHealth{}; });
  shipper.start();
  for (int i = 0; i < 400 && (*spool)->stats().batches_waiting > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  shipper.stop();
  EXPECT_EQ((*spool)->stats().batches_waiting, 0u);
  const ShipperStats s = shipper.stats();
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.batches_refused, 1u);
  EXPECT_EQ(s.events_refused, 10u);
  EXPECT_EQ(s.batches_delivered, 2u);
  EXPECT_EQ(out.delivered, (std::vector<uint64_t>{1, 3}));
}

}  // namespace
}  // namespace vigil
