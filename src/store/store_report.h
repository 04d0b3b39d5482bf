// What a data directory holds, for `vigil store stats`: per partition and per field,
// rows, raw bytes, stored bytes and the compression ratio. Read from segment footers
// and the WAL, without touching column data, so it is quick on any size of store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace vigil {

struct PartitionReport {
  std::string name;  // tenant/day/class/input
  uint64_t segments = 0;
  uint64_t rows = 0;
  uint64_t raw_bytes = 0;     // raw text as received
  uint64_t stored_bytes = 0;  // segment files, index included
  uint64_t index_bytes = 0;   // token index part of stored_bytes
  TimeNs min_time = 0, max_time = 0;
};

struct FieldReport {
  std::string name;  // field path, or @time, @raw, ... for the event's own columns
  std::string type;
  uint64_t rows = 0;           // events with a value
  uint64_t encoded_bytes = 0;  // before compression
  uint64_t stored_bytes = 0;   // compressed, on disk
};

struct StoreReport {
  std::vector<PartitionReport> partitions;  // by name
  std::vector<FieldReport> fields;          // largest stored first
  PartitionReport total;                    // name "total"
  uint64_t wal_events = 0, wal_bytes = 0;   // acknowledged, not yet sealed
};

// Reads <dir> read-only (safe beside a running server).
Result<StoreReport> report_store(const std::filesystem::path& dir);

std::string format_report_table(const StoreReport& r, size_t max_fields);
std::string format_report_json(const StoreReport& r);

}  // namespace vigil
