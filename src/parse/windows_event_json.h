// Windows events in the JSON form evtx_dump writes ({"Event":{"System":{..},
// "EventData":{..}}}) into events with the field names of windows_event.h, the same
// names, types and values the EVTX reader gives for the same record.
//
// `text` holds one or more records: pretty-printed or one per line, one after another,
// in a JSON array, or with evtx_dump's "Record N" lines between them. Each record is one
// event whose raw is the record's JSON text. A record that is not JSON, or not an
// evtx_dump event, is still an event: raw kept, kFlagParseError set.
#pragma once

#include <string_view>

#include "core/event_batch.h"
#include "parse/windows_event.h"

namespace vigil {

WindowsReadStats read_windows_event_json(std::string_view text, const Provenance& base, EventBatch& out);

}  // namespace vigil
