// Column chunks: the values of one field, of one type, in one block of a segment,
// encoded for zstd to compress well. Before compression a chunk is
//
//   u8 presence: 0 every row has a value | 1 a bitmap of (rows + 7) / 8 bytes follows
//   values of the present rows, by type:
//     int64             zigzag varints of the first value and of each delta
//                       (constants: zeros)
//     timestamp         u8 0: as int64 | u8 1: zigzag varint of value - event time of
//                       its row (a field that repeats the event time costs nothing)
//     float64           8 bytes each
//     bool              a bitmap
//     ip                u8 1: 4 bytes each (all IPv4) | u8 0: 16 bytes each + v4 bitmap
//     string            u8 1 (dictionary): varint n, n × (varint len, bytes), u8 id width
//                       (1, 2 or 4), one id per value; chosen for low-cardinality columns
//                       u8 0 (plain): varint length of every value, then all bytes
//                       (lengths apart from text: each part compresses better alone)
//                       u8 2 (raw slices): per value varint (offset in its row's raw
//                       text + 1, or 0) and varint length, then the bytes of the values
//                       that are not slices of the raw text: parsers cut most fields
//                       out of the raw line, which is stored anyway
//
// decode_chunk() treats its input as untrusted: any inconsistency is an error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"

namespace vigil::column {

// Min/max of a chunk, for pruning: int64 and timestamp in ints, float64 in floats,
// ip in ips (v4-mapped bytes order); strings and bools have none.
struct ChunkStats {
  uint32_t present = 0;
  bool has_minmax = false;
  int64_t int_min = 0, int_max = 0;
  double float_min = 0, float_max = 0;
  IpAddress ip_min, ip_max;
};

// The event time and raw text of each row of the block, which other columns may be
// encoded against. Empty spans: not available (for those columns themselves).
struct RowContext {
  std::span<const TimeNs> times;
  std::span<const std::string_view> raws;
};

// Encodes the values of `rows` rows; `present_rows` (ascending) lists the rows that
// have one, `values` their values, all of `type`. Appends to `out`, fills `stats`;
// sets `uses_raw` when decoding will need the raw texts of the rows.
void encode_chunk(FieldType type, uint32_t rows, std::span<const uint32_t> present_rows, std::span<const Value> values,
                  const RowContext& context, std::string& out, ChunkStats& stats, bool& uses_raw);

// Decodes a chunk of `rows` rows: present[i] tells whether row i has a value,
// values[i] is it. String values point into `bytes` or the context's raw texts,
// which must outlive them.
Status decode_chunk(FieldType type, std::string_view bytes, uint32_t rows, const RowContext& context,
                    std::vector<uint8_t>& present, std::vector<Value>& values);

// An Int64 or Timestamp chunk whose values do not refer to event times (the event
// time column itself) as plain integers, 0 where absent: no Value per row.
Status decode_int_chunk(FieldType type, std::string_view bytes, uint32_t rows, std::vector<uint8_t>& present,
                        std::vector<int64_t>& out);

// The addresses of an IP chunk as stored: `width` bytes each (4: all IPv4; 16:
// v4-mapped or IPv6, with v4_bits telling which), one per present row in row order.
struct PackedIps {
  const uint8_t* bytes = nullptr;
  uint8_t width = 0;
  const uint8_t* v4_bits = nullptr;  // width 16: bit k set when address k is IPv4
};

// For an IP chunk: fills `present` as decode_chunk() does and points `ips` into
// `bytes`. Group-bys count these directly: a Value per row costs more than the count.
Status decode_packed_ips(std::string_view bytes, uint32_t rows, std::vector<uint8_t>& present, PackedIps& ips);

}  // namespace vigil::column
