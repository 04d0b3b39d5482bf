// IBM QRadar Log Event Extended Format. LEEF 1.0: "LEEF:1.0|Vendor|Product|Version|
// EventID|k=v<TAB>k=v"; LEEF 2.0 adds a delimiter field after EventID: one
// character, or its hex code ("x5E", "0x09"), or empty for a tab.
#pragma once

#include <string_view>
#include <vector>

#include "core/arena.h"
#include "parse/text_pair.h"

namespace vigil {

struct LeefRecord {
  int major = 0, minor = 0;
  std::string_view vendor, product, version, event_id;
  char delimiter = '\t';
  std::vector<TextPair> attributes;  // cleared by parse_leef
};

// `text` starts at "LEEF:". Empty on success, else a static reason.
std::string_view parse_leef(std::string_view text, Arena& scratch, LeefRecord& out);

}  // namespace vigil
