// NDJSON reader (see ndjson.h): one simdjson DOM parse per line, then a walk that
// flattens the object straight into the batch.
//
// Decisions the header leaves open:
// - DOM, not On-Demand: the Debian build compiles On-Demand for the generic x86-64
//   target, so it runs simdjson's scalar fallback kernel, while DOM dispatches at run
//   time to the best kernel of the CPU (about 2x faster here on OCSF-sized lines).
//   DOM also validates the whole line before the first field is added, so a bad line
//   never leaves half an event.
// - Integers above INT64_MAX (up to UINT64_MAX) are kept as strings with their exact
//   decimal digits (ids stay exact). Numbers simdjson cannot represent at all
//   (integers beyond 64 bits, 1e400) make the line a parse error, raw kept.
// - Containers nested deeper than kMaxFlattenDepth become one string field holding
//   their (minified) JSON text. DOM rejects nesting beyond 1024 levels.
// - Time typing applies to fields whose last name component is `time` or ends in
//   `_time` (OCSF timestamps, at any depth) and to top-level `@timestamp`,
//   `timestamp` and `ts`. Text must be RFC 3339. Numbers are epoch values whose unit
//   is chosen by magnitude: >= 1e17 ns, >= 1e14 us, >= 1e11 ms (OCSF), >= 1e9 s
//   (Zeek `ts`, HEC `time`); smaller numbers (durations, 0 placeholders) and values
//   past year 2262 stay plain numbers. Fractional epochs are rounded to the
//   microsecond: a double holds nothing finer at today's magnitudes.
// - IP typing applies to fields whose last name component is `ip`.
// - Event time: top-level `time`, else `@timestamp`, `timestamp`, `ts` (the first of
//   them that converted), else the receive time with kFlagNoTimestamp. Lines with a
//   parse error also get kFlagNoTimestamp.
// - Truncated lines count in both `truncated` and `parse_errors`.
// - A UTF-8 BOM is skipped at the start of the body only; elsewhere it is bad JSON.
#include "parse/ndjson.h"
#include "parse/json_text.h"
#include "parse/json_type_name.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

namespace vigil {
namespace {

namespace dom = simdjson::dom;
using simdjson::error_code;

constexpr int kMaxFlattenDepth = 64;

// Small set-associative cache in front of the dictionary: the same few hundred names
// repeat on every line, and a hit costs one hash and a compare, no shared lock. Four
// ways per set, so that a few names sharing a set do not evict each other every line.
class FieldIdCache {
 public:
  FieldId get(std::string_view name) {
    size_t h = std::hash<std::string_view>()(name);
    Set& set = sets_[h & (kSets - 1)];
    for (const Entry& e : set.ways)
      if (e.hash == h && e.id != kNoField && e.name == name) return e.id;
    FieldId id = field_id(name);
    set.ways[set.next++ % kWays] = Entry{h, id, field_name(id)};  // names live as long as the process
    return id;
  }

 private:
  static constexpr size_t kSets = 512, kWays = 4;
  struct Entry {
    size_t hash = 0;
    FieldId id = kNoField;
    std::string_view name;
  };
  struct Set {
    Entry ways[kWays];
    uint8_t next = 0;  // round-robin victim
  };
  Set sets_[kSets];
};

// Which typing rule a field name falls under, from its last component.
enum class NameKind { Plain, Ip, Time };
// Top-level names that may supply the event time, in priority order.
enum TimeSlot { kSlotTime = 0, kSlotAtTimestamp, kSlotTimestamp, kSlotTs, kSlotCount };



// Unit of an epoch number chosen by its magnitude, in ns per unit; 0 when the number is
// not a plausible timestamp (negative, or below 1e9: durations, 0 placeholders).
int64_t epoch_unit_ns(double magnitude) {
  if (magnitude >= 1e17) return 1;
  if (magnitude >= 1e14) return 1'000;
  if (magnitude >= 1e11) return 1'000'000;
  if (magnitude >= 1e9) return kNsPerSec;
  return 0;
}

std::optional<TimeNs> epoch_int_to_ns(int64_t v) {
  int64_t unit = epoch_unit_ns(static_cast<double>(v));
  int64_t ns;
  if (unit == 0 || __builtin_mul_overflow(v, unit, &ns)) return std::nullopt;  // past 2262
  return ns;
}

std::optional<TimeNs> epoch_double_to_ns(double v) {
  int64_t unit = epoch_unit_ns(v);
  if (unit == 0) return std::nullopt;
  double us = v * static_cast<double>(unit) / 1000.0;
  if (!(us < 9.2e15)) return std::nullopt;  // past 2262 (also catches NaN)
  return std::llround(us) * 1000;
}

const char* describe(error_code e) {
  switch (e) {
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::UNCLOSED_STRING: return "unterminated string";
    case simdjson::STRING_ERROR: return "invalid escape in string";
    case simdjson::UNESCAPED_CHARS: return "unescaped control character in string";
    case simdjson::NUMBER_ERROR: return "invalid or out-of-range number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "invalid literal (expected true, false or null)";
    case simdjson::DEPTH_ERROR: return "nesting deeper than 1024 levels";
    case simdjson::EMPTY: return "no JSON found";
    case simdjson::TAPE_ERROR:
    case simdjson::INCORRECT_TYPE:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "malformed JSON (missing or extra comma, colon, quote, brace or bracket)";
    default: return simdjson::error_message(e);
  }
}

// The reason a line failed, worded for the person reading the error: simdjson reports
// plain text and trailing garbage as generic structure errors.
const char* explain(std::string_view line, error_code e) {
  size_t i = 0;
  while (i < line.size() && is_json_space(line[i])) ++i;
  if (i < line.size()) {
    char c = line[i];
    if (c != '{' && c != '[' && c != '"' && c != '-' && !(c >= '0' && c <= '9') &&
        (e == simdjson::TAPE_ERROR || e == simdjson::T_ATOM_ERROR || e == simdjson::F_ATOM_ERROR ||
         e == simdjson::N_ATOM_ERROR))
      return "not JSON (a line must be a JSON object)";
    if (e == simdjson::TAPE_ERROR && (c == '{' || c == '[')) {
      size_t end = json_container_end(line, i);
      if (end != std::string_view::npos) {
        while (end < line.size() && is_json_space(line[end])) ++end;
        if (end < line.size()) return "unexpected content after the JSON object";
      }
    }
  }
  return describe(e);
}

// Per-thread state reused across lines and calls so that parsing allocates nothing
// once the parser has grown to the largest line seen.
class LineReader {
 public:
  // Parses `line`; on failure returns the reason and adds nothing.
  const char* parse(std::string_view line) {
    // realloc_if_needed: simdjson copies the line into its own padded buffer (reused).
    error_code err = parser_.parse(line.data(), line.size(), true).get(root_);
    if (err) return explain(line, err);
    if (root_.type() != dom::element_type::OBJECT) {
      std::snprintf(why_, sizeof why_, "expected a JSON object, found %s", json_type_article(root_.type()));
      return why_;
    }
    return nullptr;
  }

  // Flattens the line parsed last into the open event of `out`; returns its event time.
  std::optional<TimeNs> emit(EventBatch& out) {
    out_ = &out;
    for (auto& t : times_) t.reset();
    name_.clear();
    walk_object(dom::object(root_), 0, 1);
    for (const auto& t : times_)
      if (t) return t;
    return std::nullopt;
  }

 private:
  // name_[0, name_len) is the dotted name of the object being walked.
  void walk_object(dom::object obj, size_t name_len, int depth) {
    for (dom::key_value_pair kv : obj) {
      name_.resize(name_len);
      if (name_len != 0) name_.push_back('.');
      size_t key_start = name_.size();
      name_.append(kv.key);
      walk_value(kv.value, name_.size(), key_start, depth);
    }
  }

  // `depth` counts the containers around `v` (the line's object is 1).
  void walk_value(dom::element v, size_t name_len, size_t key_start, int depth) {
    switch (v.type()) {
      case dom::element_type::OBJECT:
        if (depth >= kMaxFlattenDepth) return add_deep(v, name_len);
        return walk_object(dom::object(v), name_len, depth + 1);
      case dom::element_type::ARRAY:
        if (depth >= kMaxFlattenDepth) return add_deep(v, name_len);
        for (dom::element e : dom::array(v)) walk_value(e, name_len, key_start, depth + 1);
        return;
      case dom::element_type::STRING:
        return add_string(v.get_string().value_unsafe(), name_len, key_start);
      case dom::element_type::INT64: {
        int64_t i = v.get_int64().value_unsafe();
        if (kind_of(name_len, key_start) == NameKind::Time) {
          if (auto t = epoch_int_to_ns(i)) return add_time(name_len, key_start, *t);
        }
        return out_->add_int(id(name_len), i);
      }
      case dom::element_type::UINT64: {
        // Above INT64_MAX: exact digits as text rather than a rounded double.
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
        return out_->add_string(id(name_len), std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
      }
      case dom::element_type::DOUBLE: {
        double d = v.get_double().value_unsafe();
        if (kind_of(name_len, key_start) == NameKind::Time) {
          if (auto t = epoch_double_to_ns(d)) return add_time(name_len, key_start, *t);
        }
        return out_->add_float(id(name_len), d);
      }
      case dom::element_type::BOOL:
        return out_->add_bool(id(name_len), v.get_bool().value_unsafe());
      case dom::element_type::NULL_VALUE:
        return;
    }
  }

  NameKind kind_of(size_t name_len, size_t key_start) const {
    std::string_view key(name_.data() + key_start, name_len - key_start);
    if (key == "ip") return NameKind::Ip;
    if (key == "time" || (key.size() > 5 && key.ends_with("_time"))) return NameKind::Time;
    if (key_start == 0 && (key == "@timestamp" || key == "timestamp" || key == "ts")) return NameKind::Time;
    return NameKind::Plain;
  }

  FieldId id(size_t name_len) { return ids_.get(std::string_view(name_.data(), name_len)); }

  void add_time(size_t name_len, size_t key_start, TimeNs t) {
    out_->add_time(id(name_len), t);
    if (key_start != 0) return;
    std::string_view key(name_.data(), name_len);
    int slot = key == "time"         ? kSlotTime
               : key == "@timestamp" ? kSlotAtTimestamp
               : key == "timestamp"  ? kSlotTimestamp
               : key == "ts"         ? kSlotTs
                                     : -1;
    if (slot >= 0 && !times_[slot]) times_[slot] = t;
  }

  void add_string(std::string_view s, size_t name_len, size_t key_start) {
    switch (kind_of(name_len, key_start)) {
      case NameKind::Ip:
        if (auto ip = IpAddress::parse(s)) return out_->add_ip(id(name_len), *ip);
        break;
      case NameKind::Time:
        if (auto t = parse_rfc3339(s)) return add_time(name_len, key_start, *t);
        break;
      case NameKind::Plain:
        break;
    }
    out_->add_string(id(name_len), s);
  }

  // A container past kMaxFlattenDepth: kept whole as JSON text (rare, so it may allocate).
  void add_deep(dom::element v, size_t name_len) {
    out_->add_string(id(name_len), simdjson::minify(v));
  }

  dom::parser parser_;
  dom::element root_;
  EventBatch* out_ = nullptr;
  std::string name_;
  std::optional<TimeNs> times_[kSlotCount];
  FieldIdCache ids_;
  char why_[96];
};

bool is_blank(std::string_view s) {
  for (char c : s)
    if (!is_json_space(c)) return false;
  return true;
}

}  // namespace

NdjsonStats read_ndjson(std::string_view body, const Provenance& base, EventBatch& out,
                        const NdjsonOptions& options) {
  thread_local LineReader reader;
  NdjsonStats stats;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);

  Provenance p = base;
  char msg[192];
  auto fail = [&](size_t line_no, const char* why) {
    std::snprintf(msg, sizeof msg, "line %zu: %s", line_no, why);
    out.set_parse_error(msg);
    out.set_flag(kFlagNoTimestamp);
    ++stats.parse_errors;
    if (stats.first_error.empty()) stats.first_error = msg;
  };

  size_t line_no = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    ++line_no;
    const char* nl = static_cast<const char*>(std::memchr(body.data() + pos, '\n', body.size() - pos));
    size_t end = nl ? static_cast<size_t>(nl - body.data()) : body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) continue;

    ++stats.events;
    if (line.size() > options.max_line_bytes) {
      p.raw = line.substr(0, options.max_line_bytes);
      out.begin_event(p);
      out.set_flag(kFlagTruncated);
      ++stats.truncated;
      char why[96];
      std::snprintf(why, sizeof why, "longer than %zu bytes; cut and not parsed", options.max_line_bytes);
      fail(line_no, why);
      out.end_event();
      continue;
    }

    p.raw = line;
    const char* why = reader.parse(line);
    out.begin_event(p);
    if (why) {
      fail(line_no, why);
    } else {
      if (auto t = reader.emit(out)) {
        out.set_time(*t);
      } else {
        out.set_flag(kFlagNoTimestamp);
      }
    }
    out.end_event();
  }
  return stats;
}

}  // namespace vigil
