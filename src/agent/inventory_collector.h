// Inventory collector: at start and every few hours, one OCSF Device Inventory Info
// (5001, activity 2 Collect) event describing the machine: OS (/etc/os-release), kernel
// (uname), hostname, installed packages (dpkg's status file read directly; `rpm -qa`
// when rpm is present), users and groups (/etc/passwd, /etc/group) and listening
// sockets with their process.
//
// Events carry scalar fields only (no arrays), so each list is a count field plus one
// compact JSON array string under unmapped.inventory.*: one event stays one snapshot
// (searchable as text, diffable between snapshots) instead of thousands of events per
// run that a store would have to put back together.
//   device.hostname, device.os.name/version/type/type_id/kernel_release/build,
//   unmapped.inventory.{package_count,packages,user_count,users,group_count,groups,
//   listening_count,listening}
// The collection runs on its own thread (rpm can take seconds); poll() hands it over.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collector.h"

namespace vigil {

struct InstalledPackage {
  std::string name, version, arch, source;  // source: "dpkg" or "rpm"
};
struct OsRelease {
  std::string name, version, pretty_name, id;
};
struct LocalUser {
  std::string name, home, shell;
  int64_t uid = -1, gid = -1;
};
struct LocalGroup {
  std::string name;
  int64_t gid = -1;
  std::vector<std::string> members;
};

// Packages whose Status is "install ok installed" (others are half-removed or only
// configured files left); bad stanzas are counted in `bad`.
std::vector<InstalledPackage> parse_dpkg_status(std::string_view text, size_t& bad);
OsRelease parse_os_release(std::string_view text);
std::vector<LocalUser> parse_passwd(std::string_view text, size_t& bad);
std::vector<LocalGroup> parse_group(std::string_view text, size_t& bad);

struct InventoryCollectorOptions {
  std::string name = "inventory";
  double interval_hours = 12;
  std::string root = "/";              // where etc/ and var/lib/dpkg/ are read (tests, containers)
  std::string proc_root = "/proc";
  bool rpm = true;                     // run `rpm -qa` when rpm is installed
  bool listening = true;
};

std::unique_ptr<Collector> make_inventory_collector(InventoryCollectorOptions options);

}  // namespace vigil
