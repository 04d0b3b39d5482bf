// ArcSight Common Event Format: "CEF:Version|Device Vendor|Device Product|Device
// Version|Signature ID|Name|Severity|Extension". Header fields escape | and \ with a
// backslash; the extension is key=value pairs where a value runs to the space before
// the next key= (values hold spaces) and escapes = \ \n \r.
#pragma once

#include <string_view>
#include <vector>

#include "core/arena.h"
#include "parse/text_pair.h"

namespace vigil {

struct CefRecord {
  int version = 0;
  std::string_view device_vendor, device_product, device_version, signature_id, name, severity;
  std::vector<TextPair> extension;  // cleared by parse_cef
};

// `text` starts at "CEF:" (the caller skips any syslog header). Empty on success,
// else a static reason ("missing CEF: prefix", "CEF header has 3 of 7 fields", ...);
// the record then holds what was read. Views point into `text` or, for unescaped
// fields, into `scratch`.
std::string_view parse_cef(std::string_view text, Arena& scratch, CefRecord& out);

}  // namespace vigil
