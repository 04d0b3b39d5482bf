// LEB128 varints and zigzag, used by every binary format Vigil writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

inline void put_varint(std::string& out, uint64_t v) {
  char buf[10];  // one append per varint, not one push_back per byte: encoders call this per value
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}
inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Reads from a byte range; every getter returns false once the input is exhausted or bad.
struct ByteReader {
  const char* p;
  const char* end;

  explicit ByteReader(std::string_view s) : p(s.data()), end(s.data() + s.size()) {}
  bool done() const { return p == end; }
  size_t remaining() const { return static_cast<size_t>(end - p); }

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) return false;
      uint8_t byte = static_cast<uint8_t>(*p++);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string_view& s) {
    uint64_t n;
    if (!varint(n) || n > remaining()) return false;
    s = {p, static_cast<size_t>(n)};
    p += n;
    return true;
  }
  bool raw(void* dst, size_t n) {
    if (n > remaining()) return false;
    __builtin_memcpy(dst, p, n);
    p += n;
    return true;
  }
};

}  // namespace vigil
