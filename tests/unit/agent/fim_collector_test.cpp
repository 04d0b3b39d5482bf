// FIM collector against a real temporary folder: inotify, rescans alone, and a
// baseline that outlives a stop. Expected hashes are computed here from the bytes
// the test writes.
#include "agent/fim_collector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "agent/fim_baseline.h"
#include "agent/sha256_file.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Fields = std::map<std::string, std::string>;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/vigil-fim-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << bytes;
}

// Polls until an event matches `want` (returns it) or 5 s pass (returns empty).
Fields wait_for(Collector& c, const std::function<bool(const Fields&)>& want, std::vector<Fields>* all = nullptr,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    EventBatch batch;
    c.poll(batch);
    Fields found;  // the whole batch goes to `all` even when an early event matches
    for (const Event& e : batch.events()) {
      Fields f;
      for (const Field& field : batch.fields(e)) f.emplace(std::string(field_name(field.id)), field.value.to_string());
      f["raw"] = std::string(e.raw);
      if (all) all->push_back(f);
      if (found.empty() && want(f)) found = f;
    }
    if (!found.empty()) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

auto activity_on(int activity, const fs::path& p) {
  return [activity, path = p.string()](const Fields& f) {
    auto a = f.find("activity_id"), q = f.find("file.path");
    return a != f.end() && q != f.end() && a->second == std::to_string(activity) && q->second == path;
  };
}

class FimTest : public ::testing::TestWithParam<bool> {
 protected:
  TempDir watched, state;
  CollectorContext context() { return {.hostname = "test-host", .state_dir = state.path}; }
  FimCollectorOptions options() {
    FimCollectorOptions o;
    o.paths = {watched.path.string()};
    o.exclude = {"*.swp"};
    o.inotify = GetParam();
    // With inotify, rescans must not be what finds the change: make them rare.
    o.rescan_interval_s = GetParam() ? 3600 : 0.2;
    return o;
  }
};

// Create, modify, chmod, chown and delete, each found with the right activity,
// path and content hash.
TEST_P(FimTest, DetectsCreateModifyChmodChownDelete) {
  write_file(watched.path / "existing.conf", "already here\n");
  auto fim = make_fim_collector(options());
  ASSERT_TRUE(fim->start(context()).ok());
  EXPECT_EQ(fim->stats().mode, GetParam() ? "inotify+rescan" : "rescan");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the first scan builds the baseline

  fs::path file = watched.path / "sub" / "new.txt";
  fs::create_directory(watched.path / "sub");
  const std::string v1 = "version one\n";
  write_file(file, v1);
  Fields created = wait_for(*fim, activity_on(1, file));
  ASSERT_FALSE(created.empty()) << "no Create event for " << file;
  EXPECT_EQ(created["class_uid"], "1001");
  EXPECT_EQ(created["type_uid"], "100101");
  EXPECT_EQ(created["file.name"], "new.txt");
  EXPECT_EQ(created["file.parent_folder"], (watched.path / "sub").string());
  EXPECT_EQ(created["file.size"], std::to_string(v1.size()));
  EXPECT_EQ(created["file.hashes.value"], sha256_hex(v1.data(), v1.size()));
  EXPECT_EQ(created["file.hashes.algorithm_id"], "3");
  EXPECT_EQ(created["metadata.log_name"], "fim");
  EXPECT_EQ(created["device.hostname"], "test-host");
  EXPECT_EQ(created["unmapped.fim.detected_by"], GetParam() ? "inotify" : "rescan");

  const std::string v2 = "version two, longer\n";
  write_file(file, v2);
  Fields updated = wait_for(*fim, activity_on(3, file));
  ASSERT_FALSE(updated.empty()) << "no Update event";
  EXPECT_EQ(updated["file.hashes.value"], sha256_hex(v2.data(), v2.size()));
  EXPECT_EQ(updated["unmapped.fim.prev.sha256"], sha256_hex(v1.data(), v1.size()));
  EXPECT_EQ(updated["unmapped.fim.changed"], "content");

  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  Fields chmodded = wait_for(*fim, activity_on(6, file));
  ASSERT_FALSE(chmodded.empty()) << "no Set Attributes event for chmod";
  EXPECT_EQ(chmodded["unmapped.fim.mode"], "0600");
  EXPECT_NE(chmodded["unmapped.fim.prev.mode"], "0600");
  EXPECT_EQ(chmodded["unmapped.fim.changed"], "mode");
  EXPECT_EQ(chmodded["file.hashes.value"], sha256_hex(v2.data(), v2.size()));

  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(file.c_str(), 4242, 4343), 0);
    Fields chowned = wait_for(*fim, activity_on(6, file));
    ASSERT_FALSE(chowned.empty()) << "no Set Attributes event for chown";
    EXPECT_EQ(chowned["unmapped.fim.changed"], "uid,gid");
    EXPECT_EQ(chowned["file.owner.uid"], "4242");
    EXPECT_EQ(chowned["unmapped.fim.gid"], "4343");
    EXPECT_EQ(chowned["unmapped.fim.prev.uid"], "0");
  }

  // Excluded names raise nothing; the delete after them is still seen.
  write_file(watched.path / "sub" / ".new.txt.swp", "x");
  fs::remove(file);
  std::vector<Fields> all;
  Fields deleted = wait_for(*fim, activity_on(4, file), &all);
  ASSERT_FALSE(deleted.empty()) << "no Delete event";
  EXPECT_EQ(deleted["file.hashes.value"], sha256_hex(v2.data(), v2.size()));  // as it was
  for (const Fields& f : all) EXPECT_EQ(f.at("file.path").find(".swp"), std::string::npos) << f.at("file.path");
  fim->stop();
  EXPECT_EQ(fim->stats().dropped, 0u);
}

INSTANTIATE_TEST_SUITE_P(InotifyAndRescanOnly, FimTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Inotify" : "RescanOnly"; });

TEST(FimCollector, FirstRunDoesNotReportExistingFiles) {
  TempDir watched, state;
  write_file(watched.path / "a", "a");
  FimCollectorOptions o{.paths = {watched.path.string()}, .rescan_interval_s = 0.1};
  auto fim = make_fim_collector(o);
  ASSERT_TRUE(fim->start({.hostname = "h", .state_dir = state.path}).ok());
  std::vector<Fields> all;
  wait_for(*fim, [](const Fields&) { return false; }, &all, std::chrono::seconds(1));  // 10 rescans of quiet
  EXPECT_TRUE(all.empty()) << all.size() << " events, first " << all.front().at("raw");
  fim->stop();
}

// Stop, change files while nothing watches, start: the first scan reports it all.
TEST(FimCollector, BaselineSurvivesRestart) {
  TempDir watched, state;
  const std::string before = "before\n", after = "after the restart\n";
  write_file(watched.path / "kept", before);
  write_file(watched.path / "removed", "bye");
  FimCollectorOptions o{.paths = {watched.path.string()}, .rescan_interval_s = 3600};
  {
    auto fim = make_fim_collector(o);
    ASSERT_TRUE(fim->start({.hostname = "h", .state_dir = state.path}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    fim->stop();
  }
  ASSERT_TRUE(fs::exists(state.path / "fim" / "baseline"));
  write_file(watched.path / "kept", after);
  fs::remove(watched.path / "removed");
  write_file(watched.path / "added", "new");

  auto fim = make_fim_collector(o);
  ASSERT_TRUE(fim->start({.hostname = "h", .state_dir = state.path}).ok());
  // All three come from the first scan, in one poll: search everything seen.
  std::vector<Fields> all;
  Fields updated = wait_for(*fim, activity_on(3, watched.path / "kept"), &all);
  ASSERT_FALSE(updated.empty()) << "change made while stopped not reported";
  wait_for(*fim, [](const Fields&) { return false; }, &all, std::chrono::milliseconds(300));
  auto seen = [&](int activity, const fs::path& p) {
    for (const Fields& f : all)
      if (activity_on(activity, p)(f)) return true;
    return false;
  };
  EXPECT_EQ(updated["file.hashes.value"], sha256_hex(after.data(), after.size()));
  EXPECT_EQ(updated["unmapped.fim.prev.sha256"], sha256_hex(before.data(), before.size()));
  EXPECT_EQ(updated["unmapped.fim.detected_by"], "rescan");
  EXPECT_TRUE(seen(4, watched.path / "removed"));
  EXPECT_TRUE(seen(1, watched.path / "added"));
  EXPECT_EQ(all.size(), 3u);  // and nothing about the files that did not change
  fim->stop();
}

TEST(FimCollector, CorruptBaselineIsReportedAndRebuilt) {
  TempDir watched, state;
  fs::create_directories(state.path / "fim");
  write_file(state.path / "fim" / "baseline", "vigil-fim-baseline 1\n0644 0 0 1 2 3 4 - /x\n");  // no end line
  FimCollectorOptions o{.paths = {watched.path.string()}};
  auto fim = make_fim_collector(o);
  ASSERT_TRUE(fim->start({.hostname = "h", .state_dir = state.path}).ok());
  EXPECT_EQ(fim->stats().errors, 1u);
  EXPECT_NE(fim->stats().last_error.find("cut short"), std::string::npos) << fim->stats().last_error;
  fim->stop();
  Baseline b;
  bool found = false;
  ASSERT_TRUE(load_baseline(state.path / "fim" / "baseline", b, found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(b.count(watched.path.string()), 1u);
}

TEST(FimBaseline, RoundTripsAndRefusesDamage) {
  Baseline b;
  b["/etc/odd name\n%"] = FileState{.mode = 0100644, .uid = 1, .gid = 2, .size = 3, .inode = 4, .mtime_ns = 5,
                                    .ctime_ns = 6, .sha256 = std::string(64, 'a')};
  b["/etc/big"] = FileState{.mode = 0100600, .too_large = true};
  b["/etc"] = FileState{.mode = 040755};
  std::string text = serialize_baseline(b);
  Baseline back;
  ASSERT_TRUE(parse_baseline(text, back).ok());
  EXPECT_EQ(back, b);

  std::string altered = text;
  ASSERT_NE(text.find("\n100600 "), std::string::npos);
  altered[text.find("\n100600 ") + 6] = '4';  // a permission bit flipped by hand
  Status s = parse_baseline(altered, back);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(parse_baseline(text.substr(0, text.size() - 5), back).ok());
  // Cut after a complete entry line: refused whole, nothing half-loaded.
  ASSERT_TRUE(parse_baseline(text, back).ok());
  size_t second_line = text.find('\n', text.find('\n') + 1) + 1;
  Status cut = parse_baseline(text.substr(0, second_line), back);
  EXPECT_NE(cut.message().find("cut short"), std::string::npos) << cut.message();
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(parse_baseline("something else\n", back).ok());
}

}  // namespace
}  // namespace vigil
