// Case-insensitive search and UTF-8 repair; see text_util.h.
#include "query/text_util.h"

#include <algorithm>
#include <cstring>

namespace vigil::query {

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

bool equals_folded(std::string_view a, std::string_view b_lower) {
  if (a.size() != b_lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != b_lower[i]) return false;
  return true;
}

size_t find_folded(std::string_view hay, std::string_view needle, size_t from) {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (hay.size() < needle.size() || from > hay.size() - needle.size()) return std::string_view::npos;
  const char first = needle[0];
  const char first_upper = (first >= 'a' && first <= 'z') ? static_cast<char>(first - 32) : first;
  const char* base = hay.data();
  const size_t last = hay.size() - needle.size();
  const std::string_view rest = needle.substr(1);
  // memchr is vectorized; scanning for both cases of the first byte keeps the common
  // "no candidate here" path fast. Each case's next position is kept until passed,
  // so the text is scanned once per case, not once per candidate.
  auto next_of = [&](char c, size_t at) -> size_t {
    const void* p = std::memchr(base + at, c, last - at + 1);
    return p ? static_cast<size_t>(static_cast<const char*>(p) - base) : std::string_view::npos;
  };
  size_t lo = next_of(first, from);
  size_t hi = first_upper == first ? std::string_view::npos : next_of(first_upper, from);
  while (true) {
    size_t at = std::min(lo, hi);
    if (at == std::string_view::npos) return std::string_view::npos;
    if (equals_folded(hay.substr(at + 1, rest.size()), rest)) return at;
    if (at == lo) lo = at < last ? next_of(first, at + 1) : std::string_view::npos;
    if (at == hi) hi = at < last ? next_of(first_upper, at + 1) : std::string_view::npos;
  }
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

}  // namespace

bool is_valid_utf8(std::string_view s) { return first_invalid_utf8(s) == std::string_view::npos; }

size_t first_invalid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

size_t append_cell_text(std::string& out, std::string_view s, size_t max_chars) {
  if (max_chars == 0) return 0;
  size_t chars = 0;
  for (size_t i = 0; i < s.size();) {
    if (chars + 1 == max_chars) {
      // One place left: it holds the last character only if nothing follows.
      size_t n = utf8_sequence(s, i);
      if (n != 0 && i + n == s.size() && static_cast<uint8_t>(s[i]) >= 0x20) {
        out.append(s.data() + i, n);
      } else {
        out += "\xE2\x80\xA6";  // …
      }
      return chars + 1;
    }
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else if (n == 1 && (static_cast<uint8_t>(s[i]) < 0x20 || s[i] == 0x7F)) {
      out += ' ';  // newlines and tabs would break the table's alignment
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
    ++chars;
  }
  return chars;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace vigil::query
