// IngestCounters: what every input received, kept, flagged and dropped, so that
// nothing is lost silently. Exposed at GET /api/v1/stats. Lock-free: inputs on
// many threads bump them on every batch.
#pragma once

#include <atomic>
#include <cstdint>

namespace vigil {

struct IngestCounters {
  std::atomic<uint64_t> udp_datagrams{0};
  std::atomic<uint64_t> udp_dropped{0};         // refused under overload (counted, never silent)
  std::atomic<uint64_t> tcp_connections{0};
  std::atomic<uint64_t> tcp_messages{0};
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> http_rejected{0};       // requests refused whole (bad encoding, too large)
  std::atomic<uint64_t> http_events{0};
  std::atomic<uint64_t> events_received{0};     // events built from any input
  std::atomic<uint64_t> events_stored{0};       // acknowledged by the store (durable)
  std::atomic<uint64_t> events_failed{0};       // the store refused them (error returned to the sender)
  std::atomic<uint64_t> stage_events{0};        // added by the batch stage (alerts), not counted above
  std::atomic<uint64_t> stage_events_stored{0};
  std::atomic<uint64_t> stage_events_failed{0};
  std::atomic<uint64_t> parse_errors{0};        // stored raw with the parse-error flag
  std::atomic<uint64_t> truncated{0};           // cut to the size limit and flagged
  std::atomic<uint64_t> bytes_received{0};
};

}  // namespace vigil
