// Fuzz the batch decoder (WAL records, segment payloads, later the agent protocol):
// arbitrary bytes either decode to a batch that re-encodes to the same bytes, or are
// refused with a message.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/batch_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto batch = vigil::decode_batch(in);
  if (!batch.ok()) {
    if (batch.error().empty()) abort();
    return 0;
  }
  // Touch every string so ASan sees a dangling one.
  size_t sum = 0;
  for (const auto& e : batch->events()) {
    sum += e.raw.size() + e.source.size() + e.input.size() + e.tenant.size();
    for (const auto& f : batch->fields(e))
      if (f.value.type == vigil::FieldType::String) sum += f.value.as_string().size();
  }
  std::string again;
  vigil::encode_batch(*batch, again);
  auto twice = vigil::decode_batch(again);
  if (!twice.ok() || twice->size() != batch->size()) abort();
  return sum == SIZE_MAX;
}
