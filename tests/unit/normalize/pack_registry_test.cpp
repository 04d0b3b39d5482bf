// PackRegistry: a reload swaps in a whole new set of packs; a directory whose packs are
// all broken (or that vanished) keeps the set loaded before, so a bad edit never
// leaves ingest without parsers. Sets handed out before a reload stay usable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "normalize/pack_registry.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path path = fs::temp_directory_path() /
                  ("vigil-registry-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  Dir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name, std::ios::binary) << text; }
};

std::string pack(const std::string& name) { return "pack: " + name + "\nmatch: {contains: [x]}\n"; }

TEST(PackRegistry, StartsEmptyAndReloadSwapsInANewSet) {
  Dir d;
  d.write("a.yaml", pack("a"));
  PackRegistry reg(d.path.string());
  EXPECT_EQ(reg.current(), nullptr);
  EXPECT_EQ(reg.dir(), d.path.string());

  PackReloadReport first = reg.reload("start");
  EXPECT_TRUE(first.ok);
  EXPECT_EQ(first.packs, 1u);
  EXPECT_TRUE(first.refusals.empty());
  std::shared_ptr<const PackSet> before = reg.current();
  ASSERT_NE(before, nullptr);
  ASSERT_NE(before->find("a"), nullptr);

  d.write("b.yaml", pack("b"));
  d.write("c.yaml", "pack: c\nmatch: {contains: [x]}\nbogus: 1\n");
  PackReloadReport second = reg.reload("test");
  EXPECT_TRUE(second.ok);
  EXPECT_EQ(second.packs, 2u);
  ASSERT_EQ(second.refusals.size(), 1u);
  EXPECT_NE(second.refusals[0].find("c.yaml:3: unknown key 'bogus'"), std::string::npos) << second.refusals[0];
  std::shared_ptr<const PackSet> after = reg.current();
  ASSERT_NE(after, nullptr);
  EXPECT_NE(after, before);
  EXPECT_NE(after->find("b"), nullptr);
  EXPECT_EQ(after->find("c"), nullptr);
  // The set handed out before the reload is unchanged (batches in flight finish with it).
  EXPECT_EQ(before->packs().size(), 1u);
  EXPECT_EQ(before->find("b"), nullptr);

  // A pack removed from the directory is gone after the next reload.
  fs::remove(d.path / "a.yaml");
  reg.reload("test");
  EXPECT_EQ(reg.current()->find("a"), nullptr);
  EXPECT_NE(reg.current()->find("b"), nullptr);
}

TEST(PackRegistry, OnlyBrokenPacksKeepTheOldSet) {
  Dir d;
  d.write("a.yaml", pack("a"));
  PackRegistry reg(d.path.string());
  reg.reload("start");
  std::shared_ptr<const PackSet> good = reg.current();
  ASSERT_NE(good, nullptr);

  d.write("a.yaml", "pack: a\nmatch: {contains: [x]\n");  // broken YAML
  PackReloadReport r = reg.reload("SIGHUP");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.packs, 0u);
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_NE(r.refusals[0].find("a.yaml:"), std::string::npos);
  EXPECT_EQ(reg.current(), good);  // the same set, still serving
  EXPECT_NE(reg.current()->find("a"), nullptr);
}

TEST(PackRegistry, AMissingDirectoryKeepsTheOldSet) {
  auto d = std::make_unique<Dir>();
  d->write("a.yaml", pack("a"));
  PackRegistry reg(d->path.string());
  reg.reload("start");
  std::shared_ptr<const PackSet> good = reg.current();
  d.reset();  // the directory is gone
  PackReloadReport r = reg.reload("api");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.refusals.size(), 1u);
  EXPECT_EQ(reg.current(), good);
}

TEST(PackRegistry, AnEmptyDirectoryAtStartGivesAnEmptySet) {
  Dir d;
  PackRegistry reg(d.path.string());
  PackReloadReport r = reg.reload("start");
  EXPECT_TRUE(r.ok);  // readable, nothing refused
  EXPECT_EQ(r.packs, 0u);
  ASSERT_NE(reg.current(), nullptr);
  EXPECT_TRUE(reg.current()->packs().empty());
}

}  // namespace
}  // namespace vigil
