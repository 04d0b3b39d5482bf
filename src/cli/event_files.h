// Files of events for `vigil hunt` and `vigil rules test`: which reader a file needs
// (EVTX, evtx_dump JSON, NDJSON or syslog lines) and reading it in batches, each
// event with the line or record it came from, so an alert can point back at it.
//
// Formats, and how a file is recognized (sniff_event_format):
//   evtx          the name ends in .evtx, or the file starts with the EVTX magic
//   windows-json  JSON whose first object has a top-level "Event" key (evtx_dump's
//                 output: pretty-printed or one per line, "Record N" lines allowed)
//   ndjson        other JSON: one object per line
//   syslog        anything else: one RFC 3164/5424 line per event
// Line-based formats are streamed (memory stays bounded on large files); EVTX and
// Windows JSON files are read whole by their readers and come as one batch.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"
#include "core/status.h"

namespace vigil {

enum class EventFormat : uint8_t { Syslog, Ndjson, WindowsJson, Evtx };

// "syslog", "ndjson", "windows-json", "evtx".
std::string_view event_format_name(EventFormat f);
std::optional<EventFormat> parse_event_format(std::string_view name);

// `head` is the start of the file (a few KiB are enough).
EventFormat sniff_event_format(std::string_view file_name, std::string_view head);

// Where an event sits in its file: a 1-based line (syslog, NDJSON) or the Windows
// EventRecordID (EVTX, Windows JSON; the record's ordinal when it has none).
enum class PositionKind : uint8_t { None, Line, Record };

struct EventChunk {
  EventBatch events;
  std::vector<uint64_t> positions;  // one per event
  PositionKind kind = PositionKind::None;
};

struct EventReadStats {
  uint64_t events = 0;
  // Events flagged kFlagParseError, plus 1 for a file its reader could not read at
  // all (an EVTX file libevtx refuses: no events then).
  uint64_t parse_errors = 0;
  // The first of them: why, and for line-based formats the line ("3: expected ':' after
  // object key" reads as file:3: ...); Windows readers say "record 7: ..." themselves.
  std::string first_error;
  uint64_t first_error_line = 0;
};

// "auth.log:8: why" or "Security.evtx: record 7: why"; empty when there was no error.
std::string first_error_at(std::string_view where, const EventReadStats& stats);

// Called with each batch; the callee may move the events out.
using EachChunk = std::function<void(EventChunk&)>;

// Reads the file at `path`. `base` gives receive time, input and tenant; its source
// becomes `path`. Errors only when the file cannot be opened or read; whatever its
// bytes are, they become events (bad ones flagged and counted).
Status read_event_file(const std::string& path, EventFormat format, const Provenance& base, size_t batch_size,
                       const EachChunk& each, EventReadStats& stats);

// The same over bytes in memory (rule tests, uploads).
void read_event_text(std::string_view text, EventFormat format, const Provenance& base, size_t batch_size,
                     const EachChunk& each, EventReadStats& stats);

}  // namespace vigil
