// CollectorThread: what the collectors that read on a thread of their own (exec, FIM)
// share — the thread and the eventfd that wakes it to stop, and the bounded queue the
// agent's poll() drains, kept with the collector's stats under one lock. A record the
// queue has no room for is counted in stats.dropped, never lost silently.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/collector.h"
#include "core/status.h"

namespace vigil {

template <typename Record>
class CollectorThread {
 public:
  explicit CollectorThread(size_t capacity) : capacity_(capacity ? capacity : 1) {}
  ~CollectorThread() { stop(); }
  CollectorThread(const CollectorThread&) = delete;
  CollectorThread& operator=(const CollectorThread&) = delete;

  bool running() const { return thread_.joinable(); }
  // Readable once stop() was called: the thread polls it beside its own descriptors.
  int stop_fd() const { return stop_fd_; }

  // Opens the stop eventfd (before the collector opens its source, which may poll it).
  Status open(const char* who) {
    if (running()) return Status::error(std::string(who) + " collector already started");
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) return Status::error(std::string(who) + " collector: eventfd: " + std::strerror(errno));
    return Status();
  }
  void run(std::function<void()> body) { thread_ = std::thread(std::move(body)); }
  // Wakes the thread, joins it and closes the eventfd.
  void stop() {
    if (thread_.joinable()) {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof(one));
      thread_.join();
    }
    if (stop_fd_ >= 0) ::close(stop_fd_);
    stop_fd_ = -1;
  }

  // From the thread: false (and counted as dropped) when poll() is not keeping up. A
  // reader with costly work per record asks has_room() first and skips the work.
  bool has_room() {
    std::lock_guard lock(mu_);
    if (queue_.size() < capacity_) return true;
    ++stats_.dropped;
    return false;
  }
  bool push(Record r) {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      ++stats_.dropped;
      return false;
    }
    queue_.push_back(std::move(r));
    return true;
  }

  // The agent's poll(): every queued record to `append`, counted as events.
  template <typename Append>
  void drain(Append&& append) {
    std::deque<Record> ready;
    {
      std::lock_guard lock(mu_);
      ready.swap(queue_);
    }
    for (Record& r : ready) append(r);
    std::lock_guard lock(mu_);
    stats_.events += ready.size();
  }

  void set_mode(const char* mode) {
    std::lock_guard lock(mu_);
    stats_.mode = mode;
  }
  // `lost`: the error also lost events (how many is unknown), so dropped counts it too.
  void note_error(const std::string& what, bool count = true, bool lost = false) {
    std::lock_guard lock(mu_);
    if (count) ++stats_.errors;
    if (lost) ++stats_.dropped;
    stats_.last_error = what;
  }
  CollectorStats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  size_t capacity_;
  int stop_fd_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;  // guards queue_ and stats_
  std::deque<Record> queue_;
  CollectorStats stats_;
};

}  // namespace vigil
