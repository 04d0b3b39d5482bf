// Fuzz the agent protocol decoders: the first byte picks the decoder, the rest is the
// message (JSON, or a zstd batch body with a 1 MiB limit). Invariants: failures carry
// a message; a decoded message encodes and decodes again to the same value; string
// limits hold; a decoded batch re-encodes and decodes to as many events.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/agent_protocol.h"

namespace {

template <typename T>
void check_error(const vigil::Result<T>& r) {
  if (!r.ok() && r.error().empty()) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto r = vigil::decode_enroll_request(body);
      check_error(r);
      if (r.ok()) {
        if (r->hostname.size() > 255 || r->csr_pem.size() > 65536 || r->token.empty()) abort();
        auto again = vigil::decode_enroll_request(vigil::encode_enroll_request(*r));
        // Decoded strings are valid UTF-8 (simdjson validates), so they survive intact.
        if (!again.ok() || again->token != r->token || again->hostname != r->hostname ||
            again->csr_pem != r->csr_pem)
          abort();
      }
      break;
    }
    case 1: {
      auto r = vigil::decode_enroll_response(body);
      check_error(r);
      if (r.ok()) {
        auto again = vigil::decode_enroll_response(vigil::encode_enroll_response(*r));
        if (!again.ok() || again->agent_id != r->agent_id || again->certificate_pem != r->certificate_pem ||
            again->ca_pem != r->ca_pem)
          abort();
      }
      break;
    }
    case 2: {
      auto r = vigil::decode_agent_health(body);
      check_error(r);
      if (r.ok()) {
        auto again = vigil::decode_agent_health(vigil::encode_agent_health(*r));
        if (!again.ok() || again->hostname != r->hostname || again->os != r->os ||
            again->spool_bytes != r->spool_bytes || again->uptime_s != r->uptime_s ||
            again->cpu_percent != r->cpu_percent)
          abort();
      }
      break;
    }
    case 3: {
      auto r = vigil::decode_batch_ack(body);
      check_error(r);
      if (r.ok()) {
        auto again = vigil::decode_batch_ack(vigil::encode_batch_ack(*r));
        if (!again.ok() || again->seq != r->seq || again->stored != r->stored || again->duplicate != r->duplicate)
          abort();
      }
      break;
    }
    case 4: {
      auto r = vigil::decode_agent_batch(body, 1 << 20);
      check_error(r);
      if (r.ok()) {
        std::string encoded;
        vigil::encode_agent_batch(*r, encoded);
        auto again = vigil::decode_agent_batch(encoded, 64 << 20);
        if (!again.ok() || again->size() != r->size()) abort();
      }
      break;
    }
  }
  return 0;
}
