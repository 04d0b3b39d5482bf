// Helpers for the store tests: a temp data directory per test, batches whose events
// carry unique ids, and collecting ids back out of a scan.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/event_batch.h"
#include "store/store.h"

namespace vigil::testing {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() / ("vigil-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                                        "-" + (info ? info->name() : "x"));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline FieldId id_field() { return field_id("test.id"); }

// `n` events with ids first..first+n-1; event i has time time0 + i.
inline EventBatch make_batch(int64_t first, int n, TimeNs time0) {
  EventBatch b;
  for (int i = 0; i < n; ++i) {
    std::string raw = "event " + std::to_string(first + i);
    b.begin_event({.receive_time = time0 + i, .raw = raw, .source = "test", .input = "test"});
    b.add_int(id_field(), first + i);
    b.add_string(field_id("test.text"), "some text to make the record less tiny");
    b.set_time(time0 + i);
    b.end_event();
  }
  return b;
}

// How many times each id occurs in a full scan.
inline std::map<int64_t, int> scan_ids(const Store& store, TimeNs from = kMinTime, TimeNs to = kMaxTime) {
  std::map<int64_t, int> ids;
  Status s = store.scan(from, to, [&](const EventBatch& b) {
    for (const auto& e : b.events()) {
      const Value* v = b.find(e, id_field());
      EXPECT_NE(v, nullptr);
      if (v) ++ids[v->i64];
    }
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return ids;
}

inline StoreOptions options_for(const fs::path& dir) {
  StoreOptions o;
  o.dir = dir;
  return o;
}

inline Result<std::unique_ptr<Store>> open_store(const fs::path& dir, bool read_only = false) {
  StoreOptions o = options_for(dir);
  o.read_only = read_only;
  return Store::open(o);
}

// Seals run on their own thread: polls `pred` for up to 10 s.
template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// Files in dir with the given suffix, sorted.
inline std::vector<fs::path> files_in(const fs::path& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().string().ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Routes spdlog's default logger into memory for the life of the object.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)), old_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(old_); }
  // Messages logged at `level`.
  std::vector<std::string> at(spdlog::level::level_enum level) const {
    std::vector<std::string> out;
    for (const auto& m : sink_->last_raw()) {
      if (m.level == level) out.emplace_back(m.payload.data(), m.payload.size());
    }
    return out;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> old_;
};

}  // namespace vigil::testing
