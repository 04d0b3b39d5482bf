// Zeek TSV reader (see zeek_tsv.h). One pass over a record line; values are slices of
// the line, and only escaped ones are copied (into the caller's scratch arena).
//
// Decisions the header leaves open:
// - "#separator" is the one header whose value follows a space (Zeek writes
//   "#separator \x09" before it knows the separator); a tab is accepted too.
// - A new "#fields" replaces the columns and clears their types: concatenated logs
//   (one header block per file) are read as they come.
// - Unknown "#..." lines (#open, #close, comments) are headers and change nothing.
// - A trailing '\r' is not part of the last field (logs copied through Windows).
#include "parse/zeek_tsv.h"

#include <cstdio>
#include <cstring>

namespace vigil {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits `s` on `sep` into `parts` (cleared first).
void split(std::string_view s, std::string_view sep, std::vector<std::string_view>& parts) {
  parts.clear();
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(pos));
      return;
    }
    parts.push_back(s.substr(pos, end - pos));
    pos = end + sep.size();
  }
}

}  // namespace

bool is_zeek_container(std::string_view type) {
  return (type.starts_with("set[") || type.starts_with("vector[")) && type.ends_with("]");
}

std::string_view zeek_element_type(std::string_view type) {
  if (!is_zeek_container(type)) return type;
  size_t open = type.find('[');
  return type.substr(open + 1, type.size() - open - 2);
}

std::string_view zeek_unescape(std::string_view text, Arena& scratch) {
  if (text.find('\\') == std::string_view::npos) return text;
  char* out = scratch.allocate(text.size());
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == '\\') {
        out[n++] = '\\';
        ++i;
        continue;
      }
      if (text[i + 1] == 'x' && i + 3 < text.size()) {
        int hi = hex_value(text[i + 2]), lo = hex_value(text[i + 3]);
        if (hi >= 0 && lo >= 0) {
          out[n++] = static_cast<char>(hi * 16 + lo);
          i += 3;
          continue;
        }
      }
    }
    out[n++] = c;
  }
  return {out, n};
}

ZeekTsvReader::Line ZeekTsvReader::read_header(std::string_view line, Arena& scratch, std::string_view& error) {
  if (line.starts_with("#separator") && line.size() > 10 && (line[10] == ' ' || line[10] == '\t')) {
    std::string_view value = zeek_unescape(line.substr(11), scratch);
    if (value.empty()) {
      error = "#separator header with an empty separator";
      return Line::Error;
    }
    separator_.assign(value);
    return Line::Header;
  }
  size_t cut = line.find(separator_);
  std::string_view key = line.substr(0, cut);
  std::string_view value = cut == std::string_view::npos ? std::string_view() : line.substr(cut + separator_.size());
  if (key == "#set_separator") {
    set_separator_.assign(zeek_unescape(value, scratch));
  } else if (key == "#empty_field") {
    empty_field_.assign(zeek_unescape(value, scratch));
  } else if (key == "#unset_field") {
    unset_field_.assign(zeek_unescape(value, scratch));
  } else if (key == "#path") {
    path_.assign(zeek_unescape(value, scratch));
  } else if (key == "#fields") {
    std::vector<std::string_view> names;
    split(value, separator_, names);
    columns_.clear();
    for (std::string_view n : names) columns_.push_back(ZeekColumn{std::string(n), std::string()});
  } else if (key == "#types") {
    std::vector<std::string_view> types;
    split(value, separator_, types);
    if (types.size() != columns_.size()) {
      char msg[128];
      int n = std::snprintf(msg, sizeof msg, "#types names %zu types but #fields names %zu columns", types.size(),
                            columns_.size());
      error = scratch.copy(std::string_view(msg, static_cast<size_t>(n)));
      return Line::Error;
    }
    for (size_t i = 0; i < types.size(); ++i) columns_[i].type.assign(types[i]);
  }
  return Line::Header;
}

ZeekTsvReader::Line ZeekTsvReader::read(std::string_view line, Arena& scratch, std::vector<ZeekValue>& out,
                                        std::string_view& error) {
  out.clear();
  error = {};
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return Line::Blank;
  if (line[0] == '#') return read_header(line, scratch, error);
  if (columns_.empty()) {
    error = "record before any #fields header";
    return Line::Error;
  }

  size_t column = 0, pos = 0;
  while (true) {
    size_t end = line.find(separator_, pos);
    std::string_view text = line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (column < columns_.size()) {
      const ZeekColumn& c = columns_[column];
      if (text != unset_field_) {
        if (text == empty_field_) {
          text = {};
        } else if (!is_zeek_container(c.type)) {
          text = zeek_unescape(text, scratch);
        }
        out.push_back(ZeekValue{c.name, c.type, text});
      }
    }
    ++column;
    if (end == std::string_view::npos) break;
    pos = end + separator_.size();
  }
  if (column != columns_.size()) {
    out.clear();
    char msg[128];
    int n = std::snprintf(msg, sizeof msg, "record has %zu fields but #fields names %zu", column, columns_.size());
    error = scratch.copy(std::string_view(msg, static_cast<size_t>(n)));
    return Line::Error;
  }
  return Line::Record;
}

}  // namespace vigil
