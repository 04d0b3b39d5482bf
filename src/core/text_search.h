// find_text: substring search for the hot paths that test every line for a literal
// (pack gates, format sniffing). std::string_view::find stops at every occurrence of
// the needle's first byte — a space, an 'm' — and those are most bytes of a log line.
// Candidates are the 16-byte blocks' positions where the needle's first, middle and
// last bytes sit at the right distances (SSE2, part of x86-64); only those are compared.
#pragma once

#include <bit>
#include <cstddef>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define VIGIL_TEXT_SEARCH_AVX2 1
#endif

namespace vigil {

namespace text_search_detail {
#if defined(VIGIL_TEXT_SEARCH_AVX2)
// The same filter 32 bytes at a time, on CPUs that have AVX2 (the build targets plain
// x86-64, so it is chosen at run time): a miss over a long line costs half as much.
// Returns the match or npos; `i` is left where the 16-byte and byte loops go on from.
__attribute__((target("avx2"))) inline size_t find_avx2(const char* h, size_t last_start, std::string_view needle, size_t& i) {
  const size_t n = needle.size();
  const size_t mid = n / 2;
  const __m256i first = _mm256_set1_epi8(needle[0]);
  const __m256i middle = _mm256_set1_epi8(needle[mid]);
  const __m256i last = _mm256_set1_epi8(needle[n - 1]);
  for (; i + 32 <= last_start + 1; i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + mid));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + n - 1));
    const __m256i hits = _mm256_and_si256(_mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(m, middle)), _mm256_cmpeq_epi8(b, last));
    unsigned mask = static_cast<unsigned>(_mm256_movemask_epi8(hits));
    while (mask) {
      const int bit = std::countr_zero(mask);
      if (std::memcmp(h + i + bit + 1, needle.data() + 1, n - 1) == 0) return i + static_cast<size_t>(bit);
      mask &= mask - 1;
    }
  }
  return std::string_view::npos;
}
inline bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif
}  // namespace text_search_detail

// The first position at or after `from` where `needle` occurs in `haystack`, or npos.
inline size_t find_text(std::string_view haystack, std::string_view needle, size_t from = 0) {
  const size_t n = needle.size();
  if (from > haystack.size()) return std::string_view::npos;
  if (n == 0) return from;
  if (n > haystack.size() - from) return std::string_view::npos;
  const char* h = haystack.data();
  const size_t last_start = haystack.size() - n;  // the last position a match may start at
  size_t i = from;
#if defined(VIGIL_TEXT_SEARCH_AVX2)
  if (last_start - i >= 32 && text_search_detail::has_avx2()) {
    if (const size_t r = text_search_detail::find_avx2(h, last_start, needle, i); r != std::string_view::npos) return r;
  }
#endif
#if defined(__SSE2__)
  const size_t mid = n / 2;
  const __m128i first = _mm_set1_epi8(needle[0]);
  const __m128i middle = _mm_set1_epi8(needle[mid]);
  const __m128i last = _mm_set1_epi8(needle[n - 1]);
  for (; i + 16 <= last_start + 1; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
    const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + mid));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + n - 1));
    const __m128i hits = _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(m, middle)), _mm_cmpeq_epi8(b, last));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    while (mask) {
      const int bit = std::countr_zero(mask);
      if (std::memcmp(h + i + bit + 1, needle.data() + 1, n - 1) == 0) return i + static_cast<size_t>(bit);
      mask &= mask - 1;
    }
  }
#endif
  for (; i <= last_start; ++i)
    if (h[i] == needle[0] && std::memcmp(h + i + 1, needle.data() + 1, n - 1) == 0) return i;
  return std::string_view::npos;
}

inline bool has_text(std::string_view haystack, std::string_view needle) {
  return find_text(haystack, needle) != std::string_view::npos;
}

}  // namespace vigil
