// NDJSON reader: newline-delimited JSON objects into events (simdjson on the hot path).
//
// Every line becomes one event whose raw is the line. Objects are flattened to dotted
// names ({"actor":{"user":{"name":"x"}}} -> actor.user.name); events that already carry
// OCSF fields are taken as they are, other JSON keeps its own names. Values keep their
// JSON type (string, int64, float64, bool); arrays of scalars become a repeated field,
// arrays of objects are flattened with the same prefix, repeated; null is skipped.
// The event time comes from `time` (OCSF: epoch milliseconds, or RFC 3339 text), else
// `@timestamp` / `timestamp` / `ts`, else the receive time (kFlagNoTimestamp).
// A line that is not a JSON object is still an event: raw kept, kFlagParseError set.
// Blank lines are skipped (not events).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/event_batch.h"

namespace vigil {

struct NdjsonStats {
  size_t events = 0;        // events appended (good + bad)
  size_t parse_errors = 0;  // lines stored raw with kFlagParseError
  size_t truncated = 0;     // lines longer than max_line_bytes, cut and flagged kFlagTruncated
  std::string first_error;  // "line 3: expected ':' after object key" (1-based line numbers)
};

struct NdjsonOptions {
  size_t max_line_bytes = 1 << 20;
};

// Appends one event per non-blank line of `body` to `out`. `base` supplies receive
// time, source, input and tenant for every event (its raw is ignored).
NdjsonStats read_ndjson(std::string_view body, const Provenance& base, EventBatch& out,
                        const NdjsonOptions& options = {});

}  // namespace vigil
