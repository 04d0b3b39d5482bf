// Sigma value patterns: escapes, encodings, windash, and matching; see sigma_pattern.h.
#include "detect/sigma_pattern.h"

#include <algorithm>
#include <cstring>

namespace vigil::detect {

void PatternBuilder::literal(std::string_view bytes) {
  text.append(bytes);
  tokens.append(bytes.size(), SigmaPattern::kLiteral);
}

void PatternBuilder::wildcard(char kind) {
  // Two stars in a row match what one does.
  if (kind == SigmaPattern::kStar && !tokens.empty() && tokens.back() == SigmaPattern::kStar) return;
  text.push_back(kind);
  tokens.push_back(kind);
}

PatternBuilder parse_sigma_wildcards(std::string_view v) {
  PatternBuilder p;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\' && i + 1 < v.size() && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\')) {
      p.literal(v.substr(i + 1, 1));
      ++i;
    } else if (c == '*' || c == '?') {
      p.wildcard(c);
    } else {
      p.literal(v.substr(i, 1));
    }
  }
  return p;
}

PatternBuilder literal_pattern(std::string_view bytes) {
  PatternBuilder p;
  p.literal(bytes);
  return p;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::vector<std::string> base64_offset_variants(std::string_view bytes) {
  // The value preceded by 0, 1 or 2 bytes of anything: the first characters and the
  // last ones depend on those neighbours, so they are cut off.
  static constexpr size_t kStart[] = {0, 2, 3};
  static constexpr size_t kEndCut[] = {0, 3, 2};
  std::vector<std::string> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string padded(shift, ' ');
    padded.append(bytes);
    std::string b = base64_encode(padded);
    const size_t cut = kEndCut[(bytes.size() + shift) % 3];
    const size_t end = b.size() > cut ? b.size() - cut : 0;
    out.push_back(end > kStart[shift] ? b.substr(kStart[shift], end - kStart[shift]) : std::string());
  }
  return out;
}

std::string utf16_encode(std::string_view s, bool big_endian, bool bom) {
  std::string out;
  auto unit = [&](uint16_t u) {
    const char lo = static_cast<char>(u & 0xff), hi = static_cast<char>(u >> 8);
    if (big_endian) {
      out += hi;
      out += lo;
    } else {
      out += lo;
      out += hi;
    }
  };
  if (bom) unit(0xfeff);
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = s[i];
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xf0 && i + 3 < s.size()) {
      cp = ((c & 7u) << 18) | ((uint8_t(s[i + 1]) & 63u) << 12) | ((uint8_t(s[i + 2]) & 63u) << 6) | (uint8_t(s[i + 3]) & 63u);
      n = 4;
    } else if (c >= 0xe0 && i + 2 < s.size()) {
      cp = ((c & 15u) << 12) | ((uint8_t(s[i + 1]) & 63u) << 6) | (uint8_t(s[i + 2]) & 63u);
      n = 3;
    } else if (c >= 0xc0 && i + 1 < s.size()) {
      cp = ((c & 31u) << 6) | (uint8_t(s[i + 1]) & 63u);
      n = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(static_cast<uint16_t>(0xd800 + (cp >> 10)));
      unit(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      unit(static_cast<uint16_t>(cp));
    }
    i += n;
  }
  return out;
}

void apply_windash(PatternBuilder& p) {
  PatternBuilder out;
  for (size_t i = 0; i < p.text.size(); ++i) {
    if (p.tokens[i] != SigmaPattern::kLiteral) {
      out.text += p.text[i];
      out.tokens += p.tokens[i];
      continue;
    }
    const char c = p.text[i];
    if (c == '-' || c == '/') {
      out.wildcard(SigmaPattern::kDash);
    } else if (uint8_t(c) == 0xe2 && i + 2 < p.text.size() && uint8_t(p.text[i + 1]) == 0x80 &&
               uint8_t(p.text[i + 2]) >= 0x93 && uint8_t(p.text[i + 2]) <= 0x95 &&
               p.tokens[i + 1] == SigmaPattern::kLiteral && p.tokens[i + 2] == SigmaPattern::kLiteral) {
      out.wildcard(SigmaPattern::kDash);  // en dash, em dash, horizontal bar
      i += 2;
    } else {
      out.literal(p.text.substr(i, 1));
    }
  }
  p = std::move(out);
}

std::string fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

SigmaPattern finish_pattern(PatternBuilder p, bool star_front, bool star_back, bool cased) {
  if (star_front && (p.tokens.empty() || p.tokens.front() != SigmaPattern::kStar)) {
    p.text.insert(p.text.begin(), SigmaPattern::kStar);
    p.tokens.insert(p.tokens.begin(), SigmaPattern::kStar);
  }
  if (star_back && (p.tokens.empty() || p.tokens.back() != SigmaPattern::kStar)) p.wildcard(SigmaPattern::kStar);
  SigmaPattern out;
  out.cased = cased;
  if (!cased) {
    for (size_t i = 0; i < p.text.size(); ++i)
      if (p.tokens[i] == SigmaPattern::kLiteral) p.text[i] = fold(p.text[i]);
  }
  // The literal middle, if the wildcards are only stars at the ends.
  const size_t n = p.tokens.size();
  const bool front = n > 0 && p.tokens[0] == SigmaPattern::kStar;
  const bool back = n > (front ? 1u : 0u) && p.tokens[n - 1] == SigmaPattern::kStar;
  const size_t b = front ? 1 : 0, e = back ? n - 1 : n;
  const bool plain_middle =
      std::all_of(p.tokens.begin() + b, p.tokens.begin() + e, [](char t) { return t == SigmaPattern::kLiteral; });
  if (plain_middle) {
    out.text = p.text.substr(b, e - b);
    out.kind = front && back ? SigmaPattern::Kind::Contains
               : front       ? SigmaPattern::Kind::Suffix
               : back        ? SigmaPattern::Kind::Prefix
                             : SigmaPattern::Kind::Exact;
    return out;
  }
  out.kind = SigmaPattern::Kind::Glob;
  out.text = std::move(p.text);
  out.tokens = std::move(p.tokens);
  return out;
}

namespace {

inline bool eq_bytes(const char* a, const char* pattern, size_t n, bool cased) {
  if (cased) return std::equal(pattern, pattern + n, a);
  for (size_t i = 0; i < n; ++i)
    if (fold(a[i]) != pattern[i]) return false;
  return true;
}

// Bytes of one UTF-8 character starting at s[i] (at least 1).
inline size_t char_len(std::string_view s, size_t i) {
  const uint8_t c = s[i];
  const size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

// Bytes a dash token takes at s[i], 0 when s[i] is no dash.
inline size_t dash_len(std::string_view s, size_t i) {
  if (s[i] == '-' || s[i] == '/') return 1;
  if (uint8_t(s[i]) == 0xe2 && i + 2 < s.size() && uint8_t(s[i + 1]) == 0x80 && uint8_t(s[i + 2]) >= 0x93 &&
      uint8_t(s[i + 2]) <= 0x95)
    return 3;
  return 0;
}

// ASCII folding by table: the hot loop of `contains` does one load per byte.
struct FoldTable {
  uint8_t t[256];
  constexpr FoldTable() : t() {
    for (int i = 0; i < 256; ++i) t[i] = static_cast<uint8_t>(i >= 'A' && i <= 'Z' ? i + 32 : i);
  }
};
constexpr FoldTable kFold;

size_t find_folded(std::string_view hay, std::string_view needle, bool cased) {
  if (needle.empty()) return 0;
  if (cased) return hay.find(needle);
  if (hay.size() < needle.size()) return std::string_view::npos;
  const auto* h = reinterpret_cast<const uint8_t*>(hay.data());
  const auto* n = reinterpret_cast<const uint8_t*>(needle.data());
  const size_t last = hay.size() - needle.size();
  // Candidates are found with memchr (vectorized) for each case of the first byte; the
  // next position of each case is remembered, so no byte is searched twice.
  const uint8_t lower = n[0];
  const uint8_t upper = (lower >= 'a' && lower <= 'z') ? static_cast<uint8_t>(lower - 32) : lower;
  const size_t span = last + 1;
  auto next = [&](uint8_t c, size_t from) -> size_t {
    if (from >= span) return SIZE_MAX;
    const void* f = std::memchr(h + from, c, span - from);
    return f ? static_cast<size_t>(static_cast<const uint8_t*>(f) - h) : SIZE_MAX;
  };
  size_t at_lower = next(lower, 0);
  size_t at_upper = upper == lower ? SIZE_MAX : next(upper, 0);
  while (true) {
    const size_t i = std::min(at_lower, at_upper);
    if (i == SIZE_MAX) return std::string_view::npos;
    size_t k = 1;
    while (k < needle.size() && kFold.t[h[i + k]] == n[k]) ++k;
    if (k == needle.size()) return i;
    if (i == at_lower) at_lower = next(lower, i + 1);
    else at_upper = next(upper, i + 1);
  }
}

// Wildcards with backtracking to the last star: each other token takes a length
// fixed by the text at its position, so one star to return to is enough (linear in
// practice, quadratic at worst).
bool glob_matches(const SigmaPattern& p, std::string_view s) {
  const std::string& pt = p.text;
  const std::string& tk = p.tokens;
  size_t pi = 0, si = 0, star_p = std::string::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < pt.size()) {
      const char t = tk[pi];
      if (t == SigmaPattern::kStar) {
        star_p = pi++;
        star_s = si;
        continue;
      }
      if (t == SigmaPattern::kLiteral) {
        if (p.cased ? s[si] == pt[pi] : fold(s[si]) == pt[pi]) {
          ++pi;
          ++si;
          continue;
        }
      } else if (t == SigmaPattern::kOne) {
        si += char_len(s, si);
        ++pi;
        continue;
      } else if (const size_t d = dash_len(s, si); d) {
        si += d;
        ++pi;
        continue;
      }
    }
    if (star_p == std::string::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < pt.size() && tk[pi] == SigmaPattern::kStar) ++pi;
  return pi == pt.size();
}

}  // namespace

bool pattern_matches(const SigmaPattern& p, std::string_view s) {
  const std::string& t = p.text;
  switch (p.kind) {
    case SigmaPattern::Kind::Exact:
      return s.size() == t.size() && eq_bytes(s.data(), t.data(), t.size(), p.cased);
    case SigmaPattern::Kind::Prefix:
      return s.size() >= t.size() && eq_bytes(s.data(), t.data(), t.size(), p.cased);
    case SigmaPattern::Kind::Suffix:
      return s.size() >= t.size() && eq_bytes(s.data() + s.size() - t.size(), t.data(), t.size(), p.cased);
    case SigmaPattern::Kind::Contains:
      return find_folded(s, t, p.cased) != std::string_view::npos;
    case SigmaPattern::Kind::Glob:
      return glob_matches(p, s);
  }
  return false;
}

std::string_view required_literal(const SigmaPattern& p) {
  if (p.kind != SigmaPattern::Kind::Glob) return p.text;
  std::string_view best;
  size_t start = 0;
  for (size_t i = 0; i <= p.tokens.size(); ++i) {
    if (i == p.tokens.size() || p.tokens[i] != SigmaPattern::kLiteral) {
      if (i - start > best.size()) best = std::string_view(p.text).substr(start, i - start);
      start = i + 1;
    }
  }
  return best;
}

}  // namespace vigil::detect
