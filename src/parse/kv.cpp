// Two ways over the same grammar: split_kv (the marks walk of kv_walk.h, gathered into a
// vector) and split_kv_scalar, which searches eight bytes at a time; both give the same
// pairs. No allocation unless a quoted value holds an escape (the marks are per thread).
#include "parse/kv.h"
#include "parse/kv_walk.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

namespace vigil {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The high bit of each byte of `w` that equals `c` (exact: no false positives).
uint64_t bytes_equal(uint64_t w, char c) {
  const uint64_t x = w ^ (0x0101010101010101ULL * static_cast<uint8_t>(c));
  return ~(((x & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | x) & 0x8080808080808080ULL;
}

// The first of a, b or c in [p, end), or end. Eight bytes at a time: values and keys
// are the bulk of a line, and a byte loop with three compares costs ~3 cycles a byte.
const char* find_first_of3(const char* p, const char* end, char a, char b, char c) {
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t hits = bytes_equal(w, a) | bytes_equal(w, b) | bytes_equal(w, c);
    if (hits) {
      const int bit = std::endian::native == std::endian::little ? std::countr_zero(hits) : std::countl_zero(hits);
      return p + bit / 8;
    }
    p += 8;
  }
  while (p < end && *p != a && *p != b && *p != c) ++p;
  return p;
}

bool is_separator(char c, char sep) { return sep == ' ' ? is_blank(c) : c == sep; }

}  // namespace

namespace kv_detail {

// Unescapes \\ and \<quote> of a quoted value into scratch. Any other backslash is
// kept as it is: Windows paths ("C:\Users\x") come through unquoted-style.
std::string_view unescape(std::string_view v, char quote, Arena& scratch) {
  char* out = scratch.allocate(v.size());
  size_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '\\' || v[i + 1] == quote)) ++i;
    out[n++] = v[i];
  }
  return {out, n};
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace kv_detail

using kv_detail::trim_blanks;
using kv_detail::unescape;

bool split_kv_scalar(std::string_view text, const KvOptions& o, Arena& scratch, std::vector<TextPair>& out) {
  const size_t before = out.size();
  const char* p = text.data();
  const char* end = p + text.size();
  // A blank separator means spaces and tabs; any other separator is just itself.
  const char sep = o.pair_separator;
  const char sep2 = sep == ' ' ? '\t' : sep;
  bool closed = true;
  while (p < end) {
    while (p < end && is_separator(*p, o.pair_separator)) ++p;
    if (p >= end) break;
    // The key runs to the assign character; a separator first means a bare token.
    const char* key = p;
    p = find_first_of3(p, end, o.assign, sep, sep2);
    if (p >= end || *p != o.assign) continue;  // a token without a value (flags like DF, ACK)
    const std::string_view k = trim_blanks(std::string_view(key, static_cast<size_t>(p - key)));
    ++p;  // the assign character
    // With a separator other than blanks, "k = "v"" still reads as a quoted value.
    const char* q = p;
    if (o.pair_separator != ' ')
      while (q < end && is_blank(*q)) ++q;
    std::string_view value;
    if (o.quotes && q < end && (*q == '"' || *q == '\'')) {
      const char quote = *q;
      p = q + 1;
      const char* v = p;
      bool escaped = false;
      while ((p = find_first_of3(p, end, quote, '\\', '\\')) < end && *p != quote) {
        if (p + 1 < end && (p[1] == quote || p[1] == '\\')) {
          escaped = true;
          ++p;
        }
        ++p;
      }
      value = std::string_view(v, static_cast<size_t>(p - v));
      if (p < end) ++p;  // the closing quote
      else closed = false;
      if (escaped) value = unescape(value, quote, scratch);
    } else {
      const char* v = p;
      p = find_first_of3(p, end, sep, sep2, sep2);
      value = std::string_view(v, static_cast<size_t>(p - v));
    }
    if (!k.empty()) out.push_back(TextPair{k, value});
  }
  return closed && out.size() > before;
}

namespace kv_detail {

KvMarks& thread_marks() {
  thread_local KvMarks marks;
  return marks;
}

}  // namespace kv_detail

bool split_kv(std::string_view text, const KvOptions& o, Arena& scratch, std::vector<TextPair>& out) {
  // Pairs gather in a block on the stack and go to `out` 64 at a time: a push_back per
  // pair was an out-of-line call each.
  constexpr size_t kBlock = 64;
  // Raw bytes, not TextPair[64]: its constructors would zero 2 KB per call.
  alignas(TextPair) unsigned char block_bytes[kBlock * sizeof(TextPair)];
  TextPair* block = reinterpret_cast<TextPair*>(block_bytes);
  size_t in_block = 0;
  const bool ok = walk_kv(text, o, scratch, [&](std::string_view k, std::string_view v) {
    new (block + in_block++) TextPair{k, v};
    if (in_block == kBlock) {
      out.insert(out.end(), block, block + kBlock);
      in_block = 0;
    }
  });
  out.insert(out.end(), block, block + in_block);
  return ok;
}

}  // namespace vigil
