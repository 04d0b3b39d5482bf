// Translation of a parsed query (query_ast.h) into one ClickHouse SQL statement for
// the cluster backend, over the event table described by ClickHouseTable. Targets
// ClickHouse 18.16 (Debian 12): no Map, no DateTime64, no IPv4/IPv6 column types.
// docs/clickhouse-sql.md describes the layout and how each construct translates.
//
// Safety: every value reaches SQL through sql_string() (one escaping function);
// field names reach SQL only as a column of the layout or as a string literal for
// the attribute arrays, never spliced as identifiers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "query/query_ast.h"

namespace vigil::query {

// Type of a typed column for a well-known field. Ip columns hold the address as text
// (18.16 has no IP column type); Time columns hold Int64 nanoseconds.
enum class ColumnType : uint8_t { String, Int64, Float64, Ip, Time };

struct ClickHouseColumn {
  std::string field;   // Vigil field name, e.g. "src_endpoint.ip"
  std::string column;  // SQL column name, [a-z_][a-z0-9_]* (checked), e.g. "src_endpoint_ip"
  ColumnType type = ColumnType::String;
};

// The event table. Envelope columns are fixed: tenant String, time Int64 (ns),
// receive_time Int64 (ns), input String, source String, flags UInt32, parse_error
// String, raw String. Well-known fields get a Nullable typed column each (one value:
// extra values of a repeated well-known field are not represented). Every other
// field is a position in the parallel arrays attr_names / attr_values (text form;
// Int64 and Float64 in decimal, timestamps as decimal nanoseconds, IPs as text,
// bools as true/false) / attr_types (core FieldType number); a repeated field has
// several positions.
struct ClickHouseTable {
  std::string name = "events";  // [a-z_][a-z0-9_]* (checked)
  std::vector<ClickHouseColumn> columns;
};

// The layout with Vigil's default list of well-known OCSF fields.
ClickHouseTable default_clickhouse_table();
// Error unless the table's and columns' names are [a-z_][a-z0-9_]*.
Status check_layout(const ClickHouseTable& table);
// CREATE TABLE IF NOT EXISTS ... ENGINE = MergeTree ORDER BY (tenant, time).
Result<std::string> create_table_sql(const ClickHouseTable& table);

struct SqlOptions {
  std::string tenant = "default";
  TimeNs from = kMinTime;    // inclusive; kMinTime: the query text's from=, else unbounded
  TimeNs to = kMaxTime;      // inclusive; kMaxTime: the query text's to=, else unbounded
  TimeNs now = 0;            // for relative times (-24h); 0: now_ns()
  size_t limit = 100;        // events returned when the result is events (newest first)
};

// The statement and the names of the columns it returns, in order. For events the
// columns are the table's (see event_columns) followed by eval'd columns.
struct SqlPlan {
  std::string sql;
  std::vector<std::string> columns;
  bool events = false;  // rows are events
};

Result<SqlPlan> to_clickhouse_plan(const Query& q, const ClickHouseTable& table, const SqlOptions& options);
Result<std::string> to_clickhouse_sql(const Query& q, const ClickHouseTable& table, const SqlOptions& options);

// 'text' as a ClickHouse string literal: quotes, backslashes and control bytes escaped.
std::string sql_string(std::string_view text);

// An RE2 pattern (for ClickHouse match() over lower-cased text) that finds `term`
// (a lower-cased search term, `*` a wildcard unless literal) at token boundaries,
// with the byte classes of store/token_index.h. Error: non-UTF-8 term.
Result<std::string> token_regex(std::string_view term, bool literal);

}  // namespace vigil::query
