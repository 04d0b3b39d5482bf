// Counts per 64-bit key with open addressing: the per-row step of a group-by over a
// typed column (ints, times, IPv4 addresses as their bits), where building a text
// key per row would cost more than the count itself.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::query {

class FlatCounter {
 public:
  void add(uint64_t key, uint64_t n = 1) {
    // Sorted or clustered columns repeat the last key a lot: one compare, no probe.
    if (last_ != kNone && keys_[last_] == key) {
      counts_[last_] += n;
      return;
    }
    if ((size_ + 1) * 2 > keys_.size()) grow();
    const size_t mask = keys_.size() - 1;
    for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      if (!counts_[i]) {  // a used slot always has a count of at least 1
        keys_[i] = key;
        counts_[i] = n;
        ++size_;
        last_ = i;
        return;
      }
      if (keys_[i] == key) {
        counts_[i] += n;
        last_ = i;
        return;
      }
    }
  }
  size_t size() const { return size_; }
  size_t bytes() const { return keys_.capacity() * 16; }
  // f(key, count) for every key.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (counts_[i]) f(keys_[i], counts_[i]);
    }
  }
  void clear() {
    keys_.clear();
    counts_.clear();
    size_ = 0;
    last_ = kNone;
  }

 private:
  static constexpr size_t kNone = SIZE_MAX;
  static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  void grow() {
    std::vector<uint64_t> keys = std::move(keys_), counts = std::move(counts_);
    const size_t n = std::max<size_t>(64, keys.size() * 2);
    keys_.assign(n, 0);
    counts_.assign(n, 0);
    last_ = kNone;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!counts[i]) continue;
      size_t j = mix(keys[i]) & (n - 1);
      while (counts_[j]) j = (j + 1) & (n - 1);
      keys_[j] = keys[i];
      counts_[j] = counts[i];
    }
  }
  std::vector<uint64_t> keys_, counts_;
  size_t size_ = 0;
  size_t last_ = kNone;
};

}  // namespace vigil::query
