// Batch codec: an EventBatch as bytes and back, for the WAL, segment files and the
// wire. Field ids are process-local, so the encoding carries a per-batch name table.
// decode_batch() treats its input as untrusted: any inconsistency is an error, never UB.
#pragma once

#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/status.h"

namespace vigil {

// Appends the encoding of `batch` to `out`.
void encode_batch(const EventBatch& batch, std::string& out);
// Decodes one batch produced by encode_batch(); strings are copied into the batch's arena.
Result<EventBatch> decode_batch(std::string_view bytes);

}  // namespace vigil
