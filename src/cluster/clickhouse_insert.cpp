// Event batches -> INSERT statements for the ClickHouse event table; see clickhouse_insert.h.
#include "cluster/clickhouse_insert.h"

#include <charconv>

#include "core/field_dictionary.h"

namespace vigil::cluster {

using query::ClickHouseColumn;
using query::ColumnType;
using query::sql_string;

namespace {

bool fits(ColumnType column, FieldType value) {
  switch (column) {
    case ColumnType::String: return value == FieldType::String;
    case ColumnType::Int64: return value == FieldType::Int64;
    case ColumnType::Float64: return value == FieldType::Float64;
    case ColumnType::Ip: return value == FieldType::Ip;
    case ColumnType::Time: return value == FieldType::Timestamp;
  }
  return false;
}

// A typed column's literal (the value fits the column).
std::string column_literal(const Value& v) {
  return v.type == FieldType::String || v.type == FieldType::Ip ? sql_string(attribute_text(v)) : attribute_text(v);
}

}  // namespace

std::string attribute_text(const Value& v) {
  switch (v.type) {
    case FieldType::String: return std::string(v.as_string());
    case FieldType::Int64: return std::to_string(v.i64);
    case FieldType::Timestamp: return std::to_string(v.ts);
    case FieldType::Bool: return v.b ? "true" : "false";
    case FieldType::Ip: return v.as_ip().to_string();
    case FieldType::Float64: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, v.f64);  // shortest text that reads back exactly
      return std::string(buf, r.ptr);
    }
  }
  return {};
}

Result<std::string> clickhouse_insert_sql(const EventBatch& batch, const query::ClickHouseTable& table) {
  if (Status s = query::check_layout(table); !s.ok()) return s;
  if (batch.empty()) return Status::error("no events to insert");
  // Column of each well-known field, by field id (looked up once per batch).
  std::vector<std::pair<FieldId, size_t>> known;
  for (size_t c = 0; c < table.columns.size(); ++c)
    if (FieldId id = field_dictionary().find(table.columns[c].field); id != kNoField) known.push_back({id, c});

  std::string sql = "INSERT INTO `" + table.name +
                    "` (tenant, time, receive_time, input, source, flags, parse_error, raw";
  for (const ClickHouseColumn& c : table.columns) sql += ", `" + c.column + "`";
  sql += ", attr_names, attr_values, attr_types) VALUES ";
  std::vector<const Value*> slot(table.columns.size());
  std::string names, values, types;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Event& e = batch[i];
    std::fill(slot.begin(), slot.end(), nullptr);
    names.clear(), values.clear(), types.clear();
    for (const Field& f : batch.fields(e)) {
      size_t column = SIZE_MAX;
      for (const auto& [id, c] : known)
        if (id == f.id) column = c;
      if (column != SIZE_MAX && !slot[column] && fits(table.columns[column].type, f.value.type)) {
        slot[column] = &f.value;
        continue;
      }
      const char* sep = names.empty() ? "" : ",";
      names += sep + sql_string(field_name(f.id));
      values += sep + sql_string(attribute_text(f.value));
      types += sep + std::to_string(static_cast<int>(f.value.type));
    }
    sql += i ? ",(" : "(";
    sql += sql_string(e.tenant) + "," + std::to_string(e.time) + "," + std::to_string(e.receive_time) + "," +
           sql_string(e.input) + "," + sql_string(e.source) + "," + std::to_string(e.flags) + "," +
           sql_string(e.parse_error) + "," + sql_string(e.raw);
    for (const Value* v : slot) sql += "," + (v ? column_literal(*v) : std::string("NULL"));
    sql += ",[" + names + "],[" + values + "],[" + types + "])";
  }
  return sql;
}

}  // namespace vigil::cluster
