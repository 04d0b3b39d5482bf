// Arena: a bump allocator that owns the bytes of one batch of events.
// Strings of every event in a batch live here, so building a batch costs a few
// large allocations instead of one per field, and freeing it is one call.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace vigil {

class Arena {
 public:
  explicit Arena(size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(Arena&&) noexcept = default;
  Arena& operator=(Arena&&) noexcept = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Uninitialized bytes, aligned to `align` (a power of two).
  char* allocate(size_t size, size_t align = 1) {
    size_t pad = (align - (reinterpret_cast<uintptr_t>(cur_) & (align - 1))) & (align - 1);
    if (cur_ == nullptr || static_cast<size_t>(end_ - cur_) < size + pad) return allocate_slow(size, align);
    char* p = cur_ + pad;
    cur_ = p + size;
    return p;
  }

  // A copy of `s` owned by the arena.
  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Bytes handed out so far (including block slack), for memory accounting.
  size_t bytes_reserved() const { return reserved_; }

 private:
  char* allocate_slow(size_t size, size_t align);

  size_t block_size_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  size_t reserved_ = 0;
};

}  // namespace vigil
