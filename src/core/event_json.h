// An event as one flat JSON object: dotted OCSF names as keys, a repeated field as an
// array, timestamps in RFC 3339, addresses as text. `vigil parse` prints it and the
// agent's file and HTTP outputs write it, so both speak the same NDJSON.
#pragma once

#include <string>
#include <string_view>

#include "core/event_batch.h"

namespace vigil {

// Appends `s` as a JSON string literal: quotes, backslashes and control characters
// escaped, and a byte that is not part of valid UTF-8 written as U+FFFD, so the output is
// always valid JSON whatever a sender put in a log line.
void append_json_string(std::string& out, std::string_view s);
// A value as JSON (quoted) or as plain text (unquoted, for tables).
std::string value_text(const Value& v, bool quoted);

struct EventJsonOptions {
  bool time = false;        // add "time" (RFC 3339) when the fields have none
  bool raw = true;          // add "_raw" with the original bytes
  bool with_pack = false;   // add "_pack": the parser that read it ("" when none did)
  std::string_view pack;
};

// Appends the event as one JSON object and a newline.
void append_event_json(std::string& out, const EventBatch& b, const Event& e, const EventJsonOptions& options);

}  // namespace vigil
