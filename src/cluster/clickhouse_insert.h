// Event batches as rows of the ClickHouse event table (query/clickhouse_sql.h's
// layout): the INSERT statement a cluster writer sends, so that the translated
// queries find what the embedded store would.
//
// Where a field goes: a well-known field whose value has its column's type fills
// that column (its first such value); everything else, including a second value of a
// well-known field and a value of another type than its column's, goes to the
// attribute arrays, so that nothing an event holds is left out of the row.
#pragma once

#include <string>

#include "core/event_batch.h"
#include "core/status.h"
#include "query/clickhouse_sql.h"

namespace vigil::cluster {

// "INSERT INTO `table` (...) VALUES (...), (...)" for every event of `batch`; every
// value goes through query::sql_string(). Error: a layout whose names are not
// identifiers, or an empty batch.
Result<std::string> clickhouse_insert_sql(const EventBatch& batch, const query::ClickHouseTable& table);

// The text form of a value in attr_values: strings as they are, integers and
// timestamps (ns) in decimal, floats in the shortest form that reads back exactly,
// IPs as text, bools as true/false.
std::string attribute_text(const Value& v);

}  // namespace vigil::cluster
