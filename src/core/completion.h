// Waiting for an asynchronous operation that reports through a callback
// (Store::append, Pipeline::submit): the one place that turns "call me back with a
// Status" into a blocking call.
#pragma once

#include <future>
#include <utility>

#include "core/status.h"

namespace vigil {

// Calls start(done) and blocks until done(status) has run, on whatever thread.
template <typename Start>
Status wait_for_completion(Start&& start) {
  std::promise<Status> finished;
  auto result = finished.get_future();
  std::forward<Start>(start)([&finished](const Status& s) { finished.set_value(s); });
  return result.get();
}

}  // namespace vigil
