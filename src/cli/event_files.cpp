// Reading event files by format, in batches with positions; see event_files.h.
#include "cli/event_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "normalize/syslog_event.h"
#include "normalize/windows_ocsf.h"
#include "parse/evtx.h"
#include "parse/ndjson.h"
#include "parse/windows_event_json.h"
#include "parse/windows_event_wazuh.h"

namespace vigil {

namespace {

constexpr size_t kBlockBytes = 1 << 20;
// A "line" longer than this is cut here (the readers flag it truncated) and the rest
// up to the next newline is skipped, so a file without newlines cannot exhaust memory.
constexpr size_t kMaxLineBytes = 8 << 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool is_blank(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// Whether the JSON object that starts at s[i] ('{') has a top-level key "Event".
// A light scan (strings, nesting), enough to tell evtx_dump output from other JSON.
bool first_object_has_event_key(std::string_view s, size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return false;
    } else if (c == '"') {
      const size_t start = ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) return false;
      const std::string_view text = s.substr(start, i - start);
      const size_t next = skip_space(s, i + 1);
      if (depth == 1 && next < s.size() && s[next] == ':' && text == "Event") return true;
    }
  }
  return false;
}

// The EventRecordID of an event from the Windows readers.
std::optional<uint64_t> record_id(const EventBatch& b, const Event& e) {
  static const FieldId id = field_id("EventRecordID");
  const Value* v = b.find(e, id);
  if (!v) return std::nullopt;
  if (v->type == FieldType::Int64 && v->i64 >= 0) return static_cast<uint64_t>(v->i64);
  if (v->type == FieldType::String) {
    uint64_t n = 0;
    const std::string_view s = v->as_string();
    if (s.empty() || s.size() > 19) return std::nullopt;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
  }
  return std::nullopt;
}

// One batch of Windows events (EVTX or JSON) handed over whole, with record numbers.
void emit_windows(EventChunk& chunk, const WindowsReadStats& ws, const EachChunk& each, EventReadStats& stats) {
  EventBatch mapped;  // with OCSF fields beside the Windows names
  windows_to_ocsf(chunk.events, mapped);
  chunk.events = std::move(mapped);
  chunk.kind = PositionKind::Record;
  chunk.positions.clear();
  for (size_t i = 0; i < chunk.events.size(); ++i) {
    const Event& e = chunk.events[i];
    chunk.positions.push_back(record_id(chunk.events, e).value_or(i + 1));
  }
  stats.events += chunk.events.size();
  stats.parse_errors += ws.errors;
  if (stats.first_error.empty() && !ws.first_error.empty()) stats.first_error = ws.first_error;
  if (!chunk.events.empty()) each(chunk);
}

// Turns lines into events of one line-based format, batch by batch.
class LineBatcher {
 public:
  LineBatcher(EventFormat format, const Provenance& base, size_t batch_size, const EachChunk& each,
              EventReadStats& stats)
      : format_(format), base_(base), batch_size_(batch_size ? batch_size : 1), each_(each), stats_(stats) {
    chunk_.kind = PositionKind::Line;
  }

  void line(std::string_view text, uint64_t line_no) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (is_blank(text)) return;
    const size_t before = chunk_.events.size();
    if (format_ == EventFormat::Ndjson) {
      if (looks_like_wazuh_windows(text)) {
        read_windows_event_wazuh(text, base_, chunk_.events);
      } else {
        read_ndjson(text, base_, chunk_.events);
      }
      // Windows records (OTRF's flat JSON, Wazuh's) get OCSF fields; others are unchanged.
      if (chunk_.events.size() > before && !(chunk_.events[chunk_.events.size() - 1].flags & kFlagParseError))
        add_windows_ocsf(chunk_.events);
    } else {
      append_syslog_event(text, base_, chunk_.events);
    }
    if (chunk_.events.size() == before) return;
    const Event& e = chunk_.events[chunk_.events.size() - 1];
    chunk_.positions.push_back(line_no);
    ++stats_.events;
    if (e.flags & kFlagParseError) {
      ++stats_.parse_errors;
      if (stats_.first_error.empty()) {
        std::string_view why = e.parse_error;
        // read_ndjson numbers the lines of what it was given: one line here.
        if (why.starts_with("line 1: ")) why.remove_prefix(8);
        if (why.starts_with("record 1: ")) why.remove_prefix(10);  // the Wazuh reader's
        stats_.first_error = std::string(why);
        stats_.first_error_line = line_no;
      }
    }
    if (chunk_.events.size() >= batch_size_) flush();
  }

  void flush() {
    if (chunk_.events.empty()) return;
    each_(chunk_);
    chunk_.events = EventBatch();
    chunk_.positions.clear();
  }

 private:
  EventFormat format_;
  Provenance base_;
  size_t batch_size_;
  const EachChunk& each_;
  EventReadStats& stats_;
  EventChunk chunk_;
};

// Calls fn(line, line_no) for each line of `text` (the last one even without '\n').
template <typename Fn>
void each_line(std::string_view text, uint64_t& line_no, Fn&& fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    const char* nl = static_cast<const char*>(std::memchr(text.data() + pos, '\n', text.size() - pos));
    const size_t end = nl ? static_cast<size_t>(nl - text.data()) : text.size();
    fn(text.substr(pos, end - pos), ++line_no);
    pos = end + 1;
  }
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

Status read_all(const std::string& path, std::string& out) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::error(path + ": " + std::strerror(errno));
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
  if (std::ferror(f.get())) return Status::error(path + ": read error");
  return {};
}

// Streams a line-based file through `batcher`, a block at a time.
Status stream_lines(const std::string& path, LineBatcher& batcher) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::error(path + ": " + std::strerror(errno));
  std::string buf;
  uint64_t line_no = 0;
  bool skipping = false;  // inside the rest of an over-long line
  std::vector<char> block(kBlockBytes);
  bool first = true;
  for (;;) {
    const size_t n = std::fread(block.data(), 1, block.size(), f.get());
    if (n == 0) break;
    std::string_view data(block.data(), n);
    if (first) {
      if (data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);
      first = false;
    }
    if (skipping) {
      const size_t nl = data.find('\n');
      if (nl == std::string_view::npos) continue;
      data.remove_prefix(nl + 1);
      skipping = false;
    }
    buf.append(data);
    const size_t last_nl = buf.rfind('\n');
    if (last_nl != std::string::npos) {
      each_line(std::string_view(buf).substr(0, last_nl + 1), line_no,
                [&](std::string_view line, uint64_t no) { batcher.line(line, no); });
      buf.erase(0, last_nl + 1);
    }
    if (buf.size() > kMaxLineBytes) {
      batcher.line(std::string_view(buf).substr(0, kMaxLineBytes), ++line_no);
      buf.clear();
      skipping = true;
    }
  }
  if (std::ferror(f.get())) return Status::error(path + ": read error");
  if (!buf.empty()) batcher.line(buf, ++line_no);
  batcher.flush();
  return {};
}

}  // namespace

std::string_view event_format_name(EventFormat f) {
  switch (f) {
    case EventFormat::Syslog: return "syslog";
    case EventFormat::Ndjson: return "ndjson";
    case EventFormat::WindowsJson: return "windows-json";
    case EventFormat::Evtx: return "evtx";
  }
  return "?";
}

std::optional<EventFormat> parse_event_format(std::string_view name) {
  for (EventFormat f : {EventFormat::Syslog, EventFormat::Ndjson, EventFormat::WindowsJson, EventFormat::Evtx})
    if (lower(name) == event_format_name(f)) return f;
  return std::nullopt;
}

EventFormat sniff_event_format(std::string_view file_name, std::string_view head) {
  if (lower(std::filesystem::path(file_name).extension().string()) == ".evtx") return EventFormat::Evtx;
  if (head.starts_with(std::string_view("ElfFile\0", 8))) return EventFormat::Evtx;
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  size_t i = skip_space(head, 0);
  // evtx_dump writes "Record N" before each record.
  while (head.substr(i).starts_with("Record ")) {
    const size_t nl = head.find('\n', i);
    if (nl == std::string_view::npos) return EventFormat::Syslog;
    i = skip_space(head, nl + 1);
  }
  if (i >= head.size()) return EventFormat::Syslog;
  if (head[i] == '[') {
    i = skip_space(head, i + 1);
    if (i < head.size() && head[i] == '{' && first_object_has_event_key(head, i)) return EventFormat::WindowsJson;
    return EventFormat::Ndjson;
  }
  if (head[i] == '{') return first_object_has_event_key(head, i) ? EventFormat::WindowsJson : EventFormat::Ndjson;
  return EventFormat::Syslog;
}

std::string first_error_at(std::string_view where, const EventReadStats& stats) {
  if (stats.first_error.empty()) return {};
  std::string out(where);
  if (stats.first_error_line) out += ":" + std::to_string(stats.first_error_line);
  return out + ": " + stats.first_error;
}

Status read_event_file(const std::string& path, EventFormat format, const Provenance& base, size_t batch_size,
                       const EachChunk& each, EventReadStats& stats) {
  Provenance p = base;
  p.source = path;
  switch (format) {
    case EventFormat::Evtx: {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) return Status::error(path + ": not a readable file");
      if (File probe(std::fopen(path.c_str(), "rb")); !probe) return Status::error(path + ": " + std::strerror(errno));
      EventChunk chunk;
      const WindowsReadStats ws = read_evtx_file(path, p, chunk.events);
      emit_windows(chunk, ws, each, stats);
      return {};
    }
    case EventFormat::WindowsJson: {
      std::string text;
      if (Status s = read_all(path, text); !s.ok()) return s;
      EventChunk chunk;
      const WindowsReadStats ws = read_windows_event_json(text, p, chunk.events);
      emit_windows(chunk, ws, each, stats);
      return {};
    }
    case EventFormat::Ndjson:
    case EventFormat::Syslog: {
      LineBatcher batcher(format, p, batch_size, each, stats);
      return stream_lines(path, batcher);
    }
  }
  return {};
}

void read_event_text(std::string_view text, EventFormat format, const Provenance& base, size_t batch_size,
                     const EachChunk& each, EventReadStats& stats) {
  switch (format) {
    case EventFormat::Evtx: {
      EventChunk chunk;
      const WindowsReadStats ws = read_evtx_buffer(text, base, chunk.events);
      emit_windows(chunk, ws, each, stats);
      return;
    }
    case EventFormat::WindowsJson: {
      EventChunk chunk;
      const WindowsReadStats ws = read_windows_event_json(text, base, chunk.events);
      emit_windows(chunk, ws, each, stats);
      return;
    }
    case EventFormat::Ndjson:
    case EventFormat::Syslog: {
      if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
      LineBatcher batcher(format, base, batch_size, each, stats);
      uint64_t line_no = 0;
      each_line(text, line_no, [&](std::string_view line, uint64_t no) { batcher.line(line, no); });
      batcher.flush();
      return;
    }
  }
}

}  // namespace vigil
