// Byte-level text helpers shared by the matcher and the output formatters:
// ASCII case folding without allocation, and UTF-8 repair for JSON and terminals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::query {

// ASCII-only folding: log text is mostly ASCII, and a byte table keeps the hot
// loops branch-free. Non-ASCII bytes compare exactly.
inline constexpr std::array<uint8_t, 256> kFoldTable = [] {
  std::array<uint8_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[i] = static_cast<uint8_t>(i >= 'A' && i <= 'Z' ? i + 32 : i);
  return t;
}();
inline char fold(char c) { return static_cast<char>(kFoldTable[static_cast<uint8_t>(c)]); }

std::string to_lower_ascii(std::string_view s);
// a equals b_lower ignoring ASCII case; b_lower must already be folded.
bool equals_folded(std::string_view a, std::string_view b_lower);
// First position >= from where needle_lower occurs in hay ignoring ASCII case, or npos.
size_t find_folded(std::string_view hay, std::string_view needle_lower, size_t from = 0);

bool is_valid_utf8(std::string_view s);
// Offset of the first byte that is not part of a well-formed UTF-8 sequence, or npos.
size_t first_invalid_utf8(std::string_view s);
// s with every byte that is not part of a well-formed UTF-8 sequence replaced by
// U+FFFD, so the result is always valid UTF-8 (JSON requires it).
std::string repair_utf8(std::string_view s);
// Appends s to out for one terminal cell: repaired UTF-8, control characters
// shown as spaces, cut to at most max_chars code points (ending in "…" when cut).
// Returns the number of code points appended.
size_t append_cell_text(std::string& out, std::string_view s, size_t max_chars);
// Number of code points in valid UTF-8 text (its width on most terminals).
size_t utf8_length(std::string_view s);

}  // namespace vigil::query
