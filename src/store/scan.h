// Scan API of the store for the query engine: what to read (time range, projection)
// and what may be pushed down (tokens, field conditions), so that the store skips
// whole segments and blocks by their statistics and token index, filters rows on
// the columns it must read anyway, and decodes the other columns only for blocks
// where some row survived (late materialization).
//
// Pushed-down conditions are a conservative pre-filter: the store drops a row only
// when it is certain the row fails; the query engine still checks every row it gets.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <functional>
#include <span>
#include <string_view>

#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "core/time.h"
#include "core/value.h"
#include "store/column_codec.h"

namespace vigil {

// One condition on a field that every returned event must meet (they are ANDed).
struct FieldCondition {
  enum class Op : uint8_t {
    Exists,      // the field has a value
    StringEq,    // a string value equals `text`, ASCII case-insensitively
    IntRange,    // an int64 value in [int_lo, int_hi]
    FloatRange,  // a float64 value in [float_lo, float_hi]
    TimeRange,   // a timestamp value in [int_lo, int_hi]
    IpRange,     // an IP value in [ip_lo, ip_hi] (v4 as v4-mapped: CIDR blocks are ranges)
  };
  std::string field;
  Op op = Op::Exists;
  std::string text;
  int64_t int_lo = INT64_MIN, int_hi = INT64_MAX;
  double float_lo = 0, float_hi = 0;
  IpAddress ip_lo, ip_hi;
};

struct ScanRequest {
  TimeNs from = kMinTime, to = kMaxTime;  // event time, inclusive
  // Free-text terms that every returned event holds at token boundaries in its raw
  // text or a string field; used to prune blocks by their token index.
  std::vector<std::string> terms;
  std::vector<FieldCondition> conditions;
  // Projection: the fields to return. all_fields returns every field.
  bool all_fields = true;
  std::vector<std::string> fields;
  bool raw = true;  // return raw text, source, parse error (time, input, tenant, flags always);
                    // scan_blocks(): BlockView::raws
  // scan_blocks(): IP columns come as ColumnSlice::ips (addresses as stored, no
  // values) to a caller that reads them so.
  bool packed_ips = false;
  // scan_blocks(): BlockView::times holds each row's event time.
  bool times = false;
  // scan(): the unsealed events first, then segments and their blocks by their newest
  // event, newest first, so that a search for the newest N events fills up early...
  bool newest_first = false;
  // ...and then raises *floor to the oldest time it still wants: segments and blocks
  // wholly older are skipped from then on. (Set and read while the scan runs.)
  const std::atomic<TimeNs>* floor = nullptr;
};

// One decoded column of a block (scan_blocks): a value per row where present[r],
// or, when `constant`, constant_value in every row (read from statistics alone), or,
// when `ip4` is set (ScanRequest::packed_ip4), the 4 address bytes (network order)
// of each present row in row order, and no values.
struct ColumnSlice {
  std::string_view name;
  FieldId id = kNoField;
  FieldType type = FieldType::String;
  uint32_t occurrence = 0;  // 1, 2...: further values of a field repeated in an event
  bool constant = false;
  Value constant_value;
  const uint8_t* present = nullptr;
  const Value* values = nullptr;
  column::PackedIps ips;
};

// A block of sealed rows: `selected` (per row, nullptr when all are) marks the rows
// that passed the time range and pushed-down conditions; columns are the projected
// fields the block has. Valid only during the visit.
struct BlockView {
  uint32_t rows = 0;
  const uint8_t* selected = nullptr;
  uint32_t selected_count = 0;
  std::span<const ColumnSlice> columns;
  const TimeNs* times = nullptr;  // ScanRequest::times: the event time of every row
  const std::string_view* raws = nullptr;  // ScanRequest::raw: the raw text of every row
};

// What a scan read and skipped: the statistics the API reports with results.
struct ScanStats {
  uint64_t segments = 0, segments_skipped = 0;  // skipped by time range or partition
  uint64_t blocks = 0;                           // blocks of the segments not skipped
  uint64_t blocks_skipped_time = 0, blocks_skipped_index = 0, blocks_skipped_stats = 0;
  uint64_t rows_read = 0;      // rows of the blocks read
  uint64_t rows_returned = 0;  // after pushed-down filters
  uint64_t bytes_read = 0;     // compressed bytes read from segments
  uint64_t memory_rows = 0;    // rows from the not yet sealed part
  // Segments, blocks and unsealed batches left unread as older than ScanRequest::floor
  // (also counted as skipped by time): their matches are not counted.
  uint64_t skipped_older = 0;

  void add(const ScanStats& o);
};

using VisitBlock = std::function<bool(const BlockView&)>;

}  // namespace vigil
