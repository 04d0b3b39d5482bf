// evtx_dump JSON reader (see windows_event_json.h): records are found by bracket
// counting, each parsed with simdjson's DOM parser (validated whole before a field is
// added), then walked into fields the way windows_event_xml.cpp walks the XML.
//
// How evtx_dump writes the XML, and how it is read back:
// - An element with attributes is an object: {"#attributes":{..}, "#text": ..}; one
//   without attributes or children is its value alone, null when empty. System
//   children are read as text plus attributes from either form. The
//   --separate-json-attributes form ("Provider_attributes": {..}) is read as well.
// - EventData's named Data elements are keyed by their Name; unnamed ones are
//   "Data": {"#text": value or [values]} (older versions: "Data": value or [values]).
//   Values are text whatever their JSON type: numbers in decimal, booleans
//   "true"/"false" (as libevtx prints them), null "" (an empty element).
// - Other elements repeated under one parent are keyed Name, Name_1, Name_2, ...; in
//   UserData (not EventData, whose keys are Data names chosen by the event's author) a
//   key Name_N whose parent also holds Name is read as Name.
// - What evtx_dump drops cannot come back: trailing spaces of strings (evtx 0.8.5 and
//   later trim them), the last 100 ns digit of TimeCreated, unnamed Data beside named
//   Data (windows_event_test.cpp lists what this means for the corpus).
// - Containers nested deeper than kMaxDepth are not read into fields (the raw keeps them).
#include "parse/windows_event_json.h"
#include "parse/json_text.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <string>

namespace vigil {
namespace {

namespace dom = simdjson::dom;

constexpr int kMaxDepth = 64;



// "Name_2" -> "Name" when `obj` also has the key "Name"; else `key` itself.
std::string_view unsuffixed(std::string_view key, dom::object obj) {
  size_t us = key.rfind('_');
  if (us == std::string_view::npos || us == 0 || us + 1 == key.size()) return key;
  for (size_t i = us + 1; i < key.size(); ++i)
    if (key[i] < '0' || key[i] > '9') return key;
  std::string_view base = key.substr(0, us);
  for (dom::key_value_pair kv : obj)
    if (kv.key == base) return base;
  return key;
}

class JsonEventReader {
 public:
  // Parses one record; on failure returns why and adds nothing.
  const char* parse(std::string_view record) {
    simdjson::error_code err = parser_.parse(record.data(), record.size(), true).get(root_);
    if (err) {
      std::snprintf(why_, sizeof why_, "invalid JSON: %s", simdjson::error_message(err));
      return why_;
    }
    dom::object root;
    if (root_.get_object().get(root)) return "not an evtx_dump record (not a JSON object)";
    dom::element event;
    if (root["Event"].get(event) == simdjson::SUCCESS && event.type() == dom::element_type::OBJECT) {
      event_ = dom::object(event);
      return nullptr;
    }
    if (root["System"].error() == simdjson::SUCCESS) {  // the Event level left out
      event_ = root;
      return nullptr;
    }
    return "not an evtx_dump record (no \"Event\" object)";
  }

  // Adds the fields of the record parsed last to the open event of `out`.
  void emit(EventBatch& out) {
    WindowsEventWriter writer(out, WindowsRendering::EvtxDump);
    writer_ = &writer;
    for (dom::key_value_pair part : event_) {
      if (part.value.type() != dom::element_type::OBJECT) continue;
      if (part.key == "System") {
        system(dom::object(part.value));
      } else if (part.key == "EventData" || part.key == "UserData") {
        dom::object container(part.value);
        for (dom::key_value_pair kv : container) {
          if (kv.key.starts_with('#')) continue;
          std::string_view name = part.key == "UserData" ? unsuffixed(kv.key, container) : kv.key;
          value(name, kv.value, 1);
        }
      }
    }
    writer.finish();
    writer_ = nullptr;
  }

 private:
  void system(dom::object sys) {
    for (dom::key_value_pair kv : sys) {
      std::string_view element = kv.key;
      if (kv.value.type() == dom::element_type::OBJECT) {
        if (element.size() > 11 && element.ends_with("_attributes")) {
          attributes(element.substr(0, element.size() - 11), dom::object(kv.value));
          continue;
        }
        for (dom::key_value_pair child : dom::object(kv.value)) {
          if (child.key == "#attributes" && child.value.type() == dom::element_type::OBJECT)
            attributes(element, dom::object(child.value));
          else if (child.key == "#text")
            writer_->system_text(element, text(child.value));
        }
      } else if (kv.value.type() != dom::element_type::ARRAY) {
        writer_->system_text(element, text(kv.value));
      }
    }
  }

  void attributes(std::string_view element, dom::object attrs) {
    for (dom::key_value_pair a : attrs) writer_->system_attribute(element, a.key, text(a.value));
  }

  // A value of EventData or UserData under `name` (see windows_event_xml.cpp: the same
  // walk over the other form).
  void value(std::string_view name, dom::element v, int depth) {
    switch (v.type()) {
      case dom::element_type::ARRAY:
        if (depth >= kMaxDepth) return;
        for (dom::element e : dom::array(v)) value(name, e, depth + 1);
        return;
      case dom::element_type::OBJECT:
        if (depth >= kMaxDepth) return;
        return element(name, dom::object(v), depth + 1);
      default:
        return writer_->data(name, text(v));
    }
  }

  void element(std::string_view name, dom::object obj, int depth) {
    // <Data Name="X"> below UserData: {"#attributes":{"Name":"X"},"#text":..}.
    if (name == "Data") {
      std::string_view data_name;
      if (obj["#attributes"]["Name"].get(data_name) == simdjson::SUCCESS && !data_name.empty()) name = data_name;
    }
    bool any = false;
    for (dom::key_value_pair kv : obj) {
      if (kv.key != "#text") continue;
      any = true;
      value(name, kv.value, depth);
    }
    for (dom::key_value_pair kv : obj) {
      if (kv.key.starts_with('#')) continue;
      any = true;
      value(unsuffixed(kv.key, obj), kv.value, depth);
    }
    if (!any) writer_->data(name, "");  // attributes only: an empty element
  }

  // A scalar as the XML would have it; the returned text lives until the next call.
  std::string_view text(dom::element v) {
    switch (v.type()) {
      case dom::element_type::STRING: return v.get_string().value_unsafe();
      case dom::element_type::INT64: return number(v.get_int64().value_unsafe());
      case dom::element_type::UINT64: return number(v.get_uint64().value_unsafe());
      case dom::element_type::DOUBLE: return number(v.get_double().value_unsafe());
      case dom::element_type::BOOL: return v.get_bool().value_unsafe() ? "true" : "false";
      default: return {};  // null; containers are not text
    }
  }

  template <typename T>
  std::string_view number(T n) {
    auto r = std::to_chars(num_, num_ + sizeof num_, n);
    return std::string_view(num_, static_cast<size_t>(r.ptr - num_));
  }

  dom::parser parser_;
  dom::element root_;
  dom::object event_;
  WindowsEventWriter* writer_ = nullptr;
  char num_[40];
  char why_[128];
};

}  // namespace

WindowsReadStats read_windows_event_json(std::string_view text, const Provenance& base, EventBatch& out) {
  thread_local JsonEventReader reader;
  WindowsReadStats stats;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Provenance p = base;
  char msg[192];
  auto add = [&](std::string_view raw, const char* why) {
    p.raw = raw;
    ++stats.records;
    out.begin_event(p);
    if (why == nullptr) why = reader.parse(raw);
    if (why == nullptr) {
      reader.emit(out);
    } else {
      std::snprintf(msg, sizeof msg, "record %zu: %s", stats.records, why);
      out.set_parse_error(msg);
      out.set_flag(kFlagNoTimestamp);
      ++stats.errors;
      if (stats.first_error.empty()) stats.first_error = msg;
    }
    out.end_event();
  };

  size_t pos = 0, n = text.size();
  while (pos < n) {
    char c = text[pos];
    if (is_json_space(c) || c == ',' || c == '[' || c == ']') {
      ++pos;
      continue;
    }
    if (c == '{') {
      size_t end = json_container_end(text, pos);
      if (end == std::string_view::npos) {
        std::string_view rest = text.substr(pos);
        while (!rest.empty() && is_json_space(rest.back())) rest.remove_suffix(1);
        add(rest, "unterminated JSON object");
        break;
      }
      add(text.substr(pos, end - pos), nullptr);
      pos = end;
      continue;
    }
    // Anything else runs to the end of its line: evtx_dump's "Record N" lines are
    // skipped, other text is a bad record.
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = n;
    std::string_view line = text.substr(pos, nl - pos);
    while (!line.empty() && is_json_space(line.back())) line.remove_suffix(1);
    bool record_line = line.starts_with("Record ") && line.size() > 7 &&
                       line.find_first_not_of("0123456789", 7) == std::string_view::npos;
    if (!record_line) add(line, "not a JSON object");
    pos = nl;
  }
  return stats;
}

}  // namespace vigil
