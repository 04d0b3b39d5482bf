// Search: the first query language and its executor over the Store.
//
//   sshd failed                            free-text terms (AND), case-insensitive, in raw and string fields
//   actor.user.name:root                   field:value, `*` wildcards, case-insensitive
//   class_uid:3002 AND NOT status_id:1     AND / OR / NOT, parentheses; adjacency means AND
//   ... | stats count() by src_endpoint.ip, actor.user.name
//   "Failed password" -src_endpoint.ip:10.0.0.0/8   quoted phrases, leading '-' for NOT, CIDR
//   src_endpoint.port>=1024 time:[-1h TO now]       comparisons and ranges ([ ] inclusive, { } exclusive)
//   /fail(ed|ure)/ process.cmd_line:/-enc\s/        RE2 regexes (case-insensitive) on raw text or a field
//   sshd from=-24h to=now                          the time range in the query (the request's own wins)
//
// The user's reference is docs/query-language.md. The grammar is in query_parser.h;
// matching rules in matcher.h, stats in stats.h.
// In short: free text matches case-insensitively at token boundaries in the raw
// text or in any string field (`fail` finds "fail: x", not "failed"; `fail*` finds
// both; tokens are runs of letters, digits and '_'); field:value matches the whole value (case-insensitive, `*`
// wildcards; quoted values are literal), numerically for numbers, by address or
// CIDR for IPs, RFC 3339 for times; `field:*` means the field exists; a repeated
// field matches when any of its values does; `raw`, `input`, `source` and
// `tenant` are searchable like fields.
//
// JSON form of a result (result_to_json; format_result(Json) is the same document):
//
//   {"events": [ {
//       "time": "2026-11-22T06:56:52.123Z",       RFC 3339 UTC; 3, 6 or 9 fraction digits,
//       "receive_time": "2026-11-22T06:56:52.200Z",   as many as the value needs
//       "raw": "...", "source": "10.0.0.5:514", "input": "syslog-udp", "tenant": "default",
//       "raw_base64": "...",                      only when raw is not valid UTF-8 (then "raw"
//                                                 has U+FFFD in place of the bad bytes)
//       "flags": ["parse_error", "truncated", "no_timestamp"],   only when set
//       "parse_error": "...",                     only when set
//       "fields": {"actor.user.name": "alice", "src_endpoint.port": 22,
//                  "src_endpoint.ip": "10.0.0.5", "dns.answers": ["a", "b"]},
//       "types":  {"actor.user.name": "string", "src_endpoint.port": "int64",
//                  "src_endpoint.ip": "ip", "dns.answers": "string"} } ],
//    "stats": {"scanned": 5000, "matched": 120, "elapsed_ms": 3.2}}
//   ("matched_complete": false in stats when `matched` counts only what was read)
//
//   {"columns": ["src_endpoint.ip", "count()"], "rows": [["10.0.0.5", 42], [null, 3]],
//    "stats": {...}}
//
// "fields" maps a name to its value, or to an array when the field is repeated; the
// values are JSON numbers (int64, float64), booleans, or strings (string, ip, and
// timestamp as RFC 3339). "types" gives each field's type by field_type_name(), as
// an array parallel to the values in the rare case a repeated field mixes types.
// Non-finite floats are the strings "NaN", "Infinity", "-Infinity". Strings other
// than raw that are not valid UTF-8 get U+FFFD for the bad bytes. Otherwise
// result_from_json(result_to_json(r)) == r (floats too: numbers are re-read exactly).
// Ndjson is one such event object, or one {"column": value, ...} row object, a line.
#pragma once

#include <cstdint>
#include <atomic>
#include <chrono>
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
  // Rows or groups a stage may hold at once; beyond it the query stops with an error.
  size_t max_memory_bytes = size_t{256} << 20;
  // The query stops with an error after this long (0: no limit), or once *cancel is
  // set (another thread: a closed connection, a user's cancel); checked per batch/block.
  std::chrono::milliseconds timeout{0};
  const std::atomic<bool>* cancel = nullptr;
};

// A value that owns its bytes, for results that outlive the store's batches.
struct ResultValue {
  FieldType type = FieldType::String;
  bool is_null = false;
  std::string text;  // strings; IPs and times also keep their text form here
  int64_t i64 = 0;   // Int64, Timestamp (ns), Bool (0/1)
  double f64 = 0;

  static ResultValue string(std::string s) {
    ResultValue v;
    v.text = std::move(s);
    return v;
  }
  static ResultValue int64(int64_t x) {
    ResultValue v;
    v.type = FieldType::Int64;
    v.i64 = x;
    return v;
  }
  static ResultValue float64(double x) {
    ResultValue v;
    v.type = FieldType::Float64;
    v.f64 = x;
    return v;
  }
  static ResultValue boolean(bool b) {
    ResultValue v;
    v.type = FieldType::Bool;
    v.i64 = b ? 1 : 0;
    return v;
  }
  static ResultValue null() {
    ResultValue v;
    v.is_null = true;
    return v;
  }

  friend bool operator==(const ResultValue&, const ResultValue&) = default;
};

struct ResultEvent {
  TimeNs time = 0;
  TimeNs receive_time = 0;
  uint32_t flags = 0;
  std::string raw, source, input, tenant, parse_error;
  // In event order, except that the values of a repeated field are adjacent.
  std::vector<std::pair<std::string, ResultValue>> fields;

  friend bool operator==(const ResultEvent&, const ResultEvent&) = default;
};

struct SearchResult {
  bool is_table = false;                     // true after `| stats`
  std::vector<ResultEvent> events;           // plain search: matching events, newest first
  std::vector<std::string> columns;          // table: group-by fields then aggregates
  std::vector<std::vector<ResultValue>> rows;  // typed values; null where a row has none
  uint64_t events_scanned = 0;   // events read from the store, in the time range or not
  uint64_t events_matched = 0;   // in the time range and matching, all of them (not only `limit`)...
  // ...unless false: a plain search reads newest first and stops reading segments and
  // blocks older than the `limit` events it holds; events_matched then counts the
  // matches it read ("at least").
  bool matched_complete = true;
  double elapsed_ms = 0;
  ScanStats scan;                // what the store read and skipped (not part of the JSON form yet)

  friend bool operator==(const SearchResult& a, const SearchResult& b) {
    return a.is_table == b.is_table && a.events == b.events && a.columns == b.columns && a.rows == b.rows &&
           a.events_scanned == b.events_scanned && a.events_matched == b.events_matched &&
           a.matched_complete == b.matched_complete &&
           a.elapsed_ms == b.elapsed_ms;
  }
};

enum class OutputFormat { Table, Json, Ndjson, Csv };

// Errors: the query's syntax (with its column), or the store's scan error.
Result<SearchResult> run_search(const Store& store, const SearchRequest& request);
std::string format_result(const SearchResult& result, OutputFormat format);
// The API's JSON form of a result, and back (for `vigil search --server`).
std::string result_to_json(const SearchResult& result);
Result<SearchResult> result_from_json(std::string_view json);

}  // namespace vigil
