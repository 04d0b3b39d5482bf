// Reloading parser packs: load, report, swap.
#include "normalize/pack_registry.h"

#include <spdlog/spdlog.h>

#include "normalize/pack_loader.h"

namespace vigil {

PackReloadReport PackRegistry::reload(const char* why) {
  std::lock_guard lock(reload_mu_);
  PackLoad load = load_pack_dir(dir_);
  PackReloadReport report;
  report.refusals = load.refusals;
  report.packs = load.packs.size();
  report.ok = !load.packs.empty() || load.refusals.empty();
  for (const std::string& r : load.refusals) spdlog::error("parser pack refused: {}", r);
  if (load.packs.empty() && current()) {
    spdlog::error("parser packs ({}): none loaded from {}; keeping the {} loaded before", why, dir_,
                  current()->packs().size());
    return report;
  }
  current_.store(std::make_shared<const PackSet>(std::move(load.packs)), std::memory_order_release);
  spdlog::info("parser packs ({}): {} loaded from {}, {} refused", why, report.packs, dir_, report.refusals.size());
  return report;
}

}  // namespace vigil
