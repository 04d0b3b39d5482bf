// Windows event naming (see windows_event.h).
//
// Decisions the header leaves open:
// - Windows' own rendering (Event Viewer, Get-WinEvent's XML, what Sigma rules are
//   written against) is the target when a renderer differs from it:
//   - libevtx pads HexInt32/HexInt64 to 8/16 digits ("0x001fffff", "0x0000000000085527");
//     Windows and evtx_dump print "0x1fffff", "0x85527". A value that is exactly "0x"
//     and 8 or 16 lowercase hex digits with a leading zero loses the padding. A string
//     value of that shape is changed too; none is known in Windows events.
//   - evtx_dump prints a GUID without braces ("5770385F-C22A-..."); Windows and libevtx
//     print "{5770385F-C22A-...}". A value that is exactly a bare uppercase GUID gets
//     its braces back (evtx_dump prints GUIDs uppercase; string values keep their own
//     spelling, and a string that is a bare uppercase GUID is changed too).
//   - TimeCreated_SystemTime is printed as Windows does, with 7 fraction digits (100 ns,
//     FILETIME's unit): "2025-11-27T07:40:10.1653240Z". libevtx prints 9 digits,
//     evtx_dump 6 (it drops the last 100 ns digit, so its times can be 0.1-0.9 us early).
//     Text that is not a time is kept as it is (and the event gets kFlagNoTimestamp).
// - EventID, Version, Level, Task, Opcode, EventRecordID, Execution_ProcessID,
//   Execution_ThreadID and EventID_Qualifiers are int64 when their text is a decimal
//   number that fits, else kept as strings (never dropped).
// - Field names are interned through a small per-thread cache: the same few hundred
//   names repeat in every record.
#include "parse/windows_event.h"

#include <charconv>
#include <cstring>
#include <functional>
#include <optional>

namespace vigil {
namespace {

// Per-thread cache in front of the process-wide dictionary (direct-mapped: the names
// of one log source fit easily, and a miss costs only one dictionary lookup).
class NameCache {
 public:
  FieldId get(std::string_view name) {
    size_t h = std::hash<std::string_view>()(name);
    Entry& e = entries_[h & (kEntries - 1)];
    if (e.id != kNoField && e.hash == h && e.name == name) return e.id;
    FieldId id = field_id(name);
    if (id != kNoField) e = Entry{h, id, field_name(id)};  // names live as long as the process
    return id;
  }

 private:
  static constexpr size_t kEntries = 1024;
  struct Entry {
    size_t hash = 0;
    FieldId id = kNoField;
    std::string_view name;
  };
  Entry entries_[kEntries];
};

NameCache& names() {
  thread_local NameCache cache;
  return cache;
}

// System children whose text is a number.
bool is_int_element(std::string_view e) {
  return e == "EventID" || e == "Version" || e == "Level" || e == "Task" || e == "Opcode" ||
         e == "EventRecordID";
}

// System attributes that are numbers.
bool is_int_attribute(std::string_view element, std::string_view attribute) {
  return (element == "Execution" && (attribute == "ProcessID" || attribute == "ThreadID")) ||
         (element == "EventID" && attribute == "Qualifiers");
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// "0x0000000000085527" -> "0x85527" in `buf` (>= 18 bytes); nullopt when not padded hex.
std::optional<std::string_view> unpad_hex(std::string_view v, char* buf) {
  if ((v.size() != 10 && v.size() != 18) || v[0] != '0' || v[1] != 'x' || v[2] != '0') return std::nullopt;
  for (size_t i = 2; i < v.size(); ++i)
    if (!is_lower_hex(v[i])) return std::nullopt;
  size_t first = 2;
  while (first + 1 < v.size() && v[first] == '0') ++first;
  buf[0] = '0';
  buf[1] = 'x';
  std::memcpy(buf + 2, v.data() + first, v.size() - first);
  return std::string_view(buf, 2 + v.size() - first);
}

// "5770385F-C22A-43E0-BF4C-06F5698FFBD9" -> "{5770385F-...}" in `buf` (>= 38 bytes).
std::optional<std::string_view> brace_guid(std::string_view v, char* buf) {
  if (v.size() != 36) return std::nullopt;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !is_upper_hex(v[i])) return std::nullopt;
  }
  buf[0] = '{';
  std::memcpy(buf + 1, v.data(), 36);
  buf[37] = '}';
  return std::string_view(buf, 38);
}

// Windows' form of a FILETIME: "2025-11-27T07:40:10.1653240Z" into `buf` (>= 48 bytes).
std::string_view windows_time_text(TimeNs t, char* buf) {
  char full[kRfc3339MaxSize];
  TimeNs ns = t % kNsPerSec;
  if (ns < 0) ns += kNsPerSec;
  size_t n = format_rfc3339(t - ns, full);  // "YYYY-MM-DDTHH:MM:SS.000Z" for years 0-9999
  if (n < 20 || full[19] != '.') return std::string_view(full, 0);
  std::memcpy(buf, full, 19);
  buf[19] = '.';
  int64_t ticks = ns / 100;
  for (int i = 6; i >= 0; --i, ticks /= 10) buf[20 + i] = static_cast<char>('0' + ticks % 10);
  buf[27] = 'Z';
  return std::string_view(buf, 28);
}

}  // namespace

void WindowsEventWriter::add_text(FieldId id, std::string_view v) {
  char buf[40];
  std::optional<std::string_view> normal =
      rendering_ == WindowsRendering::Libevtx ? unpad_hex(v, buf) : brace_guid(v, buf);
  if (normal) return out_.add_string(id, *normal);
  // Slices of the event's raw (libevtx's XML without entities) are already in the arena.
  std::string_view raw = out_.current().raw;
  std::less<const char*> before;
  if (!v.empty() && !before(v.data(), raw.data()) && !before(raw.data() + raw.size(), v.data() + v.size()))
    return out_.add_string_ref(id, v);
  out_.add_string(id, v);
}

void WindowsEventWriter::add_int_or_text(FieldId id, std::string_view text) {
  int64_t n;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec == std::errc() && r.ptr == text.data() + text.size()) return out_.add_int(id, n);
  add_text(id, text);
}

void WindowsEventWriter::system_text(std::string_view element, std::string_view text) {
  if (text.empty()) return;
  FieldId id = names().get(element);
  if (is_int_element(element)) return add_int_or_text(id, text);
  add_text(id, text);
}

void WindowsEventWriter::system_attribute(std::string_view element, std::string_view attribute,
                                          std::string_view value) {
  if (value.empty()) return;
  char name[FieldDictionary::kMaxNameBytes + 1];
  if (element.size() + 1 + attribute.size() > FieldDictionary::kMaxNameBytes) return;  // refused anyway
  std::memcpy(name, element.data(), element.size());
  name[element.size()] = '_';
  std::memcpy(name + element.size() + 1, attribute.data(), attribute.size());
  FieldId id = names().get(std::string_view(name, element.size() + 1 + attribute.size()));

  if (is_int_attribute(element, attribute)) return add_int_or_text(id, value);
  if (element == "TimeCreated" && attribute == "SystemTime") {
    if (auto t = parse_rfc3339(value)) {
      char buf[kRfc3339MaxSize];
      std::string_view text = windows_time_text(*t, buf);
      if (!text.empty()) {
        if (!has_time_) out_.set_time(*t);
        has_time_ = true;
        return out_.add_string(id, text);
      }
    }
  }
  add_text(id, value);
}

void WindowsEventWriter::data(std::string_view name, std::string_view value) {
  add_text(names().get(name), value);
}

void WindowsEventWriter::finish() {
  if (!has_time_) out_.set_flag(kFlagNoTimestamp);
}

}  // namespace vigil
