// Glob matching over folded text; see pattern.h.
#include "query/pattern.h"

#include "query/text_util.h"
#include "store/token_index.h"

namespace vigil::query {

Pattern Pattern::literal(std::string_view text) {
  Pattern p;
  p.pieces.push_back(to_lower_ascii(text));
  return p;
}

Pattern Pattern::glob(std::string_view text) {
  Pattern p;
  p.leading_star = !text.empty() && text.front() == '*';
  p.trailing_star = !text.empty() && text.back() == '*';
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '?') p.wildcard = p.any_byte = true;
    if (i == text.size() || text[i] == '*') {
      if (i < text.size()) p.wildcard = true;
      if (i > start) p.pieces.push_back(to_lower_ascii(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  p.match_all = p.wildcard && p.pieces.empty();
  if (!p.wildcard && p.pieces.empty()) p.pieces.emplace_back();  // the empty value
  return p;
}

namespace {

// `text` at `at` holds `piece` (folded; '?' any byte when `any`).
bool piece_at(std::string_view text, size_t at, std::string_view piece, bool any) {
  if (!any) return equals_folded(text.substr(at, piece.size()), piece);
  if (text.size() - at < piece.size()) return false;
  for (size_t i = 0; i < piece.size(); ++i)
    if (piece[i] != '?' && fold(text[at + i]) != piece[i]) return false;
  return true;
}

size_t find_piece(std::string_view text, std::string_view piece, size_t from, bool any) {
  if (!any) return find_folded(text, piece, from);
  for (size_t at = from; at <= text.size() && text.size() - at >= piece.size(); ++at)
    if (piece_at(text, at, piece, true)) return at;
  return std::string_view::npos;
}

}  // namespace

bool Pattern::matches(std::string_view text) const {
  if (match_all) return true;
  if (!wildcard) return equals_folded(text, pieces[0]);
  if (pieces.size() == 1 && !leading_star && !trailing_star)  // `?` only, no star
    return text.size() == pieces[0].size() && piece_at(text, 0, pieces[0], any_byte);
  // Stars lie between pieces, so pieces are anchored at the ends only where there is
  // no star; the middle ones are found leftmost-first, which is enough for globs
  // made of '*' alone (no '?'): any match can be shifted to the leftmost one.
  size_t first = 0, last = pieces.size();
  size_t pos = 0, end = text.size();
  if (!leading_star) {
    const std::string& p = pieces[first++];
    if (text.size() < p.size() || !piece_at(text, 0, p, any_byte)) return false;
    pos = p.size();
  }
  if (!trailing_star && last > first) {
    const std::string& p = pieces[--last];
    if (end < pos + p.size() || !piece_at(text, end - p.size(), p, any_byte)) return false;
    end -= p.size();
  }
  std::string_view window = text.substr(0, end);
  for (size_t i = first; i < last; ++i) {
    size_t at = find_piece(window, pieces[i], pos, any_byte);
    if (at == std::string_view::npos) return false;
    pos = at + pieces[i].size();
  }
  return true;
}

namespace {

// Token bytes as the store's token index sees them, so the index is exact for terms.
// The bytes of the text are tested, not the piece's, because a '?' may stand for either.
using token_index::is_token_byte;
bool starts_at_boundary(std::string_view text, size_t at, std::string_view piece) {
  return at == 0 || piece.empty() || !is_token_byte(static_cast<unsigned char>(text[at])) ||
         !is_token_byte(static_cast<unsigned char>(text[at - 1]));
}
bool ends_at_boundary(std::string_view text, size_t end, std::string_view piece) {
  return end == text.size() || piece.empty() || !is_token_byte(static_cast<unsigned char>(text[end - 1])) ||
         !is_token_byte(static_cast<unsigned char>(text[end]));
}

}  // namespace

bool Pattern::occurs_in(std::string_view text) const {
  if (match_all) return true;
  const size_t n = pieces.size();
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string& p = pieces[i];
    const bool anchor_start = i == 0 && !leading_star;
    const bool anchor_end = i + 1 == n && !trailing_star;
    // Leftmost occurrence that meets the boundaries this piece must meet.
    for (size_t from = pos;; ++from) {
      size_t at = find_piece(text, p, from, any_byte);
      if (at == std::string_view::npos) return false;
      if ((!anchor_start || starts_at_boundary(text, at, p)) &&
          (!anchor_end || ends_at_boundary(text, at + p.size(), p))) {
        pos = at + p.size();
        break;
      }
      from = at;
    }
  }
  return true;
}

}  // namespace vigil::query
