// Search: the first query language and its executor over the Store.
//
//   sshd failed                            free-text terms (AND), case-insensitive, in raw and string fields
//   actor.user.name:root                   field:value, `*` wildcards, case-insensitive
//   class_uid:3002 AND NOT status_id:1     AND / OR / NOT, parentheses; adjacency means AND
//   ... | stats count() by src_endpoint.ip, actor.user.name
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "core/value.h"
#include "store/store.h"

namespace vigil {

struct SearchRequest {
  std::string query;
  TimeNs from = kMinTime;
  TimeNs to = kMaxTime;
  size_t limit = 100;  // events returned for a plain search (newest first)
};

// A value that owns its bytes, for results that outlive the store's batches.
struct ResultValue {
  FieldType type = FieldType::String;
  bool is_null = false;
  std::string text;  // strings; IPs and times also keep their text form here
  int64_t i64 = 0;   // Int64, Timestamp (ns), Bool (0/1)
  double f64 = 0;
};

struct ResultEvent {
  TimeNs time = 0;
  TimeNs receive_time = 0;
  uint32_t flags = 0;
  std::string raw, source, input, tenant, parse_error;
  std::vector<std::pair<std::string, ResultValue>> fields;
};

struct SearchResult {
  bool is_table = false;                     // true after `| stats`
  std::vector<ResultEvent> events;           // plain search: matching events, newest first
  std::vector<std::string> columns;          // table: group-by fields then aggregates
  std::vector<std::vector<ResultValue>> rows;
  uint64_t events_scanned = 0;
  uint64_t events_matched = 0;
  double elapsed_ms = 0;
};

enum class OutputFormat { Table, Json, Ndjson };

Result<SearchResult> run_search(const Store& store, const SearchRequest& request);
std::string format_result(const SearchResult& result, OutputFormat format);
// The API's JSON form of a result, and back (for `vigil search --server`).
std::string result_to_json(const SearchResult& result);
Result<SearchResult> result_from_json(std::string_view json);

}  // namespace vigil
