// FieldBuffer: the growable array of an EventBatch's fields. Like std::vector<Field>, but
// its append is small enough to inline, so a field goes from the adder's registers
// straight into the array (an out-of-line push_back read back the Value the caller had
// just written byte by byte: a store-forwarding stall on every field of every event).
#pragma once

#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace vigil {

template <typename T>
class FieldBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "grown by memcpy");

 public:
  FieldBuffer() = default;
  FieldBuffer(FieldBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), capacity_(std::exchange(o.capacity_, 0)) {}
  FieldBuffer& operator=(FieldBuffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  FieldBuffer(const FieldBuffer&) = delete;
  FieldBuffer& operator=(const FieldBuffer&) = delete;
  ~FieldBuffer() { std::free(data_); }

  [[gnu::always_inline]] void push_back(const T& v) {
    if (size_ == capacity_) [[unlikely]] grow(capacity_ ? capacity_ * 2 : 256);
    data_[size_++] = v;
  }
  // Room for one more element, not initialized: the caller writes it in place.
  [[gnu::always_inline]] T* append() {
    if (size_ == capacity_) [[unlikely]] grow(capacity_ ? capacity_ * 2 : 256);
    return data_ + size_++;
  }
  // Shrinks only (dropping an abandoned event's fields).
  void resize(size_t n) {
    if (n < size_) size_ = n;
  }
  void reserve(size_t n) {
    if (n > capacity_) grow(n);
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  T* data() { return data_; }
  const T* data() const { return data_; }

 private:
  [[gnu::noinline]] void grow(size_t n) {
    T* p = static_cast<T*>(std::malloc(n * sizeof(T)));
    if (!p) throw std::bad_alloc();
    if (size_) std::memcpy(static_cast<void*>(p), data_, size_ * sizeof(T));
    std::free(data_);
    data_ = p;
    capacity_ = n;
  }
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace vigil
