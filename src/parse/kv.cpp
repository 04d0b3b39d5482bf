// Two ways over the same grammar. split_kv first marks, 64 bytes per word, where the
// bytes the grammar stops at are (SSE2: 16 bytes per compare), then walks from mark to
// mark: a FortiGate line of ~50 pairs costs about a third of a byte-class search per
// token. split_kv_scalar searches eight bytes at a time; both give the same pairs.
// No allocation unless a quoted value holds an escape (the marks are per thread).
#include "parse/kv.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

}  // namespace

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

namespace {

// Bit i of word i/64: byte i of the text is one the walk may stop at, by class.
struct KvMarks {
  std::vector<uint64_t> key_end;  // assign or a separator
  std::vector<uint64_t> sep;      // a separator
  std::vector<uint64_t> dquote;   // '"' or '\\'
  std::vector<uint64_t> squote;   // '\'' or '\\'
  size_t size = 0;

  void build(std::string_view text, char assign, char sep1, char sep2) {
    size = text.size();
    const size_t words = (size + 63) / 64;
    for (auto* v : {&key_end, &sep, &dquote, &squote}) {
      if (v->size() < words) v->resize(words);
    }
    const char* p = text.data();
    for (size_t w = 0; w < words; ++w) {
      const size_t base = w * 64;
      const size_t n = size - base < 64 ? size - base : 64;
      uint64_t k = 0, s = 0, d = 0, q = 0;
      size_t i = 0;
#if defined(__SSE2__)
      const __m128i va = _mm_set1_epi8(assign), vs1 = _mm_set1_epi8(sep1), vs2 = _mm_set1_epi8(sep2);
      const __m128i vd = _mm_set1_epi8('"'), vq = _mm_set1_epi8('\''), vb = _mm_set1_epi8('\\');
      for (; i + 16 <= n; i += 16) {
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + base + i));
        const __m128i is_sep = _mm_or_si128(_mm_cmpeq_epi8(c, vs1), _mm_cmpeq_epi8(c, vs2));
        const __m128i is_bs = _mm_cmpeq_epi8(c, vb);
        const auto bits = [](__m128i m) { return static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(m))); };
        s |= bits(is_sep) << i;
        k |= bits(_mm_or_si128(is_sep, _mm_cmpeq_epi8(c, va))) << i;
        d |= bits(_mm_or_si128(is_bs, _mm_cmpeq_epi8(c, vd))) << i;
        q |= bits(_mm_or_si128(is_bs, _mm_cmpeq_epi8(c, vq))) << i;
      }
#endif
      for (; i < n; ++i) {
        const char c = p[base + i];
        const uint64_t bit = uint64_t{1} << i;
        const bool is_sep = c == sep1 || c == sep2;
        if (is_sep) s |= bit;
        if (is_sep || c == assign) k |= bit;
        if (c == '"' || c == '\\') d |= bit;
        if (c == '\'' || c == '\\') q |= bit;
      }
      key_end[w] = k;
      sep[w] = s;
      dquote[w] = d;
      squote[w] = q;
    }
  }

  // The first marked position at or after `pos`, or size.
  size_t next(const std::vector<uint64_t>& marks, size_t pos) const {
    if (pos >= size) return size;
    size_t w = pos / 64;
    uint64_t m = marks[w] & (~uint64_t{0} << (pos % 64));
    const size_t words = (size + 63) / 64;
    while (m == 0) {
      if (++w >= words) return size;
      m = marks[w];
    }
    return w * 64 + static_cast<size_t>(std::countr_zero(m));
  }
};

}  // namespace

bool split_kv(std::string_view text, const KvOptions& o, Arena& scratch, std::vector<TextPair>& out) {
  thread_local KvMarks marks;
  const char sep = o.pair_separator;
  const char sep2 = sep == ' ' ? '\t' : sep;  // a blank separator means spaces and tabs
  marks.build(text, o.assign, sep, sep2);
  // The marks' words through local pointers: the pair stores below could alias the
  // vectors' own pointers, and the compiler would reload them for every search.
  const uint64_t* const key_end = marks.key_end.data();
  const uint64_t* const seps = marks.sep.data();
  const uint64_t* const dquote = marks.dquote.data();
  const uint64_t* const squote = marks.squote.data();
  const size_t words = (text.size() + 63) / 64;
  const auto next = [words, size = text.size()](const uint64_t* m, size_t pos) {
    if (pos >= size) return size;
    size_t w = pos / 64;
    uint64_t bits = m[w] & (~uint64_t{0} << (pos % 64));
    while (bits == 0) {
      if (++w >= words) return size;
      bits = m[w];
    }
    return w * 64 + static_cast<size_t>(std::countr_zero(bits));
  };
  const size_t before = out.size();
  // Pairs gather in a block on the stack and go to `out` 64 at a time: a push_back per
  // pair was an out-of-line call each.
  constexpr size_t kBlock = 64;
  // Raw bytes, not TextPair[64]: its constructors would zero 2 KB per call.
  alignas(TextPair) unsigned char block_bytes[kBlock * sizeof(TextPair)];
  TextPair* block = reinterpret_cast<TextPair*>(block_bytes);
  size_t in_block = 0;
  // Blank separators end keys at blanks too (key_end marks them), so only keys split at
  // another separator can hold blanks to trim.
  const bool trim_keys = sep != ' ';
  const char* t = text.data();
  const size_t end = text.size();
  size_t p = 0;
  bool closed = true;
  while (p < end) {
    while (p < end && (t[p] == sep || t[p] == sep2)) ++p;
    if (p >= end) break;
    // The key runs to the assign character; a separator first means a bare token.
    const size_t key = p;
    p = next(key_end, p);
    if (p >= end || t[p] != o.assign) continue;  // a token without a value (flags like DF, ACK)
    std::string_view k(t + key, p - key);
    if (trim_keys) k = trim_blanks(k);
    ++p;  // the assign character
    // With a separator other than blanks, "k = "v"" still reads as a quoted value.
    size_t q = p;
    if (sep != ' ')
      while (q < end && is_blank(t[q])) ++q;
    std::string_view value;
    if (o.quotes && q < end && (t[q] == '"' || t[q] == '\'')) {
      const char quote = t[q];
      const uint64_t* stops = quote == '"' ? dquote : squote;
      p = q + 1;
      const size_t v = p;
      bool escaped = false;
      while ((p = next(stops, p)) < end && t[p] != quote) {
        if (p + 1 < end && (t[p + 1] == quote || t[p + 1] == '\\')) {
          escaped = true;
          ++p;
        }
        ++p;
      }
      value = std::string_view(t + v, p - v);
      if (p < end) ++p;  // the closing quote
      else closed = false;
      if (escaped) value = unescape(value, quote, scratch);
    } else {
      const size_t v = p;
      p = next(seps, p);
      value = std::string_view(t + v, p - v);
    }
    if (!k.empty()) {
      new (block + in_block++) TextPair{k, value};
      if (in_block == kBlock) {
        out.insert(out.end(), block, block + kBlock);
        in_block = 0;
      }
    }
  }
  out.insert(out.end(), block, block + in_block);
  return closed && out.size() > before;
}

}  // namespace vigil
