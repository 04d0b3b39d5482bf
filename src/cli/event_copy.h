// Copying one event, with its raw bytes, provenance, flags and fields, from a batch
// into another that owns the copies: for reordering events (stored history in time
// order) and for keeping a subset of a batch (a time range).
#pragma once

#include "core/event_batch.h"

namespace vigil {

void copy_event(const EventBatch& from, const Event& e, EventBatch& to);

}  // namespace vigil
