// Copies of events and values that own their bytes, for results that outlive the
// store's batches.
#pragma once

#include "core/event_batch.h"
#include "query/search.h"

namespace vigil::query {

// Overwrites `out`, reusing its strings' capacity (the executor recycles the
// slots of events that drop out of the newest-N window).
void assign_result_value(const Value& v, ResultValue& out);
void assign_result_event(const EventBatch& batch, const Event& e, ResultEvent& out);

ResultValue to_result_value(const Value& v);
ResultEvent to_result_event(const EventBatch& batch, const Event& e);

}  // namespace vigil::query
