// The inventory collector on this Debian machine (bash is installed, root exists) and
// its parsers on hand-written files with the damage real files can have.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "agent/inventory_collector.h"
#include "core/event_batch.h"

namespace vigil {
namespace {

TEST(InventoryParsers, DpkgStatusKeepsOnlyInstalledPackages) {
  const std::string status =
      "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n"
      "Description: GNU Bourne Again SHell\n Bash is an sh-compatible command language interpreter.\n .\n More.\n\n"
      "Package: oldthing\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
      "Status: install ok installed\nVersion: 9\n\n"  // no Package: counted as bad
      "Package: zlib1g\r\nStatus: install ok installed\r\nVersion: 1:1.2.13\r\nArchitecture: amd64\r\n";
  size_t bad = 0;
  auto pkgs = parse_dpkg_status(status, bad);
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(bad, 1u);
  EXPECT_EQ(pkgs[0].name, "bash");
  EXPECT_EQ(pkgs[0].version, "5.2.15-2+b2");
  EXPECT_EQ(pkgs[0].arch, "amd64");
  EXPECT_EQ(pkgs[0].source, "dpkg");
  EXPECT_EQ(pkgs[1].name, "zlib1g");
  EXPECT_EQ(pkgs[1].version, "1:1.2.13");
}

TEST(InventoryParsers, OsReleasePasswdGroup) {
  OsRelease os = parse_os_release("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                                  "VERSION_ID=\"12\"\nID=debian\n# comment\nBROKEN\n");
  EXPECT_EQ(os.name, "Debian GNU/Linux");
  EXPECT_EQ(os.version, "12");
  EXPECT_EQ(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(os.id, "debian");

  size_t bad = 0;
  auto users = parse_passwd("root:x:0:0:root:/root:/bin/bash\nbroken:x:zero:0::/:/bin/sh\nshort:x:1\n"
                            "alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n", bad);
  EXPECT_EQ(bad, 2u);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "root");
  EXPECT_EQ(users[0].uid, 0);
  EXPECT_EQ(users[1].uid, 1000);
  EXPECT_EQ(users[1].shell, "/bin/zsh");

  bad = 0;
  auto groups = parse_group("sudo:x:27:alice,bob\nroot:x:0:\nbad line\n", bad);
  EXPECT_EQ(bad, 1u);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].members, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(groups[1].members.empty());
}

const Value* get(const EventBatch& b, const char* name) { return b.find(b[0], field_dictionary().find(name)); }

TEST(InventoryCollector, OneEventDescribingThisMachine) {
  if (!std::filesystem::exists("/var/lib/dpkg/status")) GTEST_SKIP() << "not a dpkg system";
  InventoryCollectorOptions o;
  auto c = make_inventory_collector(o);
  ASSERT_TRUE(c->start(CollectorContext{.hostname = "inv-host"}).ok());
  EventBatch batch;
  for (int i = 0; i < 1000 && batch.empty(); ++i) {
    c->poll(batch);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(get(batch, "class_uid")->i64, 5001);
  EXPECT_EQ(get(batch, "activity_id")->i64, 2);
  EXPECT_EQ(get(batch, "device.hostname")->as_string(), "inv-host");
  ASSERT_NE(get(batch, "device.os.name"), nullptr);
  EXPECT_NE(std::string(get(batch, "device.os.name")->as_string()).find("Debian"), std::string::npos);
  ASSERT_NE(get(batch, "device.os.kernel_release"), nullptr);
  EXPECT_FALSE(get(batch, "device.os.kernel_release")->as_string().empty());
  EXPECT_GT(get(batch, "unmapped.inventory.package_count")->i64, 10);
  const std::string packages(get(batch, "unmapped.inventory.packages")->as_string());
  EXPECT_NE(packages.find("{\"name\":\"bash\",\"version\":\""), std::string::npos);
  const std::string users(get(batch, "unmapped.inventory.users")->as_string());
  EXPECT_NE(users.find("{\"name\":\"root\",\"uid\":0,"), std::string::npos);
  EXPECT_NE(std::string(get(batch, "unmapped.inventory.groups")->as_string()).find("\"name\":\"root\""), std::string::npos);
  ASSERT_NE(get(batch, "unmapped.inventory.listening"), nullptr);
  // Nothing more until the interval has passed.
  EventBatch more;
  c->poll(more);
  c->poll(more);
  EXPECT_TRUE(more.empty());
  c->stop();
}

}  // namespace
}  // namespace vigil
