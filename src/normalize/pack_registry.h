// PackRegistry: the parser packs ingest uses now. Inputs take the current set at the
// start of each batch; a reload builds a whole new set and swaps it in, so a batch
// never sees half of one and a broken pack file never takes the others down.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "normalize/pack_set.h"

namespace vigil {

struct PackReloadReport {
  bool ok = false;            // at least the directory was readable
  size_t packs = 0;
  std::vector<std::string> refusals;
};

class PackRegistry {
 public:
  explicit PackRegistry(std::string dir) : dir_(std::move(dir)) {}

  // Loads every pack of the directory; refused packs are reported and left out, the
  // rest replace the current set. `why` is logged ("start", "SIGHUP", "api").
  PackReloadReport reload(const char* why);

  std::shared_ptr<const PackSet> current() const { return current_.load(std::memory_order_acquire); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::mutex reload_mu_;
  std::atomic<std::shared_ptr<const PackSet>> current_;
};

}  // namespace vigil
