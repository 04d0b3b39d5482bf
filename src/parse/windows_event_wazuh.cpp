// Wazuh eventchannel JSON reader (see windows_event_wazuh.h): each line parsed whole
// with simdjson's DOM parser (validated before a field is added), then its pieces
// handed to WindowsEventWriter so names, types and time agree with the other readers.
#include "parse/windows_event_wazuh.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

namespace vigil {
namespace {

namespace dom = simdjson::dom;

constexpr int kMaxDepth = 32;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// System keys that are System children (their text) or attributes, by Windows' name.
struct SystemName {
  std::string_view key, element, attribute;  // attribute empty: the element's text
};
constexpr SystemName kSystemNames[] = {
    {"eventID", "EventID", ""},          {"version", "Version", ""},
    {"level", "Level", ""},              {"task", "Task", ""},
    {"opcode", "Opcode", ""},            {"keywords", "Keywords", ""},
    {"eventRecordID", "EventRecordID", ""}, {"channel", "Channel", ""},
    {"computer", "Computer", ""},        {"providerName", "Provider", "Name"},
    {"providerGuid", "Provider", "Guid"}, {"eventSourceName", "Provider", "EventSourceName"},
    {"systemTime", "TimeCreated", "SystemTime"}, {"processID", "Execution", "ProcessID"},
    {"threadID", "Execution", "ThreadID"},
};

class WazuhReader {
 public:
  const char* parse(std::string_view line) {
    simdjson::error_code err = parser_.parse(line.data(), line.size(), true).get(root_);
    if (err) {
      std::snprintf(why_, sizeof why_, "invalid JSON: %s", simdjson::error_message(err));
      return why_;
    }
    dom::element win;
    if (root_["win"].get(win) != simdjson::SUCCESS || win.type() != dom::element_type::OBJECT)
      return "not a Wazuh Windows event (no \"win\" object)";
    win_ = dom::object(win);
    return nullptr;
  }

  void emit(EventBatch& out) {
    WindowsEventWriter writer(out, WindowsRendering::EvtxDump);
    out_ = &out;
    writer_ = &writer;
    for (dom::key_value_pair part : win_) {
      if (part.value.type() != dom::element_type::OBJECT) continue;
      if (part.key == "system") {
        system(dom::object(part.value));
      } else {
        for (dom::key_value_pair kv : dom::object(part.value)) value(kv.key, kv.value, 1);
      }
    }
    writer.finish();
    writer_ = nullptr;
  }

 private:
  void system(dom::object sys) {
    for (dom::key_value_pair kv : sys) {
      std::string_view text = scalar(kv.value);
      const SystemName* known = nullptr;
      for (const SystemName& n : kSystemNames)
        if (n.key == kv.key) known = &n;
      if (known && known->attribute.empty()) {
        writer_->system_text(known->element, text);
      } else if (known) {
        writer_->system_attribute(known->element, known->attribute, text);
      } else if (kv.key == "message") {
        if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
        if (!text.empty()) out_->add_string(field_id("message"), text);
      } else if (!text.empty() && kv.key.size() < 200) {
        unmapped_.assign("unmapped.win.system.").append(kv.key);
        out_->add_string(field_id(unmapped_), text);
      }
    }
  }

  // An eventdata value under Windows' name for `key`; nested values take their own key.
  void value(std::string_view key, dom::element v, int depth) {
    if (v.type() == dom::element_type::OBJECT) {
      if (depth >= kMaxDepth) return;
      for (dom::key_value_pair kv : dom::object(v)) value(kv.key, kv.value, depth + 1);
      return;
    }
    if (v.type() == dom::element_type::ARRAY) {
      if (depth >= kMaxDepth) return;
      for (dom::element e : dom::array(v)) value(key, e, depth + 1);
      return;
    }
    if (v.type() == dom::element_type::NULL_VALUE) return;
    writer_->data(windows_name(key), unescape(scalar(v)));
  }

  // Wazuh escapes eventdata values a second time (C:\\Windows in the JSON is
  // C:\Windows after one decoding): \\ \" \n \r \t are read back; any other
  // backslash is kept (hand-written lines carry single ones: DOM\user).
  std::string_view unescape(std::string_view t) {
    if (t.find('\\') == std::string_view::npos) return t;
    unescaped_.clear();
    for (size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      if (c == '\\' && i + 1 < t.size()) {
        char n = t[i + 1];
        char out = n == '\\' ? '\\' : n == '"' ? '"' : n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : 0;
        if (out) {
          unescaped_.push_back(out);
          ++i;
          continue;
        }
      }
      unescaped_.push_back(c);
    }
    return unescaped_;
  }

  // commandLine -> CommandLine; param1 stays (Windows' own name for insertion strings).
  std::string_view windows_name(std::string_view key) {
    if (key.empty() || key.size() > sizeof name_ || key.starts_with("param")) return key;
    std::memcpy(name_, key.data(), key.size());
    if (name_[0] >= 'a' && name_[0] <= 'z') name_[0] = static_cast<char>(name_[0] - 'a' + 'A');
    return std::string_view(name_, key.size());
  }

  // A scalar's text; the returned view lives until the next call.
  std::string_view scalar(dom::element v) {
    switch (v.type()) {
      case dom::element_type::STRING: return v.get_string().value_unsafe();
      case dom::element_type::INT64: return number(v.get_int64().value_unsafe());
      case dom::element_type::UINT64: return number(v.get_uint64().value_unsafe());
      case dom::element_type::DOUBLE: return number(v.get_double().value_unsafe());
      case dom::element_type::BOOL: return v.get_bool().value_unsafe() ? "true" : "false";
      default: return {};
    }
  }

  template <typename T>
  std::string_view number(T n) {
    auto r = std::to_chars(num_, num_ + sizeof num_, n);
    return std::string_view(num_, static_cast<size_t>(r.ptr - num_));
  }

  dom::parser parser_;
  dom::element root_;
  dom::object win_;
  EventBatch* out_ = nullptr;
  WindowsEventWriter* writer_ = nullptr;
  std::string unmapped_;  // reused: no allocation per event
  std::string unescaped_;
  char num_[40];
  char name_[256];
  char why_[128];
};

}  // namespace

bool looks_like_wazuh_windows(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  if (i >= line.size() || line[i] != '{') return false;
  ++i;
  while (i < line.size() && is_space(line[i])) ++i;
  if (line.substr(i, 5) != "\"win\"") return false;
  i += 5;
  while (i < line.size() && is_space(line[i])) ++i;
  return i < line.size() && line[i] == ':';
}

WindowsReadStats read_windows_event_wazuh(std::string_view text, const Provenance& base, EventBatch& out) {
  thread_local WazuhReader reader;
  WindowsReadStats stats;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Provenance p = base;
  char msg[192];
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (line.empty()) continue;
    p.raw = line;
    ++stats.records;
    out.begin_event(p);
    // Parse the copy in the batch: the writer keeps views that lie inside the raw.
    const char* why = reader.parse(out.current().raw);
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
  }
  return stats;
}

}  // namespace vigil
