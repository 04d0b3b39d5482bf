#include "agent/shipper.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

#include "core/time.h"

namespace vigil {

int64_t backoff_delay_ms(int attempt, int64_t min_ms, int64_t max_ms, uint64_t random) {
  int64_t cap = min_ms;
  for (int i = 1; i < attempt && cap < max_ms; ++i) cap *= 2;
  if (cap > max_ms) cap = max_ms;
  return cap <= 0 ? 0 : static_cast<int64_t>(random % static_cast<uint64_t>(cap + 1));
}

Shipper::Shipper(Spool& spool, Output& output, ShipperOptions options, std::function<AgentHealth()> health)
    : spool_(spool), output_(output), options_(options), health_(std::move(health)) {}

Shipper::~Shipper() { stop(); }

void Shipper::start() { thread_ = std::thread([this] { run(); }); }

void Shipper::notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  cv_.notify_one();
}

void Shipper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

ShipperStats Shipper::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool Shipper::wait(int64_t ms, bool wake_on_notify) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_ || (wake_on_notify && notified_); });
  if (wake_on_notify) notified_ = false;
  return !stopping_;
}

void Shipper::run() {
  std::mt19937_64 random(std::random_device{}());
  int attempt = 0;
  TimeNs next_heartbeat = now_ns();
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (now_ns() >= next_heartbeat) {
      next_heartbeat = now_ns() + options_.heartbeat_interval_ms * 1'000'000;
      if (Status s = output_.heartbeat(health_()); s.ok()) {
        std::lock_guard lock(mutex_);
        ++stats_.heartbeats;
      } else {
        spdlog::debug("heartbeat not sent: {}", s.message());
      }
    }
    auto next = spool_.oldest();
    if (!next.ok()) {
      spdlog::error("spool: {}", next.status().message());
      if (!wait(1000, false)) return;
      continue;
    }
    if (!next->has_value()) {
      const int64_t until_heartbeat = (next_heartbeat - now_ns()) / 1'000'000;
      if (!wait(std::max<int64_t>(1, std::min<int64_t>(until_heartbeat, 1000)), true)) return;
      continue;
    }
    const SpooledBatch& batch = **next;
    Delivery d = output_.deliver(batch);
    if (d.kind == Delivery::Retry) {
      ++attempt;
      const int64_t delay = backoff_delay_ms(attempt, options_.backoff_min_ms, options_.backoff_max_ms, random());
      {
        std::lock_guard lock(mutex_);
        ++stats_.retries;
        if (stats_.last_error != d.message)
          spdlog::warn("{} output: batch {} not delivered ({}); retrying with backoff", output_.name(), batch.seq, d.message);
        stats_.last_error = d.message;
      }
      if (!wait(delay, false)) return;
      continue;
    }
    if (attempt > 0) spdlog::info("{} output: delivering again after {} retries", output_.name(), attempt);
    attempt = 0;
    if (d.kind == Delivery::Refused)
      spdlog::error("{} output refused batch {} ({} events) for good: {}; it is dropped and counted", output_.name(),
                    batch.seq, batch.events, d.message);
    if (Status s = spool_.ack(batch.seq); !s.ok()) {
      spdlog::error("spool: cannot acknowledge batch {}: {}", batch.seq, s.message());
      if (!wait(1000, false)) return;
      continue;
    }
    std::lock_guard lock(mutex_);
    stats_.last_error.clear();
    if (d.kind == Delivery::Refused) {
      ++stats_.batches_refused;
      stats_.events_refused += batch.events;
    } else {
      ++stats_.batches_delivered;
      stats_.events_delivered += batch.events;
    }
  }
}

}  // namespace vigil
