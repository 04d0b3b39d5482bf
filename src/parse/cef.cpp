// CEF: the seven header fields, then the extension split at " key=".
#include "parse/cef.h"

namespace vigil {
namespace {

using sv = std::string_view;

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '[' || c == ']';
}

// Unescapes `v` into scratch when it holds a backslash; `newlines` turns \n \r into bytes.
sv unescape(sv v, Arena& scratch, bool newlines) {
  if (v.find('\\') == sv::npos) return v;
  char* out = scratch.allocate(v.size());
  size_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      c = v[++i];
      if (newlines && c == 'n') c = '\n';
      else if (newlines && c == 'r') c = '\r';
    }
    out[n++] = c;
  }
  return {out, n};
}

// The start of the key of " key=" at or after `from`, or npos: a key is preceded by a
// space and followed by an unescaped '='.
size_t next_key(sv ext, size_t from) {
  for (size_t i = from; i < ext.size(); ++i) {
    if (ext[i] != '=' || (i > 0 && ext[i - 1] == '\\')) continue;
    size_t k = i;
    while (k > from && is_key_char(ext[k - 1])) --k;
    if (k == i) continue;
    if (k == 0 || ext[k - 1] == ' ') return k;
  }
  return sv::npos;
}

}  // namespace

std::string_view parse_cef(std::string_view text, Arena& scratch, CefRecord& out) {
  out = CefRecord{};
  if (!text.starts_with("CEF:")) return "missing CEF: prefix";
  size_t i = 4;
  sv header[7];
  int fields = 0;
  size_t start = i;
  for (; i < text.size() && fields < 7; ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == '|') {
      header[fields++] = text.substr(start, i - start);
      start = i + 1;
    }
  }
  if (fields < 7) return "CEF header has fewer than 7 fields";
  sv version = header[0];
  while (!version.empty() && version.front() == ' ') version.remove_prefix(1);
  if (version.empty() || version[0] < '0' || version[0] > '9') return "CEF version is not a number";
  out.version = version[0] - '0';
  out.device_vendor = unescape(header[1], scratch, false);
  out.device_product = unescape(header[2], scratch, false);
  out.device_version = unescape(header[3], scratch, false);
  out.signature_id = unescape(header[4], scratch, false);
  out.name = unescape(header[5], scratch, false);
  out.severity = unescape(header[6], scratch, false);

  sv ext = text.substr(start);
  while (!ext.empty() && (ext.back() == '\r' || ext.back() == '\n')) ext.remove_suffix(1);
  size_t k = next_key(ext, 0);
  while (k != sv::npos) {
    size_t eq = ext.find('=', k);
    // The value runs to the space before the next key (values hold spaces).
    size_t next = next_key(ext, eq + 1);
    size_t value_end = next == sv::npos ? ext.size() : next - 1;
    sv value = ext.substr(eq + 1, value_end - eq - 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    out.extension.push_back(TextPair{ext.substr(k, eq - k), unescape(value, scratch, true)});
    k = next;
  }
  return {};
}

}  // namespace vigil
