// Listener: a network input bound to an address and feeding the Pipeline.
// Asio stays inside the .cpp files that implement one; callers see only this.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "ingest/address.h"
#include "ingest/pipeline.h"

namespace boost::asio {
class io_context;
}

namespace vigil {

class Listener {
 public:
  virtual ~Listener() = default;
  // The bound address (with the real port when 0 was asked for).
  virtual HostPort address() const = 0;
  // Stops accepting/receiving; work already handed to the pipeline still completes.
  virtual void stop() = 0;
};

class PackRegistry;

struct SyslogInputOptions {
  std::string tenant = "default";
  // Parser packs for normalizing (taken anew for every batch, so reloads apply); null:
  // only the built-in mappings.
  const PackRegistry* packs = nullptr;
  size_t max_line_bytes = 64 * 1024;   // longer messages are cut and flagged
  int32_t default_utc_offset_s = 0;    // for RFC 3164 timestamps without a zone
  size_t batch_events = 2048;          // UDP: hand a batch over at this size ...
  std::chrono::milliseconds flush_after{20};  // ... or this long after its first event
};

Result<std::unique_ptr<Listener>> start_syslog_udp(boost::asio::io_context& io, const HostPort& at,
                                                   Pipeline& pipeline, const SyslogInputOptions& options);
// TCP: RFC 6587 octet counting or LF framing. A connection reads its next bytes only
// after the previous batch is durable, so a slow store slows senders (backpressure)
// instead of growing memory.
Result<std::unique_ptr<Listener>> start_syslog_tcp(boost::asio::io_context& io, const HostPort& at,
                                                   Pipeline& pipeline, const SyslogInputOptions& options);

}  // namespace vigil
