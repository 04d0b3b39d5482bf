// The rule set's prefilter: the literals of all rules in one Vectorscan database,
// scanned once over an event's text, so that an event is evaluated only against the
// rules one of whose literals it contains (plus the rules that have none).
// Caseless: rule matching folds ASCII case, and so does the scan.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

struct hs_database;
struct hs_scratch;

namespace vigil::detect {

class Prefilter {
 public:
  Prefilter() = default;
  ~Prefilter();
  Prefilter(Prefilter&&) noexcept;
  Prefilter& operator=(Prefilter&&) noexcept;

  // literals[i] belongs to owners[i] (a rule index); a literal may repeat.
  static Result<Prefilter> build(const std::vector<std::string>& literals, const std::vector<uint32_t>& owners);

  bool empty() const { return db_ == nullptr; }
  size_t literal_count() const { return owners_.size(); }

  // Per-thread scan state.
  class Scratch {
   public:
    Scratch() = default;
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    Scratch(Scratch&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
    Scratch& operator=(Scratch&& o) noexcept {
      std::swap(s_, o.s_);
      return *this;
    }

   private:
    friend class Prefilter;
    hs_scratch* s_ = nullptr;
  };

  // Sizes `scratch` for this database too (one scratch serves several databases).
  // Sizing costs as much as a scan: do it once, before scanning, not per event.
  Status reserve(Scratch& scratch) const;

  // Appends to `owners` every owner one of whose literals `text` holds (an owner
  // may appear more than once).
  Status scan(std::string_view text, Scratch& scratch, std::vector<uint32_t>& owners) const;

 private:
  hs_database* db_ = nullptr;
  std::vector<std::vector<uint32_t>> owners_;  // by literal id
};

}  // namespace vigil::detect
