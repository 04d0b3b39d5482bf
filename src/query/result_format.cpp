// format_result: results for people (an aligned terminal table) and for programs
// (JSON, NDJSON, see result_json.cpp; CSV for spreadsheets).
#include <algorithm>
#include <charconv>
#include <cstdio>

#include "query/result_json.h"
#include "query/search.h"
#include "query/text_util.h"
#include "query/value_text.h"

namespace vigil {

namespace {

// Widths in code points: a message is cut so that a line fits a wide terminal.
constexpr size_t kMessageWidth = 100;
constexpr size_t kCellWidth = 40;

std::string cell_text(const ResultValue& v) {
  if (v.is_null) return "(null)";
  switch (v.type) {
    case FieldType::String:
    case FieldType::Ip:
    case FieldType::Timestamp: return v.text;
    case FieldType::Int64: return std::to_string(v.i64);
    case FieldType::Float64: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", v.f64);
      return buf;
    }
    case FieldType::Bool: return v.i64 ? "true" : "false";
  }
  return {};
}

const ResultValue* find_field(const ResultEvent& e, std::string_view name) {
  for (const auto& [n, v] : e.fields)
    if (n == name) return &v;
  return nullptr;
}

struct Cell {
  std::string text;  // already cut and cleaned for the terminal
  size_t width = 0;
  bool right = false;  // numbers align right
};

Cell make_cell(std::string_view text, size_t max_width, bool right = false) {
  Cell c;
  c.width = query::append_cell_text(c.text, text, max_width);
  c.right = right;
  return c;
}

// Columns separated by two spaces; the last column is not padded.
void render(std::string& out, const std::vector<Cell>& header, const std::vector<std::vector<Cell>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].width);
  auto line = [&](const std::vector<Cell>& row) {
    std::string l;
    for (size_t i = 0; i < row.size(); ++i) {
      size_t pad = width[i] - row[i].width;
      bool last = i + 1 == row.size();
      if (row[i].right) l.append(pad, ' ');
      l += row[i].text;
      if (!row[i].right && !last) l.append(pad, ' ');
      if (!last) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l;
    out += '\n';
  };
  line(header);
  std::vector<Cell> rule;
  for (size_t i = 0; i < header.size(); ++i) {
    Cell c;
    c.text.assign(width[i], '-');
    c.width = width[i];
    rule.push_back(std::move(c));
  }
  line(rule);
  for (const auto& row : rows) line(row);
}

std::string summary(const SearchResult& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s%llu matched of %llu scanned in %.1f ms%s\n", r.matched_complete ? "" : "at least ",
                static_cast<unsigned long long>(r.events_matched), static_cast<unsigned long long>(r.events_scanned),
                r.elapsed_ms, r.matched_complete ? "" : " (older events not read: only the newest were wanted)");
  return buf;
}

std::string format_table(const SearchResult& r) {
  std::string out;
  if (r.is_table) {
    std::vector<Cell> header;
    for (const std::string& c : r.columns) header.push_back(make_cell(c, kCellWidth));
    std::vector<std::vector<Cell>> rows;
    for (const auto& row : r.rows) {
      std::vector<Cell> cells;
      for (const ResultValue& v : row) {
        bool number = !v.is_null && (v.type == FieldType::Int64 || v.type == FieldType::Float64);
        cells.push_back(make_cell(cell_text(v), kCellWidth, number));
      }
      rows.push_back(std::move(cells));
    }
    render(out, header, rows);
    out += std::to_string(r.rows.size()) + (r.rows.size() == 1 ? " row, " : " rows, ") + summary(r);
    return out;
  }
  if (r.events.empty()) return "no matching events; " + summary(r);
  std::vector<Cell> header = {make_cell("TIME", 32), make_cell("CLASS", 8), make_cell("HOST", 32),
                              make_cell("MESSAGE", kMessageWidth)};
  std::vector<std::vector<Cell>> rows;
  for (const ResultEvent& e : r.events) {
    const ResultValue* cls = find_field(e, "class_uid");
    const ResultValue* host = find_field(e, "device.hostname");
    const ResultValue* msg = find_field(e, "message");
    std::string message = msg ? cell_text(*msg) : e.raw;
    rows.push_back({make_cell(query::format_time(e.time), 32), make_cell(cls ? cell_text(*cls) : "", 8, true),
                    make_cell(host ? cell_text(*host) : "", 32), make_cell(message, kMessageWidth)});
  }
  render(out, header, rows);
  out += std::to_string(r.events.size()) + (r.events.size() == 1 ? " event shown, " : " events shown, ") + summary(r);
  return out;
}

// One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. Text
// that a spreadsheet would run as a formula (= + - @ first) gets a leading ' so that
// opening an export of attacker-written log text cannot execute anything.
void append_csv_cell(std::string& out, const ResultValue* v) {
  if (!v || v->is_null) return;
  std::string text;
  if (v->type == FieldType::Float64) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v->f64);  // shortest exact form
    text.assign(buf, r.ptr);
  } else {
    text = cell_text(*v);
  }
  if (v->type == FieldType::String && !text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) {
    text.insert(text.begin(), '\'');
  }
  text = query::repair_utf8(text);
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string format_csv(const SearchResult& r) {
  std::string out;
  auto header = [&](const std::vector<std::string>& cols) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) out += ',';
      ResultValue name = ResultValue::string(cols[i]);
      append_csv_cell(out, &name);
    }
    out += "\r\n";
  };
  if (r.is_table) {
    header(r.columns);
    for (const auto& row : r.rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) out += ',';
        append_csv_cell(out, &row[i]);
      }
      out += "\r\n";
    }
    return out;
  }
  // Events: their time, every field any of them has (in order of first sight), the raw text.
  std::vector<std::string> cols = {"_time"};
  for (const ResultEvent& e : r.events) {
    for (const auto& [name, v] : e.fields) {
      if (std::find(cols.begin(), cols.end(), name) == cols.end()) cols.push_back(name);
    }
  }
  cols.push_back("_raw");
  header(cols);
  for (const ResultEvent& e : r.events) {
    ResultValue t = ResultValue::string(query::format_time(e.time));
    append_csv_cell(out, &t);
    for (size_t c = 1; c + 1 < cols.size(); ++c) {
      out += ',';
      append_csv_cell(out, find_field(e, cols[c]));
    }
    out += ',';
    ResultValue raw = ResultValue::string(e.raw);
    append_csv_cell(out, &raw);
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::string format_result(const SearchResult& result, OutputFormat format) {
  switch (format) {
    case OutputFormat::Table: return format_table(result);
    case OutputFormat::Json: return result_to_json(result) + "\n";
    case OutputFormat::Ndjson: return query::result_to_ndjson(result);
    case OutputFormat::Csv: return format_csv(result);
  }
  return {};
}

}  // namespace vigil
