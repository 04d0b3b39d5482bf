// Zeek ASCII (TSV) logs: a stateful line reader that follows the `#separator`,
// `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#fields` and `#types`
// headers and splits each record line into named, typed column texts.
//
// Zero-copy: a value's text is a slice of the line unless it had \xHH (or \\) escapes,
// in which case the unescaped bytes are written to the scratch arena. Containers
// (`set[...]`, `vector[...]`) are the exception: their text stays escaped so that the
// elements can be split on the set separator first (an escaped separator, \x2c, is part
// of an element); for_each_zeek_element() splits and unescapes them.
// Unset fields (`-`) are omitted; `(empty)` becomes empty text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/arena.h"

namespace vigil {

struct ZeekColumn {
  std::string name;  // "id.orig_h"
  std::string type;  // "time", "addr", "port", "count", "vector[string]" ...
};

struct ZeekValue {
  std::string_view name;
  std::string_view type;
  std::string_view text;
};

class ZeekTsvReader {
 public:
  enum class Line { Header, Record, Error, Blank };

  // Header lines update the state; a record line fills `out` (cleared first) with its
  // set fields. A record before any #fields, or whose column count differs from #fields,
  // is Error with `error` set (static text, or text written to `scratch`); so is a
  // #types header whose count differs from #fields.
  Line read(std::string_view line, Arena& scratch, std::vector<ZeekValue>& out, std::string_view& error);

  std::string_view path() const { return path_; }  // "#path" value, e.g. "conn"
  const std::vector<ZeekColumn>& columns() const { return columns_; }
  std::string_view set_separator() const { return set_separator_; }

 private:
  Line read_header(std::string_view line, Arena& scratch, std::string_view& error);

  std::string separator_ = "\t";
  std::string set_separator_ = ",";
  std::string empty_field_ = "(empty)";
  std::string unset_field_ = "-";
  std::string path_;
  std::vector<ZeekColumn> columns_;
};

// True for "set[...]" and "vector[...]" types; element_type("vector[addr]") is "addr".
bool is_zeek_container(std::string_view type);
std::string_view zeek_element_type(std::string_view type);

// `text` with \xHH and \\ escapes decoded: `text` itself when it has none, else a copy
// decoded into `scratch`. A malformed escape is kept as written.
std::string_view zeek_unescape(std::string_view text, Arena& scratch);

// Calls fn(element) for each element of a container's escaped text, split on
// `set_separator` and unescaped. Empty text has no elements.
template <typename Fn>
void for_each_zeek_element(std::string_view text, std::string_view set_separator, Arena& scratch, Fn&& fn) {
  if (text.empty() || set_separator.empty()) {
    if (!text.empty()) fn(zeek_unescape(text, scratch));
    return;
  }
  size_t pos = 0;
  while (true) {
    size_t end = text.find(set_separator, pos);
    std::string_view element = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    fn(zeek_unescape(element, scratch));
    if (end == std::string_view::npos) break;
    pos = end + set_separator.size();
  }
}

}  // namespace vigil
