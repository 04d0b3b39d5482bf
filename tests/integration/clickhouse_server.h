// Test support: a real clickhouse-server (Debian's 18.16) as a child process on free
// loopback ports, with a generated config and everything under a temp dir that
// stop() removes. Tests of the ClickHouse translation run their queries on it.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cluster/clickhouse_http.h"

namespace vigil::testing {

class ClickHouseServer {
 public:
  // Starts the server and waits (up to 60 s) until it answers /ping; false with the
  // reason and the server's log tail in `why` otherwise.
  bool start(std::string& why);
  void stop();
  // The tails of the server's logs, for a failing test's output.
  std::string log() const;
  const cluster::ClickHouseEndpoint& endpoint() const { return endpoint_; }

 private:
  bool start_once(int attempt, std::string& why);
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  cluster::ClickHouseEndpoint endpoint_;
};

// A test suite that shares one server: started before its first test (a test fails
// with the reason when it could not start), stopped after its last; the server's
// logs are printed after a failing test.
class ClickHouseSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ClickHouseServer();
    start_error_.clear();
    server_->start(start_error_);
  }
  static void TearDownTestSuite() {
    server_->stop();
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(start_error_.empty()) << start_error_; }
  void TearDown() override {
    if (HasFailure()) std::cerr << server_->log();
  }

  static inline ClickHouseServer* server_ = nullptr;
  static inline std::string start_error_;
};

// The rows and cells of a TabSeparated answer (cells still escaped).
std::vector<std::vector<std::string>> tsv(const std::string& body);
// A raw string as TabSeparated writes it, to compare with the cells above.
std::string tsv_escape(const std::string& s);

}  // namespace vigil::testing
