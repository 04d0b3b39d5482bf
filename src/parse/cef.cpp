// CEF: the seven header fields, then the extension split at " key=".
#include "parse/cef.h"

#include <cstring>

namespace vigil {
namespace {

using sv = std::string_view;

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '[' || c == ']';
}

// Unescapes `v` into scratch when it holds a backslash. Header fields know \| and \\;
// extension values know \= \\ \n \r. An unknown escape keeps its backslash, so an
// unescaped Windows path ("C:\Windows") reads as written. Copies the runs between
// backslashes whole (F5 puts whole HTTP requests in one value).
sv unescape(sv v, Arena& scratch, bool extension) {
  size_t from = v.find('\\');
  if (from == sv::npos) return v;
  char* out = scratch.allocate(v.size());
  std::memcpy(out, v.data(), from);
  size_t n = from;
  while (from < v.size()) {
    // v[from] is a backslash.
    char c = '\\';
    size_t next = from + 1;
    if (next < v.size()) {
      const char e = v[next];
      if (e == '\\' || (extension ? e == '=' : e == '|')) c = e, ++next;
      else if (extension && e == 'n') c = '\n', ++next;
      else if (extension && e == 'r') c = '\r', ++next;
    }
    out[n++] = c;
    size_t stop = v.find('\\', next);
    if (stop == sv::npos) stop = v.size();
    std::memcpy(out + n, v.data() + next, stop - next);
    n += stop - next;
    from = stop;
  }
  return {out, n};
}

// The start of the key of the first " key=" at or after `from`, or npos: a key is a
// run of key characters after a space (or at the start) followed by '='; an escaped
// "\=" never qualifies since a backslash is no key character.
size_t next_key(sv ext, size_t from) {
  for (size_t i = from; i < ext.size(); ++i) {
    const void* hit = std::memchr(ext.data() + i, '=', ext.size() - i);
    if (!hit) return sv::npos;
    i = static_cast<size_t>(static_cast<const char*>(hit) - ext.data());
    size_t k = i;
    while (k > from && is_key_char(ext[k - 1])) --k;
    if (k == i) continue;  // "\=" among others: a backslash is no key character
    if (k == 0 || ext[k - 1] == ' ') return k;
  }
  return sv::npos;
}

constexpr sv kShortHeader[7] = {
    "CEF header has 0 of 7 fields", "CEF header has 1 of 7 fields", "CEF header has 2 of 7 fields",
    "CEF header has 3 of 7 fields", "CEF header has 4 of 7 fields", "CEF header has 5 of 7 fields",
    "CEF header has 6 of 7 fields",
};

}  // namespace

std::string_view parse_cef(std::string_view text, Arena& scratch, CefRecord& out) {
  out.version = 0;
  out.device_vendor = out.device_product = out.device_version = out.signature_id = out.name = out.severity = {};
  out.extension.clear();  // keeps its capacity: the caller reuses the record per line
  if (!text.starts_with("CEF:")) return "missing CEF: prefix";
  sv header[7];
  int fields = 0;
  size_t start = 4;
  size_t i = 4;
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
  sv version = header[0];
  while (!version.empty() && version.front() == ' ') version.remove_prefix(1);
  if (fields >= 1) {
    if (version.empty() || version.size() > 2) return "CEF version is not a number";
    for (char c : version)
      if (c < '0' || c > '9') return "CEF version is not a number";
    out.version = version.size() == 1 ? version[0] - '0' : (version[0] - '0') * 10 + (version[1] - '0');
  }
  sv* targets[6] = {&out.device_vendor, &out.device_product, &out.device_version,
                    &out.signature_id,  &out.name,           &out.severity};
  for (int f = 1; f < fields; ++f) *targets[f - 1] = unescape(header[f], scratch, false);
  if (fields < 7) return kShortHeader[fields];

  sv ext = text.substr(start);
  while (!ext.empty() && (ext.back() == '\r' || ext.back() == '\n')) ext.remove_suffix(1);
  size_t k = next_key(ext, 0);
  const size_t lead = ext.find_first_not_of(' ');
  if (lead != sv::npos && lead != k) return "CEF extension has text before its first key=";
  while (k != sv::npos) {
    const size_t eq = ext.find('=', k);
    // The value runs to the space before the next key (values hold spaces).
    const size_t next = next_key(ext, eq + 1);
    const size_t value_end = next == sv::npos ? ext.size() : next - 1;
    sv value = ext.substr(eq + 1, value_end - eq - 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    out.extension.push_back(TextPair{ext.substr(k, eq - k), unescape(value, scratch, true)});
    k = next;
  }
  return {};
}

}  // namespace vigil
