// Exec collector against the real kernel: the test starts a shell with a unique
// argument and waits for the collector to report it, once through the netlink
// process connector and once through the /proc polling fallback.
#include "agent/exec_collector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <thread>

#include "agent/proc_info.h"
#include "agent/sha256_file.h"

namespace vigil {
namespace {

using Fields = std::map<std::string, std::string>;

std::string file_sha256(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return sha256_hex(bytes.data(), bytes.size());
}

// Runs /bin/sh -c '<script>' as a child of this process; the shell stays (it has two
// commands to run, so it can't exec the last one in its place) for about a second.
pid_t start_shell(const std::string& marker) {
  std::string script = "sleep 1; : " + marker;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Polls until an event for `pid` running /bin/sh's executable arrives, or 5 s.
Fields wait_for_exec(Collector& c, pid_t pid, const std::string& exe) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    EventBatch batch;
    c.poll(batch);
    for (const Event& e : batch.events()) {
      Fields f;
      for (const Field& field : batch.fields(e)) f.emplace(std::string(field_name(field.id)), field.value.to_string());
      f["raw"] = std::string(e.raw);
      f["input"] = std::string(e.input);
      if (f["process.pid"] == std::to_string(pid) && f["process.file.path"] == exe) return f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

void check_exec_event(Collector& c) {
  std::string marker = "vigil-exec-test-" + std::to_string(std::random_device{}());
  std::string sh = std::filesystem::canonical("/bin/sh").string();  // dash on Debian
  std::string expected_sha = file_sha256(sh);
  pid_t child = start_shell(marker);
  ASSERT_GT(child, 0);
  Fields f = wait_for_exec(c, child, sh);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_FALSE(f.empty()) << "no exec event for pid " << child << " (" << sh << ") within 5 s; mode "
                          << c.stats().mode << ", last error: " << c.stats().last_error;
  EXPECT_EQ(f["class_uid"], "1007");
  EXPECT_EQ(f["activity_id"], "1");
  EXPECT_EQ(f["type_uid"], "100701");
  EXPECT_EQ(f["category_uid"], "1");
  EXPECT_EQ(f["process.file.name"], std::filesystem::path(sh).filename().string());
  EXPECT_NE(f["process.cmd_line"].find(marker), std::string::npos) << f["process.cmd_line"];
  // The script is one argument with spaces: quoted as a shell would need it.
  EXPECT_EQ(f["process.cmd_line"], "sh -c 'sleep 1; : " + marker + "'");
  EXPECT_EQ(f["process.parent_process.pid"], std::to_string(::getpid()));
  EXPECT_EQ(f["process.parent_process.file.path"], std::filesystem::canonical("/proc/self/exe").string());
  EXPECT_EQ(f["process.file.hashes.value"], expected_sha);
  EXPECT_EQ(f["process.file.hashes.algorithm_id"], "3");
  EXPECT_EQ(f["process.working_directory"], std::filesystem::current_path().string());
  EXPECT_EQ(f["process.user.uid"], std::to_string(::geteuid()));
  if (::geteuid() == 0) {
    EXPECT_EQ(f["process.user.name"], "root");
  }
  EXPECT_EQ(f["device.hostname"], "test-host");
  EXPECT_EQ(f["metadata.log_name"], "exec");
  EXPECT_EQ(f["metadata.product.name"], "Vigil Agent");
  EXPECT_EQ(f["input"], "agent");
  EXPECT_NE(f["raw"].find("\"sleep 1; : " + marker + "\""), std::string::npos) << f["raw"];  // one JSON argument
}

TEST(ExecCollector, SeesAProcessThroughTheNetlinkConnector) {
  auto c = make_exec_collector({});
  ASSERT_TRUE(c->start({.hostname = "test-host"}).ok());
  if (c->stats().mode != "netlink") {
    std::string why = c->stats().last_error;
    c->stop();
    GTEST_SKIP() << "the netlink process connector is not permitted here: " << why;
  }
  check_exec_event(*c);
  c->stop();
  EXPECT_EQ(c->stats().dropped, 0u);
}

TEST(ExecCollector, SeesAProcessThroughProcPolling) {
  auto c = make_exec_collector({.poll_interval_ms = 50, .force_proc_polling = true});
  ASSERT_TRUE(c->start({.hostname = "test-host"}).ok());
  EXPECT_EQ(c->stats().mode, "proc-poll");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // its first pass only learns what runs
  check_exec_event(*c);
  c->stop();
}

TEST(ExecCollector, QueueFullCountsDrops) {
  auto c = make_exec_collector({.poll_interval_ms = 20, .force_proc_polling = true, .queue_capacity = 1});
  ASSERT_TRUE(c->start({.hostname = "h"}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  pid_t a = start_shell("one"), b = start_shell("two"), d = start_shell("three");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c->stop();
  EXPECT_GE(c->stats().dropped, 2u);
  for (pid_t p : {a, b, d}) ::waitpid(p, nullptr, 0);
  EventBatch batch;
  c->poll(batch);
  EXPECT_EQ(batch.size(), 1u);
}

TEST(ProcInfo, JoinsCommandLinesWithQuotes) {
  std::string line, json;
  join_cmdline(std::string_view("ls\0-l\0/tmp/a b\0\0it's\0", 21), line, &json);
  EXPECT_EQ(line, "ls -l '/tmp/a b' '' 'it'\\''s'");
  EXPECT_EQ(json, R"(["ls","-l","/tmp/a b","","it's"])");
  join_cmdline(std::string_view("title rewritten", 15), line, &json);  // no NUL at all
  EXPECT_EQ(line, "'title rewritten'");
  join_cmdline("", line, &json);
  EXPECT_EQ(line, "");
  EXPECT_EQ(json, "[]");
}

TEST(ProcInfo, ParsesStatus) {
  ProcInfo p;
  ASSERT_TRUE(parse_proc_status("Name:\tsudo\nPPid:\t77\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n", p));
  EXPECT_EQ(p.ppid, 77);
  EXPECT_EQ(p.ruid, 1000);
  EXPECT_EQ(p.euid, 0);
  EXPECT_EQ(p.comm, "sudo");
  ProcInfo q;
  EXPECT_FALSE(parse_proc_status("Name:\tx\nUid:\tzz\n", q));
}

}  // namespace
}  // namespace vigil
