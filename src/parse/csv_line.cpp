// A field at a time: memchr to the next delimiter for unquoted fields.
#include "parse/csv_line.h"

#include <cstring>

namespace vigil {

bool split_csv(std::string_view line, char delimiter, Arena& scratch, std::vector<std::string_view>& out) {
  const char* p = line.data();
  const char* end = p + line.size();
  while (true) {
    if (p < end && *p == '"') {
      const char* v = ++p;
      bool doubled = false;
      while (p < end) {
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            doubled = true;
            p += 2;
            continue;
          }
          break;
        }
        ++p;
      }
      if (p >= end) {
        out.emplace_back(v, static_cast<size_t>(end - v));
        return false;
      }
      std::string_view field(v, static_cast<size_t>(p - v));
      if (doubled) {
        char* o = scratch.allocate(field.size());
        size_t n = 0;
        for (size_t i = 0; i < field.size(); ++i) {
          o[n++] = field[i];
          if (field[i] == '"') ++i;
        }
        field = std::string_view(o, n);
      }
      out.push_back(field);
      ++p;  // closing quote; anything up to the delimiter is ignored
      const void* d = p < end ? std::memchr(p, delimiter, static_cast<size_t>(end - p)) : nullptr;
      if (!d) return true;
      p = static_cast<const char*>(d) + 1;
      continue;
    }
    const void* d = p < end ? std::memchr(p, delimiter, static_cast<size_t>(end - p)) : nullptr;
    const char* stop = d ? static_cast<const char*>(d) : end;
    out.emplace_back(p, static_cast<size_t>(stop - p));
    if (!d) return true;
    p = stop + 1;
  }
}

}  // namespace vigil
