#include "core/arena.h"

namespace vigil {

char* Arena::allocate_slow(size_t size, size_t align) {
  // Large requests get their own block so they don't waste the rest of a shared one.
  size_t want = size + align;
  size_t n = want > block_size_ / 4 ? want : block_size_;
  blocks_.emplace_back(new char[n]);
  reserved_ += n;
  char* base = blocks_.back().get();
  if (want > block_size_ / 4) {
    size_t pad = (align - (reinterpret_cast<uintptr_t>(base) & (align - 1))) & (align - 1);
    return base + pad;  // dedicated block: keep using the previous shared block
  }
  cur_ = base;
  end_ = base + n;
  return allocate(size, align);
}

}  // namespace vigil
