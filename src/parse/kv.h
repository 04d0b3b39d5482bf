// key=value text (FortiGate, Sophos, netfilter, most appliances): pairs separated by
// spaces (or another separator), values optionally quoted.
#pragma once

#include <string_view>
#include <vector>

#include "core/arena.h"
#include "parse/text_pair.h"

namespace vigil {

struct KvOptions {
  char pair_separator = ' ';  // ' ' also accepts runs of spaces and tabs
  char assign = '=';          // '=' or ':'
  bool quotes = true;         // values in "double" or 'single' quotes; \<quote> and \\ escapes inside
};

// Appends the pairs of `text` to `out`. A value ends at the next separator outside
// quotes; unquoted values may contain the assign character. Tokens without `assign`
// are skipped. Keys are trimmed and never empty; empty values are kept. Quoted values
// holding \\ or \<quote> are unescaped into `scratch` (other backslashes stay, for
// Windows paths); every other view is a slice of `text`. Returns false when no pair
// was found or a quote never closes (the pairs before it are appended; the open value
// runs to the end of the text).
bool split_kv(std::string_view text, const KvOptions& options, Arena& scratch, std::vector<TextPair>& out);
// The same pairs by a plainer search (eight bytes at a time): the reference the fuzz
// target holds split_kv to.
bool split_kv_scalar(std::string_view text, const KvOptions& options, Arena& scratch, std::vector<TextPair>& out);

}  // namespace vigil
