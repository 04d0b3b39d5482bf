// walk_kv: the engine of split_kv (kv.h), handing each pair to a callback as it is
// found, for callers that store pairs their own way — the pack runner writes them
// straight into its record, with no vector of pairs in between.
//
// It first marks, 64 bytes per word, where the bytes the grammar stops at are (SSE2:
// 16 bytes per compare), then walks from mark to mark: a FortiGate line of ~50 pairs
// costs about a third of a byte-class search per token.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/arena.h"
#include "parse/kv.h"

namespace vigil {
namespace kv_detail {

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


// The marks of this thread (kv.cpp): reused line after line, never shrunk.
KvMarks& thread_marks();
// Unescapes \\ and \<quote> of a quoted value into scratch (kv.cpp).
std::string_view unescape(std::string_view v, char quote, Arena& scratch);
std::string_view trim_blanks(std::string_view s);

}  // namespace kv_detail

// Calls on_pair(key, value) for every pair of `text`, in order; the grammar and the
// return value are split_kv's.
template <typename OnPair>
bool walk_kv(std::string_view text, const KvOptions& o, Arena& scratch, OnPair&& on_pair) {
  kv_detail::KvMarks& marks = kv_detail::thread_marks();
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
  size_t pairs = 0;
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
    if (trim_keys) k = kv_detail::trim_blanks(k);
    ++p;  // the assign character
    // With a separator other than blanks, "k = "v"" still reads as a quoted value.
    size_t q = p;
    if (sep != ' ')
      while (q < end && (t[q] == ' ' || t[q] == '\t')) ++q;
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
      if (escaped) value = kv_detail::unescape(value, quote, scratch);
    } else {
      const size_t v = p;
      p = next(seps, p);
      value = std::string_view(t + v, p - v);
    }
    if (!k.empty()) {
      on_pair(k, value);
      ++pairs;
    }
  }
  return closed && pairs > 0;
}


}  // namespace vigil
