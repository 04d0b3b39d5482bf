// The JSON form of search results and its exact inverse; shape in search.h.
#include <boost/json.hpp>
#include <optional>
#include <boost/json/basic_parser_impl.hpp>  // the template body, for ExactHandler

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "query/result_json.h"
#include "query/text_util.h"
#include "query/value_text.h"

namespace vigil {

namespace json = boost::json;

namespace {

// ---- writing ----------------------------------------------------------------

// JSON strings must be valid UTF-8; log bytes need not be.
json::string to_json_string(std::string_view s) {
  if (query::is_valid_utf8(s)) return json::string(json::string_view(s.data(), s.size()));
  std::string fixed = query::repair_utf8(s);
  return json::string(json::string_view(fixed.data(), fixed.size()));
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(v >> s) & 63];
  }
  if (size_t rest = in.size() - i) {
    uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int pad = 0;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = in[i + k];
      int s;
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        s = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;  // data after padding
        s = sextet(c);
        if (s < 0) return std::nullopt;
      }
      v = v << 6 | static_cast<uint32_t>(s);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

constexpr std::pair<uint32_t, std::string_view> kFlagNames[] = {
    {kFlagParseError, "parse_error"},
    {kFlagTruncated, "truncated"},
    {kFlagNoTimestamp, "no_timestamp"},
};

json::value value_to_json(const ResultValue& v) {
  if (v.is_null) return nullptr;
  switch (v.type) {
    case FieldType::String:
    case FieldType::Ip:
    case FieldType::Timestamp: return to_json_string(v.text);
    case FieldType::Int64: return v.i64;
    case FieldType::Float64:
      if (std::isnan(v.f64)) return "NaN";
      if (std::isinf(v.f64)) return v.f64 > 0 ? "Infinity" : "-Infinity";
      return v.f64;
    case FieldType::Bool: return v.i64 != 0;
  }
  return nullptr;
}

json::string type_json(FieldType t) {
  std::string_view n = field_type_name(t);
  return json::string(json::string_view(n.data(), n.size()));
}

json::object event_to_json(const ResultEvent& e) {
  json::object o;
  o["time"] = query::format_time(e.time);
  o["receive_time"] = query::format_time(e.receive_time);
  o["raw"] = to_json_string(e.raw);
  // Raw bytes are evidence: when they are not UTF-8, keep them exactly as well.
  if (!query::is_valid_utf8(e.raw)) o["raw_base64"] = base64_encode(e.raw);
  o["source"] = to_json_string(e.source);
  o["input"] = to_json_string(e.input);
  o["tenant"] = to_json_string(e.tenant);
  if (e.flags != 0) {
    json::array flags;
    for (uint32_t bit = 0; bit < 32; ++bit) {
      uint32_t mask = 1u << bit;
      if (!(e.flags & mask)) continue;
      std::string name = "bit" + std::to_string(bit);
      for (const auto& [m, n] : kFlagNames)
        if (m == mask) name = n;
      flags.emplace_back(json::string(name));
    }
    o["flags"] = std::move(flags);
  }
  if (!e.parse_error.empty()) o["parse_error"] = to_json_string(e.parse_error);

  // One key per name (first occurrence order): a value, or an array of the values of
  // a repeated field. run_search already makes repeated values adjacent.
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < e.fields.size(); ++i) {
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const std::vector<size_t>& g) { return e.fields[g[0]].first == e.fields[i].first; });
    if (g == groups.end()) {
      groups.push_back({i});
    } else {
      g->push_back(i);
    }
  }
  json::object fields, types;
  for (const std::vector<size_t>& g : groups) {
    json::string key = to_json_string(e.fields[g[0]].first);
    const FieldType type = e.fields[g[0]].second.type;
    bool mixed = false;
    for (size_t i : g) mixed = mixed || e.fields[i].second.type != type;
    if (g.size() == 1) {
      fields[key] = value_to_json(e.fields[g[0]].second);
    } else {
      json::array values;
      for (size_t i : g) values.push_back(value_to_json(e.fields[i].second));
      fields[key] = std::move(values);
    }
    if (mixed) {
      json::array ts;
      for (size_t i : g) ts.emplace_back(type_json(e.fields[i].second.type));
      types[key] = std::move(ts);
    } else {
      types[key] = type_json(type);
    }
  }
  o["fields"] = std::move(fields);
  o["types"] = std::move(types);
  return o;
}

json::object result_object(const SearchResult& r) {
  json::object o;
  if (r.is_table) {
    json::array cols, rows;
    for (const std::string& c : r.columns) cols.emplace_back(to_json_string(c));
    for (const auto& row : r.rows) {
      json::array cells;
      for (const ResultValue& v : row) cells.push_back(value_to_json(v));
      rows.emplace_back(std::move(cells));
    }
    o["columns"] = std::move(cols);
    o["rows"] = std::move(rows);
    // The type of each column: that of its values ("null" if all are); a column whose
    // values differ in type (eval can make one) is "mixed" and lists each row's type,
    // so that a reader gets back exactly the values sent (a time is not a string).
    json::array schema;
    for (size_t c = 0; c < r.columns.size(); ++c) {
      std::optional<FieldType> type;
      bool mixed = false;
      for (const auto& row : r.rows) {
        if (c >= row.size() || row[c].is_null) continue;
        if (type && *type != row[c].type) mixed = true;
        if (!type) type = row[c].type;
      }
      json::object col{{"name", to_json_string(r.columns[c])}};
      if (!mixed) {
        col["type"] = type ? type_json(*type) : json::string("null");
      } else {
        col["type"] = "mixed";
        json::array types;
        for (const auto& row : r.rows) {
          if (c >= row.size() || row[c].is_null) types.emplace_back(nullptr);
          else types.emplace_back(type_json(row[c].type));
        }
        col["types"] = std::move(types);
      }
      schema.emplace_back(std::move(col));
    }
    o["schema"] = std::move(schema);
  } else {
    json::array events;
    for (const ResultEvent& e : r.events) events.emplace_back(event_to_json(e));
    o["events"] = std::move(events);
  }
  const ScanStats& sc = r.scan;
  o["stats"] = json::object{{"scanned", r.events_scanned},
                            {"matched", r.events_matched},
                            {"matched_complete", r.matched_complete},
                            {"elapsed_ms", r.elapsed_ms},
                            {"bytes_read", sc.bytes_read},
                            {"rows_read", sc.rows_read},
                            {"segments", sc.segments},
                            {"segments_skipped", sc.segments_skipped},
                            {"blocks", sc.blocks},
                            {"blocks_skipped", sc.blocks_skipped_time + sc.blocks_skipped_index + sc.blocks_skipped_stats},
                            {"blocks_skipped_time", sc.blocks_skipped_time},
                            {"blocks_skipped_index", sc.blocks_skipped_index},
                            {"blocks_skipped_stats", sc.blocks_skipped_stats},
                            {"memory_rows", sc.memory_rows}};
  return o;
}

// ---- reading ----------------------------------------------------------------

// Boost.JSON 1.81 parses some doubles one ulp off; this handler re-reads every
// number from its text with from_chars so that floats round-trip exactly.
struct ExactHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  explicit ExactHandler(json::storage_ptr sp) : st(std::move(sp)) {}

  json::value_stack st;
  std::string number;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) { st.push_object(n); return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) { st.push_array(n); return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) { st.push_chars(s); return true; }
  bool on_key(json::string_view s, std::size_t, json::error_code&) { st.push_key(s); return true; }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) { st.push_chars(s); return true; }
  bool on_string(json::string_view s, std::size_t, json::error_code&) { st.push_string(s); return true; }
  bool on_number_part(json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view, json::error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    double exact;
    auto r = std::from_chars(number.data(), number.data() + number.size(), exact);
    // from_chars reports out-of-range (1e999) as an error: keep Boost's value then.
    st.push_double(r.ec == std::errc() ? exact : d);
    number.clear();
    return true;
  }
  bool on_bool(bool b, json::error_code&) { st.push_bool(b); return true; }
  bool on_null(json::error_code&) { st.push_null(); return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

Status bad(std::string what) { return Status::error("invalid search result JSON: " + what); }

std::optional<std::string> get_string(const json::object& o, std::string_view key, bool required = true) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (!v) return required ? std::nullopt : std::optional<std::string>(std::string());
  if (!v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> get_int(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(v.get_uint64());
  return std::nullopt;
}

std::optional<FieldType> parse_type(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  for (FieldType t : {FieldType::String, FieldType::Int64, FieldType::Float64, FieldType::Bool,
                      FieldType::Timestamp, FieldType::Ip}) {
    std::string_view n = field_type_name(t);
    if (v.get_string() == json::string_view(n.data(), n.size())) return t;
  }
  return std::nullopt;
}

std::optional<ResultValue> value_from_json(const json::value& v, FieldType type) {
  ResultValue out;
  out.type = type;
  if (v.is_null()) {
    out.is_null = true;
    return out;
  }
  switch (type) {
    case FieldType::String:
    case FieldType::Ip:
      if (!v.is_string()) return std::nullopt;
      out.text = std::string(v.get_string());
      return out;
    case FieldType::Timestamp: {
      if (!v.is_string()) return std::nullopt;
      out.text = std::string(v.get_string());
      auto t = parse_rfc3339(out.text);
      if (!t) return std::nullopt;
      out.i64 = *t;
      return out;
    }
    case FieldType::Int64: {
      auto i = get_int(v);
      if (!i) return std::nullopt;
      out.i64 = *i;
      return out;
    }
    case FieldType::Float64:
      if (v.is_double()) {
        out.f64 = v.get_double();
      } else if (v.is_int64() || v.is_uint64()) {
        out.f64 = v.to_number<double>();
      } else if (v.is_string() && v.get_string() == "NaN") {
        out.f64 = std::numeric_limits<double>::quiet_NaN();
      } else if (v.is_string() && v.get_string() == "Infinity") {
        out.f64 = std::numeric_limits<double>::infinity();
      } else if (v.is_string() && v.get_string() == "-Infinity") {
        out.f64 = -std::numeric_limits<double>::infinity();
      } else {
        return std::nullopt;
      }
      return out;
    case FieldType::Bool:
      if (!v.is_bool()) return std::nullopt;
      out.i64 = v.get_bool() ? 1 : 0;
      return out;
  }
  return std::nullopt;
}

// Table cells carry no types: the JSON kind says it (keys are strings, counts ints).
std::optional<ResultValue> cell_from_json(const json::value& v) {
  if (v.is_null()) return value_from_json(v, FieldType::String);
  if (v.is_string()) return value_from_json(v, FieldType::String);
  if (v.is_bool()) return value_from_json(v, FieldType::Bool);
  if (v.is_double()) return value_from_json(v, FieldType::Float64);
  return value_from_json(v, FieldType::Int64);
}

std::optional<TimeNs> get_time(const json::object& o, std::string_view key) {
  auto s = get_string(o, key);
  if (!s) return std::nullopt;
  return parse_rfc3339(*s);
}

Result<ResultEvent> event_from_json(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o) return bad("an event is not an object");
  ResultEvent e;
  auto time = get_time(*o, "time");
  auto receive = get_time(*o, "receive_time");
  if (!time || !receive) return bad("an event's time or receive_time is missing or not RFC 3339");
  e.time = *time;
  e.receive_time = *receive;
  auto raw = get_string(*o, "raw"), source = get_string(*o, "source", false), input = get_string(*o, "input", false),
       tenant = get_string(*o, "tenant", false), perr = get_string(*o, "parse_error", false);
  if (!raw || !source || !input || !tenant || !perr) return bad("an event's raw, source, input, tenant or parse_error");
  e.raw = std::move(*raw);
  if (const json::value* b = o->if_contains("raw_base64")) {
    auto bytes = b->is_string() ? base64_decode(std::string_view(b->get_string())) : std::nullopt;
    if (!bytes) return bad("raw_base64 is not base64");
    e.raw = std::move(*bytes);
  }
  e.source = std::move(*source);
  e.input = std::move(*input);
  e.tenant = std::move(*tenant);
  e.parse_error = std::move(*perr);
  if (const json::value* f = o->if_contains("flags")) {
    if (!f->is_array()) return bad("flags is not an array");
    for (const json::value& n : f->get_array()) {
      if (!n.is_string()) return bad("a flag is not a string");
      std::string_view name(n.get_string());
      bool known = false;
      for (const auto& [m, fname] : kFlagNames) {
        if (fname == name) {
          e.flags |= m;
          known = true;
        }
      }
      if (!known && name.substr(0, 3) == "bit") {
        int bit = -1;
        auto r = std::from_chars(name.data() + 3, name.data() + name.size(), bit);
        if (r.ec == std::errc() && r.ptr == name.data() + name.size() && bit >= 0 && bit < 32) {
          e.flags |= 1u << bit;
          known = true;
        }
      }
      if (!known) return bad("unknown flag '" + std::string(name) + "'");
    }
  }
  const json::value* fv = o->if_contains("fields");
  const json::value* tv = o->if_contains("types");
  if (!fv || !fv->is_object() || !tv || !tv->is_object()) return bad("an event's fields or types");
  const json::object& types = tv->get_object();
  for (const auto& kv : fv->get_object()) {
    std::string name(kv.key());
    const json::value* t = types.if_contains(kv.key());
    if (!t) return bad("no type for field '" + name + "'");
    const json::array* values = kv.value().if_array();
    size_t n = values ? values->size() : 1;
    const json::array* type_list = t->if_array();
    if (type_list && (!values || type_list->size() != n)) return bad("types of field '" + name + "'");
    for (size_t i = 0; i < n; ++i) {
      auto type = parse_type(type_list ? (*type_list)[i] : *t);
      if (!type) return bad("unknown type of field '" + name + "'");
      auto value = value_from_json(values ? (*values)[i] : kv.value(), *type);
      if (!value) return bad("value of field '" + name + "' does not fit its type");
      e.fields.emplace_back(name, std::move(*value));
    }
  }
  return e;
}

}  // namespace

std::string result_to_json(const SearchResult& result) { return json::serialize(result_object(result)); }

Result<SearchResult> result_from_json(std::string_view text) {
  json::basic_parser<ExactHandler> parser(json::parse_options{}, json::storage_ptr());
  parser.handler().st.reset();
  json::error_code ec;
  size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) return bad(ec.message());
  json::value root = parser.handler().st.release();

  const json::object* o = root.if_object();
  if (!o) return bad("not an object");
  SearchResult r;
  const json::value* stats = o->if_contains("stats");
  if (!stats || !stats->is_object()) return bad("no stats");
  const json::object& so = stats->get_object();
  const json::value* scanned = so.if_contains("scanned");
  const json::value* matched = so.if_contains("matched");
  const json::value* elapsed = so.if_contains("elapsed_ms");
  if (!scanned || !matched || !elapsed || !scanned->is_number() || !matched->is_number() || !elapsed->is_number())
    return bad("stats needs scanned, matched and elapsed_ms");
  auto count = [](const json::value& v) -> std::optional<uint64_t> {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<uint64_t>(v.get_int64());
    return std::nullopt;
  };
  auto ns = count(*scanned), nm = count(*matched);
  if (!ns || !nm) return bad("stats counts must be non-negative integers");
  r.events_scanned = *ns;
  r.events_matched = *nm;
  if (const json::value* c = so.if_contains("matched_complete")) {
    if (!c->is_bool()) return bad("matched_complete must be true or false");
    r.matched_complete = c->get_bool();
  }
  r.elapsed_ms = elapsed->to_number<double>();
  // What the store read: optional (older servers do not send it).
  auto scan_count = [&](const char* key, uint64_t& out) {
    if (const json::value* v = so.if_contains(key)) {
      if (auto n = count(*v)) out = *n;
    }
  };
  scan_count("bytes_read", r.scan.bytes_read);
  scan_count("rows_read", r.scan.rows_read);
  scan_count("segments", r.scan.segments);
  scan_count("segments_skipped", r.scan.segments_skipped);
  scan_count("blocks", r.scan.blocks);
  scan_count("blocks_skipped_time", r.scan.blocks_skipped_time);
  scan_count("blocks_skipped_index", r.scan.blocks_skipped_index);
  scan_count("blocks_skipped_stats", r.scan.blocks_skipped_stats);
  scan_count("memory_rows", r.scan.memory_rows);

  if (const json::value* events = o->if_contains("events")) {
    if (!events->is_array()) return bad("events is not an array");
    for (const json::value& ev : events->get_array()) {
      auto e = event_from_json(ev);
      if (!e.ok()) return e.status();
      r.events.push_back(std::move(*e));
    }
    return r;
  }
  const json::value* cols = o->if_contains("columns");
  const json::value* rows = o->if_contains("rows");
  if (!cols || !rows || !cols->is_array() || !rows->is_array()) return bad("neither events nor columns and rows");
  r.is_table = true;
  for (const json::value& c : cols->get_array()) {
    if (!c.is_string()) return bad("a column name is not a string");
    r.columns.emplace_back(c.get_string());
  }
  // Types from the schema when it is there (a time or an address stays one); else
  // from the JSON value alone (an older server).
  std::vector<const json::object*> schema(r.columns.size(), nullptr);
  if (const json::value* sv = o->if_contains("schema"); sv && sv->is_array() && sv->get_array().size() == r.columns.size()) {
    for (size_t c = 0; c < schema.size(); ++c) schema[c] = sv->get_array()[c].if_object();
  }
  auto type_named = [](const json::value* v) -> std::optional<FieldType> {
    if (!v || !v->is_string()) return std::nullopt;
    for (FieldType t : {FieldType::String, FieldType::Int64, FieldType::Float64, FieldType::Bool,
                        FieldType::Timestamp, FieldType::Ip}) {
      if (v->get_string() == field_type_name(t)) return t;
    }
    return std::nullopt;
  };
  size_t row_index = 0;
  for (const json::value& row : rows->get_array()) {
    if (!row.is_array() || row.get_array().size() != r.columns.size()) return bad("a row does not match the columns");
    std::vector<ResultValue> cells;
    for (size_t c = 0; c < r.columns.size(); ++c) {
      const json::value& cell = row.get_array()[c];
      std::optional<FieldType> type;
      if (schema[c]) {
        type = type_named(schema[c]->if_contains("type"));
        const json::value* types = schema[c]->if_contains("types");
        if (types && types->is_array() && row_index < types->get_array().size()) {
          type = type_named(&types->get_array()[row_index]);
        }
      }
      auto v = cell.is_null() ? std::optional<ResultValue>(ResultValue::null())
               : type          ? value_from_json(cell, *type)
                               : cell_from_json(cell);
      if (!v) return bad("a cell does not match its column's type");
      cells.push_back(std::move(*v));
    }
    r.rows.push_back(std::move(cells));
    ++row_index;
  }
  return r;
}

namespace query {

std::string result_to_ndjson(const SearchResult& r) {
  std::string out;
  if (r.is_table) {
    for (const auto& row : r.rows) {
      json::object o;
      for (size_t i = 0; i < row.size() && i < r.columns.size(); ++i) o[to_json_string(r.columns[i])] = value_to_json(row[i]);
      out += json::serialize(o);
      out += '\n';
    }
  } else {
    for (const ResultEvent& e : r.events) {
      out += json::serialize(event_to_json(e));
      out += '\n';
    }
  }
  return out;
}

}  // namespace query

}  // namespace vigil
