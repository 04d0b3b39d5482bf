// EVTX reader: Windows event log files (.evtx) into events, one per record, with the
// field names of windows_event.h. libevtx reads the file and renders each record as
// XML; that XML is the event's raw and is read into fields by windows_event_xml.h.
//
// A record libevtx cannot read or render, or whose XML is not an event, is still an
// event: raw = the record's bytes when they can be located, else empty, with
// kFlagParseError and the reason. A file that cannot be opened as EVTX adds no event
// and counts one error (stats.first_error says why).
#pragma once

#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "parse/windows_event.h"

namespace vigil {

struct EvtxOptions {
  // Also read the records libevtx recovers from a chunk's free space: deleted or
  // overwritten events, often with garbled names. Off by default: they are not part of
  // the log (exported logs carry dozens of unrelated ones) and would match rules.
  // Each such event has the bool field EvtxRecovered = true; recovered fragments that
  // libevtx cannot read at all are skipped.
  bool recovered = false;
};

// Reads the EVTX file at `path`. `base` supplies receive time, input and tenant (its
// raw is ignored); its source defaults to `path`.
WindowsReadStats read_evtx_file(const std::string& path, const Provenance& base, EventBatch& out,
                                const EvtxOptions& options = {});

// Reads an EVTX file held in memory (an upload, a fuzzer's input).
WindowsReadStats read_evtx_buffer(std::string_view bytes, const Provenance& base, EventBatch& out,
                                  const EvtxOptions& options = {});

}  // namespace vigil
