// Store append throughput and acknowledgement latency: T threads each append_sync()
// batches of B syslog-like events (prebuilt, so the store is what is measured), then
// a full scan and a reopen that replays the WAL.
//   cmake --preset release && cmake --build build/release --target store_append_bench
//   build/release/bench/store_append_bench [threads=8] [batch=100] [events=400000] [sync=1] [dir]
// Results: bench/RESULTS.md.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.h"
using namespace vigil;
namespace fs = std::filesystem;
EventBatch make(int64_t first, int n) {
  EventBatch b;
  FieldId host = field_id("device.hostname"), user = field_id("actor.user.name"), ip = field_id("src_endpoint.port"),
          cls = field_id("class_uid");
  for (int i = 0; i < n; ++i) {
    std::string raw = "<38>Nov 22 06:56:52 web-" + std::to_string((first + i) % 50) + " sshd[" +
                      std::to_string(1000 + i) + "]: Failed password for invalid user admin" + std::to_string(i % 97) +
                      " from 10.1." + std::to_string(i % 255) + ".7 port 5" + std::to_string(i % 9999) + " ssh2";
    b.begin_event({.receive_time = first + i, .raw = raw, .source = "10.0.0.5:514", .input = "syslog-udp"});
    b.add_string(host, "web-" + std::to_string((first + i) % 50));
    b.add_string(user, "admin" + std::to_string(i % 97));
    b.add_int(ip, 50000 + i % 9999);
    b.add_int(cls, 3002);
    b.set_time(1'700'000'000'000'000'000 + (first + i) * 1000);
    b.end_event();
  }
  return b;
}
int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 8, batch = argc > 2 ? atoi(argv[2]) : 100,
      total = argc > 3 ? atoi(argv[3]) : 400000;
  bool sync = argc > 4 ? atoi(argv[4]) != 0 : true;
  fs::path dir = argc > 5 ? fs::path(argv[5]) : fs::temp_directory_path() / "vigil-store-append-bench";
  fs::remove_all(dir);
  StoreOptions o;
  o.dir = dir;
  o.sync = sync;
  auto store = Store::open(o);
  if (!store.ok()) {
    puts(store.error().c_str());
    return 1;
  }
  int per = total / threads / batch;
  // pre-build batches so we measure the store
  std::vector<std::vector<EventBatch>> pre(threads);
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per; ++i) pre[t].push_back(make((int64_t(t) * per + i) * batch, batch));
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ths;
  std::vector<double> lat;
  std::mutex mu;
  for (int t = 0; t < threads; ++t)
    ths.emplace_back([&, t] {
      std::vector<double> mine;
      for (auto& b : pre[t]) {
        auto a = std::chrono::steady_clock::now();
        if (!(*store)->append_sync(std::move(b)).ok()) abort();
        mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
      }
      std::lock_guard lk(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  for (auto& t : ths) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto st = (*store)->stats();
  std::sort(lat.begin(), lat.end());
  printf(
      "threads=%d batch=%d sync=%d events=%llu: %.0f events/s, %llu batches, %llu syncs, %llu segments, ack p50 %.2f "
      "ms p99 %.2f ms max %.1f ms\n",
      threads, batch, int(sync), (unsigned long long)st.events_appended, st.events_appended / secs,
      (unsigned long long)st.batches_appended, (unsigned long long)st.wal_syncs, (unsigned long long)st.segments,
      lat[lat.size() / 2], lat[lat.size() * 99 / 100], lat.back());
  auto s0 = std::chrono::steady_clock::now();
  size_t n = 0;
  (*store)->scan(kMinTime, kMaxTime, [&](const EventBatch& b) {
    n += b.size();
    return true;
  });
  printf("scan %zu events in %.0f ms\n", n,
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count());
  store->reset();
  s0 = std::chrono::steady_clock::now();
  store = Store::open(o);
  printf("reopen (replay %llu events) %.0f ms\n", (unsigned long long)(*store)->stats().replayed_events,
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count());
  store->reset();
  fs::remove_all(dir);
}
