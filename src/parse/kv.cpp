// One pass over the text, no allocation unless a quoted value holds an escape.
#include "parse/kv.h"

#include <cstring>

namespace vigil {
namespace {

bool is_separator(char c, char sep) { return sep == ' ' ? (c == ' ' || c == '\t') : c == sep; }

// Unescapes \x sequences of a quoted value into scratch.
std::string_view unescape(std::string_view v, Arena& scratch) {
  char* out = scratch.allocate(v.size());
  size_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out[n++] = v[i];
  }
  return {out, n};
}

}  // namespace

bool split_kv(std::string_view text, const KvOptions& o, Arena& scratch, std::vector<TextPair>& out) {
  const size_t before = out.size();
  const char* p = text.data();
  const char* end = p + text.size();
  bool closed = true;
  while (p < end) {
    while (p < end && is_separator(*p, o.pair_separator)) ++p;
    if (p >= end) break;
    // The key runs to the assign character; a separator first means a bare token.
    const char* key = p;
    while (p < end && *p != o.assign && !is_separator(*p, o.pair_separator)) ++p;
    if (p >= end || *p != o.assign) continue;  // a token without a value (flags like DF, ACK)
    std::string_view k(key, static_cast<size_t>(p - key));
    ++p;  // the assign character
    std::string_view value;
    if (o.quotes && p < end && (*p == '"' || *p == '\'')) {
      const char quote = *p++;
      const char* v = p;
      bool escaped = false;
      while (p < end && *p != quote) {
        if (*p == '\\' && p + 1 < end) {
          escaped = true;
          ++p;
        }
        ++p;
      }
      value = std::string_view(v, static_cast<size_t>(p - v));
      if (p < end) ++p;  // the closing quote
      else closed = false;
      if (escaped) value = unescape(value, scratch);
    } else {
      const char* v = p;
      while (p < end && !is_separator(*p, o.pair_separator)) ++p;
      value = std::string_view(v, static_cast<size_t>(p - v));
    }
    while (!k.empty() && (k.back() == ' ' || k.back() == '\t')) k.remove_suffix(1);
    if (!k.empty()) out.push_back(TextPair{k, value});
  }
  return closed && out.size() > before;
}

}  // namespace vigil
