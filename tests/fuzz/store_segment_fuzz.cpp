// Fuzz the segment reader with damaged files: every input is either read or refused
// with a message, never a crash. The first byte picks what is fed:
//   0: a whole segment file (header, footer, then a scan of every block, as events
//      and as column blocks with IPs as stored)
//   1: a decompressed footer, past the checksums that guard it in a file
//   2: a decompressed column chunk of a type, with event times and raw texts
// Modes 1 and 2 reach the decoders that checksums and zstd shield in mode 0.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/column_codec.h"
#include "store/segment.h"

using namespace vigil;

namespace {

void touch(const EventBatch& b, size_t& sum) {
  for (const auto& e : b.events()) {
    sum += e.raw.size() + e.source.size() + e.parse_error.size();
    for (const auto& f : b.fields(e))
      if (f.value.type == FieldType::String) sum += f.value.as_string().size();
  }
}

// Reads every byte a block's consumer may read: values, or addresses as stored.
void touch(const BlockView& b, size_t& sum) {
  for (const ColumnSlice& c : b.columns) {
    if (c.constant) continue;
    for (uint32_t r = 0, k = 0; r < b.rows; ++r) {
      if (!c.present[r]) continue;
      if (c.ips.bytes) {
        sum += c.ips.bytes[size_t{c.ips.width} * k + c.ips.width - 1];
        if (c.ips.v4_bits) sum += c.ips.v4_bits[k >> 3];
        ++k;
      } else if (c.values[r].type == FieldType::String) {
        sum += c.values[r].as_string().size();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t sum = 0;
  switch (data[0] % 3) {
    case 0: {
      auto info = segment::parse(in, "fuzz.vseg", 1);
      if (!info.ok()) {
        if (info.error().empty()) abort();
        return 0;
      }
      info->bytes = std::make_shared<const std::string>(in);
      ScanStats st;
      for (int k = 0; k < 2; ++k) {
        ScanRequest r;
        if (k == 1) r.terms = {"root"};
        segment::Plan plan(r);
        auto more = segment::scan(*info, plan, [&](const EventBatch& b) { touch(b, sum); return true; }, st);
        if (!more.ok() && more.error().empty()) abort();
      }
      ScanRequest r;
      r.packed_ips = true;
      segment::Plan plan(r);
      auto more = segment::scan_blocks(*info, plan, [&](const BlockView& b) { touch(b, sum); return true; }, st);
      if (!more.ok() && more.error().empty()) abort();
      break;
    }
    case 1: {
      segment::Header h;
      h.footer_offset = uint64_t{1} << 40;
      h.events = in.size() >= 2 ? static_cast<uint8_t>(in[0]) * 256u + static_cast<uint8_t>(in[1]) : 0;
      auto f = segment::decode_footer(in.size() >= 2 ? in.substr(2) : in, h, "fuzz.vseg");
      if (!f.ok() && f.error().empty()) abort();
      break;
    }
    case 2: {
      if (in.size() < 2) return 0;
      auto type = static_cast<FieldType>(static_cast<uint8_t>(in[0]) % 6);
      uint32_t rows = static_cast<uint8_t>(in[1]) + 1u;
      std::vector<TimeNs> times(rows, 1'700'000'000'000'000'000);
      std::vector<std::string_view> raws(rows, "raw text of the row for slices");
      column::RowContext ctx{times, raws};
      std::vector<uint8_t> present;
      std::vector<Value> values;
      Status s = column::decode_chunk(type, in.substr(2), rows, ctx, present, values);
      if (!s.ok()) {
        if (s.message().empty()) abort();
        return 0;
      }
      for (uint32_t r = 0; r < rows; ++r)
        if (present[r] && values[r].type == FieldType::String) sum += values[r].as_string().size();
      if (type == FieldType::Ip) {  // the same chunk as a group-by reads it
        column::PackedIps ips;
        if (Status p = column::decode_packed_ips(in.substr(2), rows, present, ips); !p.ok()) abort();
        for (uint32_t r = 0, k = 0; r < rows; ++r) {
          if (!present[r]) continue;
          sum += ips.bytes[size_t{ips.width} * k + ips.width - 1] + (ips.v4_bits ? ips.v4_bits[k >> 3] : 0);
          ++k;
        }
      }
      break;
    }
  }
  return sum == SIZE_MAX;
}
