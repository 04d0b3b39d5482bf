// Overload behaviour of the network inputs against a store that withholds its
// acknowledgements: TCP stops reading (backpressure), UDP drops and counts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "ingest/listener.h"

namespace vigil {

namespace {

// Keeps every appended batch and its callback until release().
class HoldingStore : public Store {
 public:
  void append(EventBatch&& batch, Done done) override {
    std::lock_guard lock(mu_);
    events_ += batch.size();
    held_.push_back(std::move(done));
  }
  Status scan(const ScanRequest&, const Visit&, ScanStats*) const override { return {}; }
  Status flush() override { return {}; }
  StoreStats stats() const override { return {}; }

  size_t appends() {
    std::lock_guard lock(mu_);
    return held_.size() + released_;
  }
  size_t events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  void release() {
    std::vector<Done> done;
    {
      std::lock_guard lock(mu_);
      done.swap(held_);
      released_ += done.size();
    }
    for (auto& d : done) d(Status());
  }

 private:
  std::mutex mu_;
  std::vector<Done> held_;
  size_t released_ = 0, events_ = 0;
};

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return pred();
}

sockaddr_in addr_of(const HostPort& hp) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(hp.port);
  inet_pton(AF_INET, hp.host.c_str(), &a.sin_addr);
  return a;
}

struct IoThread {
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~IoThread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

}  // namespace

TEST(Backpressure, TcpReadsNothingMoreUntilTheBatchIsDurable) {
  HoldingStore store;
  IngestCounters counters;
  Pipeline pipeline(store, counters);
  IoThread io;
  auto listener = start_syslog_tcp(io.io, {"127.0.0.1", 0}, pipeline, {});
  ASSERT_TRUE(listener.ok()) << listener.error();
  sockaddr_in a = addr_of((*listener)->address());
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);

  std::string first = "<13>Nov 22 06:00:00 h app: one\n<13>Nov 22 06:00:00 h app: two\n";
  ASSERT_EQ(send(fd, first.data(), first.size(), 0), static_cast<ssize_t>(first.size()));
  ASSERT_TRUE(eventually([&] { return store.appends() == 1; }));
  EXPECT_EQ(store.events(), 2u);

  // Not yet durable: whatever arrives now is not read.
  std::string second = "<13>Nov 22 06:00:01 h app: three\n";
  ASSERT_EQ(send(fd, second.data(), second.size(), 0), static_cast<ssize_t>(second.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(store.appends(), 1u);
  EXPECT_EQ(counters.tcp_messages.load(), 2u);

  store.release();  // durable: the connection reads on
  ASSERT_TRUE(eventually([&] { return store.appends() == 2; }));
  EXPECT_EQ(store.events(), 3u);
  store.release();
  close(fd);
  (*listener)->stop();
}

TEST(Backpressure, UdpDropsAndCountsWhenThePipelineIsFull) {
  HoldingStore store;
  IngestCounters counters;
  Pipeline pipeline(store, counters, /*max_inflight_bytes=*/1);  // full after one batch
  IoThread io;
  SyslogInputOptions options;
  options.batch_events = 10;
  options.flush_after = std::chrono::hours(1);  // batches close by size only: no timing in the counts
  auto listener = start_syslog_udp(io.io, {"127.0.0.1", 0}, pipeline, options);
  ASSERT_TRUE(listener.ok()) << listener.error();
  sockaddr_in a = addr_of((*listener)->address());
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < 60; ++i) {
    std::string d = "<13>Nov 22 06:00:00 h app: datagram " + std::to_string(i);
    sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  close(fd);
  ASSERT_TRUE(eventually([&] { return counters.udp_datagrams.load() == 60; }));
  ASSERT_TRUE(eventually([&] { return counters.events_received.load() + counters.udp_dropped.load() == 60; }));
  // The first batch filled the pipeline; everything after it was dropped, and said so.
  EXPECT_EQ(store.events(), 10u);
  EXPECT_EQ(counters.udp_dropped.load(), 50u);
  EXPECT_TRUE(pipeline.overloaded());
  store.release();
  EXPECT_FALSE(pipeline.overloaded());
  EXPECT_EQ(counters.events_stored.load(), 10u);
  (*listener)->stop();
}

}  // namespace vigil
