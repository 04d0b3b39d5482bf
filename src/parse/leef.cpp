// LEEF: header fields split on '|', then attributes split on the delimiter.
#include "parse/leef.h"

namespace vigil {
namespace {

using sv = std::string_view;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "^" -> '^'; "x5E", "0x5e", "\x5e" -> 0x5E; "\t" or "" -> tab. False when unreadable.
bool read_delimiter(sv s, char& out) {
  if (s.empty() || s == "\\t" || s == "tab") {
    out = '\t';
    return true;
  }
  if (s.size() == 1) {
    out = s[0];
    return out != '\0';
  }
  if (s.starts_with("\\x") || s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  else if (s[0] == 'x' || s[0] == 'X') s.remove_prefix(1);
  if (s.empty() || s.size() > 2) return false;
  int v = 0;
  for (char c : s) {
    int h = hex_value(c);
    if (h < 0) return false;
    v = v * 16 + h;
  }
  if (v == 0) return false;
  out = static_cast<char>(v);
  return true;
}

}  // namespace

std::string_view parse_leef(std::string_view text, Arena&, LeefRecord& out) {
  out.major = out.minor = 0;
  out.vendor = out.product = out.version = out.event_id = {};
  out.delimiter = '\t';
  out.attributes.clear();  // keeps its capacity: the caller reuses the record per line
  if (!text.starts_with("LEEF:")) return "missing LEEF: prefix";
  sv rest = text.substr(5);
  sv header[6];
  int fields = 0;
  const int wanted = rest.starts_with("2") ? 6 : 5;
  while (fields < wanted) {
    size_t bar = rest.find('|');
    if (bar == sv::npos) return "LEEF header has too few fields";
    header[fields++] = rest.substr(0, bar);
    rest.remove_prefix(bar + 1);
  }
  sv version = header[0];
  if (version.empty() || version[0] < '0' || version[0] > '9') return "LEEF version is not a number";
  out.major = version[0] - '0';
  if (version.size() >= 3 && version[1] == '.' && version[2] >= '0' && version[2] <= '9') out.minor = version[2] - '0';
  out.vendor = header[1];
  out.product = header[2];
  out.version = header[3];
  out.event_id = header[4];
  if (wanted == 6 && !read_delimiter(header[5], out.delimiter)) return "LEEF 2.0 delimiter is unreadable";
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == '\n')) rest.remove_suffix(1);
  while (!rest.empty()) {
    size_t d = rest.find(out.delimiter);
    sv attr = rest.substr(0, d);
    rest = d == sv::npos ? sv{} : rest.substr(d + 1);
    size_t eq = attr.find('=');
    if (eq == sv::npos || eq == 0) continue;
    out.attributes.push_back(TextPair{attr.substr(0, eq), attr.substr(eq + 1)});
  }
  return {};
}

}  // namespace vigil
