// Running parser packs: match, extract, choose the event case, map onto OCSF.
// Per line nothing is allocated once the thread's scratch has grown: extracted text is
// sliced from the event's raw or written once into the batch arena, and field ids of
// unmapped.* names are cached per thread.
#include "normalize/pack_set.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cctype>
#include <cstring>

#include <simdjson.h>

#include "core/ip_address.h"
#include "core/text_search.h"
#include "normalize/field_conversion.h"
#include "normalize/linux_auth.h"
#include "normalize/record.h"
#include "parse/cef.h"
#include "parse/csv_line.h"
#include "parse/json_text.h"
#include "parse/kv.h"
#include "parse/kv_walk.h"
#include "parse/leef.h"
#include "parse/syslog.h"

namespace vigil {
namespace {

using sv = std::string_view;

struct Ids {
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId time = field_id("time");
  FieldId product_name = field_id("metadata.product.name");
  FieldId vendor_name = field_id("metadata.product.vendor_name");
  FieldId log_provider = field_id("metadata.log_provider");
  FieldId severity_id = field_id("severity_id");
};
const Ids& ids() {
  static const Ids kIds;
  return kIds;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool is_hex(char c) { return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f'); }

bool iequals(sv a, sv lowered) {
  if (a.size() != lowered.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lowered[i]) return false;
  return true;
}
bool istarts(sv a, sv lowered) { return a.size() >= lowered.size() && iequals(a.substr(0, lowered.size()), lowered); }
bool icontains(sv a, sv lowered) {
  if (lowered.empty()) return true;
  for (size_t i = 0; i + lowered.size() <= a.size(); ++i)
    if (lower(a[i]) == lowered[0] && iequals(a.substr(i, lowered.size()), lowered)) return true;
  return false;
}

// Field ids of unmapped.<pack>.<key> names, per thread, found by the record's own key
// hash (build_index computed it) and the pack: no name is built or hashed per field.
// Entries hold copies of the pack name and key, so a reloaded pack never meets a stale one.
class UnmappedIds {
 public:
  static constexpr size_t kMaxEntries = 200'000;  // a sender inventing keys: the dictionary decides
  // The cached id of `key` for `pack` (keep_names: the key itself), or kNoField when unknown.
  // The part of an entry's hash that depends on the pack alone: computed once per line.
  static uint32_t pack_hash(sv pack, bool keep_names) {
    return (Record::key_hash(pack) * 0x9E3779B1u) ^ (keep_names ? 0x5bd1e995u : 0u);
  }
  FieldId find(sv pack, bool keep_names, uint32_t pack_hash, sv key, uint32_t key_hash) const {
    if (slots_.empty()) return kNoField;
    const uint32_t h = key_hash ^ pack_hash;
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Entry& e = slots_[i];
      if (e.id == kNoField) return kNoField;
      if (e.hash == h && e.keep_names == keep_names && same_text(e.key, key) && same_text(e.pack, pack)) return e.id;
    }
  }
  void insert(sv pack, bool keep_names, uint32_t pack_hash, sv key, uint32_t key_hash, FieldId id) {
    if (count_ >= kMaxEntries) return;
    if ((count_ + 1) * 2 > slots_.size()) grow();
    place(Entry{key_hash ^ pack_hash, keep_names, std::string(pack), std::string(key), id});
    ++count_;
  }

 private:
  struct Entry {
    uint32_t hash = 0;
    bool keep_names = false;
    std::string pack, key;
    FieldId id = kNoField;
  };
  void place(Entry e) {
    size_t i = e.hash & (slots_.size() - 1);
    while (slots_[i].id != kNoField) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = std::move(e);
  }
  void grow() {
    std::vector<Entry> old(std::max<size_t>(slots_.size() * 2, 1024));
    old.swap(slots_);
    for (Entry& e : old)
      if (e.id != kNoField) place(std::move(e));
  }
  std::vector<Entry> slots_;
  size_t count_ = 0;
};

// Per-thread scratch reused line after line.
struct Scratch {
  Record record;
  std::vector<sv> columns;
  CefRecord cef;
  LeefRecord leef;
  Record json;        // the message flattened once per line, shared by every JSON pack
  bool json_done = false;
  bool json_ok = false;
  std::string key;    // building dotted JSON keys
  simdjson::dom::parser parser;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// ---- JSON -----------------------------------------------------------------------

void flatten(simdjson::dom::element el, std::string& key, Record& out, Arena& arena, int depth);

void flatten_value(simdjson::dom::element el, std::string& key, Record& out, Arena& arena, int depth) {
  using simdjson::dom::element_type;
  switch (el.type()) {
    case element_type::OBJECT: flatten(el, key, out, arena, depth + 1); return;
    case element_type::ARRAY:
    {
      simdjson::dom::array items = el.get_array().value_unsafe();  // a named value: the loop must not outlive it
      for (simdjson::dom::element item : items) flatten_value(item, key, out, arena, depth + 1);
    }
      return;
    case element_type::STRING:
      out.add(arena.copy(key), arena.copy(el.get_string().value_unsafe()));
      return;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: {
      char buf[32];
      std::to_chars_result r;
      if (el.type() == element_type::INT64) r = std::to_chars(buf, buf + sizeof buf, el.get_int64().value_unsafe());
      else if (el.type() == element_type::UINT64) r = std::to_chars(buf, buf + sizeof buf, el.get_uint64().value_unsafe());
      else r = std::to_chars(buf, buf + sizeof buf, el.get_double().value_unsafe());
      out.add(arena.copy(key), arena.copy(sv(buf, r.ptr - buf)), RecordKind::Number);
      return;
    }
    case element_type::BOOL:
      out.add(arena.copy(key), el.get_bool().value_unsafe() ? "true" : "false", RecordKind::Bool);
      return;
    case element_type::NULL_VALUE: return;
  }
}

void flatten(simdjson::dom::element el, std::string& key, Record& out, Arena& arena, int depth) {
  if (depth > 64) return;  // deeper nesting stays in raw only
  const size_t base = key.size();
  simdjson::dom::object obj = el.get_object().value_unsafe();
  for (auto field : obj) {
    if (base) key.push_back('.');
    key.append(field.key);
    flatten_value(field.value, key, out, arena, depth);
    key.resize(base);
  }
}

// Parses `text` as one JSON object into `out`; false when it is not one.
bool flatten_json(sv text, Scratch& s, Record& out, Arena& arena) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i >= text.size() || text[i] != '{') return false;
  simdjson::dom::element root;
  if (s.parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) {
    // Bytes after a complete object (a sender's trailer, a second object glued on):
    // the object is read, and the raw keeps the rest.
    const size_t end = json_container_end(text, i);
    if (end == std::string_view::npos || end >= text.size()) return false;
    if (s.parser.parse(text.data() + i, end - i, true).get(root) != simdjson::SUCCESS) return false;
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) return false;
  s.key.clear();
  flatten(root, s.key, out, arena, 0);
  return true;
}

// ---- matching and extraction ----------------------------------------------------

// The text a condition reads: an extracted field, else "message" (the text the pack
// reads) or "_line" (the whole line) themselves.
bool holds(const Condition& c, Record& r, const LineInput& in) {
  const RecordField* f = c.slot >= 0 ? r.find_slot(c.slot) : r.find(c.key);
  RecordField text_field;
  if (!f && (c.key == "message" || c.key == "_line")) {
    text_field.value = c.key == "_line" && !in.line.empty() ? in.line : in.message;
    f = &text_field;
  }
  bool result;
  switch (c.op) {
    case Condition::Op::Present: return f && !f->value.empty();
    case Condition::Op::Absent: return !f || f->value.empty();
    case Condition::Op::Regex: return f && RE2::PartialMatch(f->value, *c.regex);
    case Condition::Op::Prefix:
      result = f && std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) { return istarts(f->value, v); });
      break;
    case Condition::Op::Contains:
      result = f && std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) { return icontains(f->value, v); });
      break;
    case Condition::Op::Equals:
    default: {
      sv value = f ? f->value : sv{};
      result = std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) { return iequals(value, v); });
      if (c.negate) return !result;
      return result;
    }
  }
  return c.negate ? !result : result;
}

std::string describe(const Condition& c) {
  std::string s = c.key;
  switch (c.op) {
    case Condition::Op::Present: return s + " present";
    case Condition::Op::Absent: return s + " absent";
    case Condition::Op::Regex: return s + " =~ /" + c.regex->pattern() + "/";
    case Condition::Op::Prefix: s += " starts with"; break;
    case Condition::Op::Contains: s += " contains"; break;
    default: s += c.negate ? " not in" : " in"; break;
  }
  s += " [";
  for (size_t i = 0; i < c.values.size(); ++i) s += (i ? ", " : "") + c.values[i];
  return s + "]";
}

sv step_name(ExtractKind k) {
  switch (k) {
    case ExtractKind::Regex: return "regex";
    case ExtractKind::Kv: return "kv";
    case ExtractKind::Csv: return "csv";
    case ExtractKind::Json: return "json";
    case ExtractKind::Cef: return "cef";
    case ExtractKind::Leef: return "leef";
    case ExtractKind::Addresses: return "addresses";
    case ExtractKind::Builtin: return "builtin";
  }
  return "?";
}

// Key with the step's prefix, in the arena when there is one.
sv prefixed(const ExtractStep& st, sv key, Arena& arena) {
  if (st.prefix.empty()) return key;
  char* p = arena.allocate(st.prefix.size() + key.size());
  std::memcpy(p, st.prefix.data(), st.prefix.size());
  std::memcpy(p + st.prefix.size(), key.data(), key.size());
  return sv(p, st.prefix.size() + key.size());
}

// A "*" segment of `pattern` stands for any one segment of `key` ("event.*.instigator.pid").
bool segments_match(sv pattern, sv key) {
  size_t j = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*') {
      const size_t start = j;
      while (j < key.size() && key[j] != '.') ++j;
      if (j == start) return false;
    } else if (j >= key.size() || pattern[i] != key[j++]) {
      return false;
    }
  }
  return j == key.size();
}

// A source of a mapping or a step by name: the last value of `key`, or its index-th (from
// 0) when a JSON array repeated it; `key` may hold "*" segments.
RecordField* find_source(Record& r, sv key, int index = -1) {
  const bool wildcard = key.find('*') != sv::npos;
  if (index < 0 && !wildcard) return r.find(key);
  int seen = 0;
  RecordField* last = nullptr;
  for (RecordField& f : r.fields)
    if (wildcard ? segments_match(key, f.key) : f.key == key) {
      if (seen++ == index) return &f;
      last = &f;
    }
  return index < 0 ? last : nullptr;
}
// A mapping's i-th `from` source: by its slot (inlined: an array read, and mappings ask
// for ~35 sources a line), else by name ([N], wildcards, packs built by hand).
[[gnu::always_inline]] inline RecordField* find_source(Record& r, const FieldMapping& m, size_t i) {
  if (i < m.from_slot.size() && m.from_slot[i] >= 0) [[likely]] return r.find_slot(m.from_slot[i]);
  return find_source(r, m.from[i], i < m.from_index.size() ? m.from_index[i] : -1);
}

bool run_step_on(const ExtractStep& st, sv text, const LineInput& in, Scratch& s, Arena& arena);

bool run_step(const ExtractStep& st, const LineInput& in_, Scratch& s, Arena& arena, bool whole_line) {
  constexpr size_t kNoInput = ~size_t{0};
  size_t input_field = kNoInput;
  LineInput in = in_;
  if (whole_line && !in.line.empty()) in.message = in.line;
  Record& r = s.record;
  sv text = in.message;
  if (st.input == "_line") {
    text = in.line.empty() ? in.message : in.line;
  } else if (!st.input.empty()) {
    const RecordField* f = st.input_slot >= 0 ? r.find_slot(st.input_slot) : find_source(r, st.input);
    if (!f) return false;
    text = f->value;
    input_field = static_cast<size_t>(f - r.fields.data());
  }
  if (!st.if_contains.empty() && !has_text(text, st.if_contains)) return false;
  const bool found = run_step_on(st, text, in, s, arena);
  // A field a step took apart (pairs, columns, a JSON text) is not repeated whole under
  // unmapped.*; nor is one a regex read into a field of the same name.
  if (found && input_field != kNoInput &&
      (st.kind == ExtractKind::Kv || st.kind == ExtractKind::Csv || st.kind == ExtractKind::Json ||
       st.kind == ExtractKind::Cef || st.kind == ExtractKind::Leef ||
       (st.kind == ExtractKind::Regex && r.fields.size() > input_field + 1 &&
        std::any_of(r.fields.begin() + static_cast<std::ptrdiff_t>(input_field) + 1, r.fields.end(),
                    [&](const RecordField& f) { return f.key == r.fields[input_field].key; }))))
    r.fields[input_field].used = true;
  return found;
}

// The step's extraction proper, over `text` (the message, the line or the input field).
bool run_step_on(const ExtractStep& st, sv text, const LineInput& in, Scratch& s, Arena& arena) {
  Record& r = s.record;
  switch (st.kind) {
    case ExtractKind::Regex: {
      for (size_t k = 0; k < st.regexes.size(); ++k) {
        const RE2& re = *st.regexes[k];
        const int n = re.NumberOfCapturingGroups();
        re2::StringPiece groups[64];
        if (n >= 64) continue;
        if (!re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, groups, n + 1)) continue;
        for (int g = 1; g <= n; ++g) {
          const std::string& name = st.group_names[k][g];
          if (!name.empty() && groups[g].data()) r.add(prefixed(st, name, arena), sv(groups[g].data(), groups[g].size()));
        }
        return true;
      }
      return false;
    }
    case ExtractKind::Kv: {
      if (!st.kv_start.empty()) {
        // The pairs start at the literal's first occurrence: a prefix may be glued to it
        // ("DROP(src wan)IN=eth0", iptables --log-prefix without a trailing space).
        const size_t at = text.find(st.kv_start);
        if (at == sv::npos) return false;
        if (!st.kv_head.empty()) {
          sv head = text.substr(0, at);
          while (!head.empty() && (head.back() == ' ' || head.back() == '\t')) head.remove_suffix(1);
          while (!head.empty() && (head.front() == ' ' || head.front() == '\t')) head.remove_prefix(1);
          if (!head.empty()) r.add(prefixed(st, st.kv_head, arena), head);
        }
        text.remove_prefix(at);
      }
      // Pairs go straight into the record: a vector of pairs copied over afterwards cost
      // two stores and a growth check per pair more.
      const size_t before = r.fields.size();
      const bool ok = walk_kv(text, st.kv, arena, [&](sv k, sv v) {
        r.fields.push_back(RecordField{st.prefix.empty() ? k : prefixed(st, k, arena), v});
      });
      return ok || r.fields.size() > before;
    }
    case ExtractKind::Csv: {
      s.columns.clear();
      if (!split_csv(text, st.csv_delimiter, arena, s.columns)) return false;
      for (size_t c = 0; c < s.columns.size(); ++c) {
        if (c < st.columns.size()) {
          if (!st.columns[c].empty()) r.add(prefixed(st, st.columns[c], arena), s.columns[c]);
        } else {
          char buf[16];
          auto res = std::to_chars(buf, buf + sizeof buf, c + 1);
          std::string name = "col" + std::string(buf, res.ptr - buf);
          r.add(prefixed(st, arena.copy(name), arena), s.columns[c]);
        }
      }
      return s.columns.size() >= std::min<size_t>(st.columns.size(), 2);
    }
    case ExtractKind::Json: {
      if (st.input.empty()) {
        if (!s.json_done) {
          s.json_done = true;
          s.json.clear();
          s.json_ok = flatten_json(in.message, s, s.json, arena);
        }
        if (!s.json_ok) return false;
        for (const RecordField& f : s.json.fields) r.add(prefixed(st, f.key, arena), f.value, f.kind);
        return true;
      }
      Record nested;
      if (!flatten_json(text, s, nested, arena)) return false;
      s.json_done = false;  // the parser's state now belongs to the nested text
      for (const RecordField& f : nested.fields) r.add(prefixed(st, f.key, arena), f.value, f.kind);
      return true;
    }
    case ExtractKind::Cef: {
      size_t at = text.find("CEF:");
      if (at == sv::npos) return false;
      if (!parse_cef(text.substr(at), arena, s.cef).empty()) return false;
      char ver[4] = {static_cast<char>('0' + (s.cef.version % 10)), 0};
      r.add(prefixed(st, "version", arena), arena.copy(sv(ver, 1)));
      r.add(prefixed(st, "device_vendor", arena), s.cef.device_vendor);
      r.add(prefixed(st, "device_product", arena), s.cef.device_product);
      r.add(prefixed(st, "device_version", arena), s.cef.device_version);
      r.add(prefixed(st, "signature_id", arena), s.cef.signature_id);
      r.add(prefixed(st, "name", arena), s.cef.name);
      r.add(prefixed(st, "severity", arena), s.cef.severity);
      for (const TextPair& p : s.cef.extension) r.add(prefixed(st, p.key, arena), p.value);
      return true;
    }
    case ExtractKind::Leef: {
      size_t at = text.find("LEEF:");
      if (at == sv::npos) return false;
      if (!parse_leef(text.substr(at), arena, s.leef).empty()) return false;
      r.add(prefixed(st, "vendor", arena), s.leef.vendor);
      r.add(prefixed(st, "product", arena), s.leef.product);
      r.add(prefixed(st, "version", arena), s.leef.version);
      r.add(prefixed(st, "event_id", arena), s.leef.event_id);
      for (const TextPair& p : s.leef.attributes) r.add(prefixed(st, p.key, arena), p.value);
      return true;
    }
    case ExtractKind::Addresses: {
      // Candidates start at a digit (IPv4) or a hex digit before ':' (IPv6); the parser decides.
      bool found = false;
      size_t i = 0;
      while (i < text.size()) {
        const char c = text[i];
        const bool hex = (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':';
        // An IPv4 address may follow a name ("outside:10.0.0.1", "server_10.0.0.1"); IPv6 needs a clean start.
        const bool boundary = i == 0 || !(is_hex(text[i - 1]) || text[i - 1] == '.' ||
                                          (text[i - 1] == ':' && (c < '0' || c > '9')));
        // A ':' starts only "::" (IPv6 from its compressed zeros); "Internet:1.2.3.4" starts at the digit.
        if (!hex || !boundary || (c == ':' && (i + 1 >= text.size() || text[i + 1] != ':'))) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < text.size() && (is_hex(text[j]) || text[j] == '.' || text[j] == ':')) ++j;
        sv token = text.substr(i, j - i);
        while (!token.empty() && (token.back() == '.' || token.back() == ':')) token.remove_suffix(1);
        if (token.size() >= 7 && (token.find('.') != sv::npos || token.find(':') != sv::npos) && parse_ip(token)) {
          found = true;
          // An address another step already named (src_ip ...) is not repeated.
          bool named = std::any_of(r.fields.begin(), r.fields.end(), [&](const RecordField& f) { return f.value == token; });
          if (!named) r.add(prefixed(st, st.address_name, arena), token);
          i = j;
        } else {
          // "de:10.0.0.1" (the end of "outside:") is not an address, but holds one.
          const size_t colon = token.find(':');
          // "10.0.0.1:443" is one with its port.
          const sv v4 = token.substr(0, colon == sv::npos ? 0 : colon);
          if (v4.size() >= 7 && v4.find('.') != sv::npos && parse_ip(v4)) {
            found = true;
            if (std::none_of(r.fields.begin(), r.fields.end(), [&](const RecordField& f) { return f.value == v4; }))
              r.add(prefixed(st, st.address_name, arena), v4);
            i = j;
            continue;
          }
          i = colon == sv::npos ? j : i + colon + 1;
        }
      }
      return found;
    }
    case ExtractKind::Builtin: return true;  // runs when the event is written
  }
  return false;
}

bool text_matches(const Pack& p, const LineInput& in, std::string* why) {
  const PackMatcher& m = p.match;
  if (m.syslog && !in.syslog) {
    if (why) *why = "the line has no syslog header";
    return false;
  }
  if (!m.programs.empty()) {
    bool ok = std::any_of(m.programs.begin(), m.programs.end(), [&](const std::string& x) { return iequals(in.program, x); });
    if (!ok) {
      if (why) *why = in.program.empty() ? std::string("the line names no program (the pack reads some)")
                                         : "program '" + std::string(in.program) + "' is not one the pack reads";
      return false;
    }
  }
  const sv msg = m.whole_line && !in.line.empty() ? in.line : in.message;
  if (m.json) {  // first: one byte decides it for every other line
    size_t i = 0;
    while (i < msg.size() && msg[i] == ' ') ++i;
    if (i >= msg.size() || msg[i] != '{') {
      if (why) *why = "message is not a JSON object";
      return false;
    }
    // Every key the pack needs is written in the text as "name": a substring test spares
    // the JSON parse for the many lines that are other sources' JSON.
    for (const std::string& k : m.json_has) {
      const sv first = sv(k).substr(0, sv(k).find('.'));
      if (first.empty() || first.find('*') != sv::npos) continue;
      char quoted[130];
      if (first.size() + 2 > sizeof quoted) continue;
      quoted[0] = '"';
      std::memcpy(quoted + 1, first.data(), first.size());
      quoted[first.size() + 1] = '"';
      if (!has_text(msg, sv(quoted, first.size() + 2))) {
        if (why) *why = "JSON has no '" + k + "'";
        return false;
      }
    }
  }
  if (!m.prefixes.empty() &&
      std::none_of(m.prefixes.begin(), m.prefixes.end(), [&](const std::string& x) { return msg.substr(0, x.size()) == x; })) {
    if (why) *why = "message does not start with " + m.prefixes.front() + (m.prefixes.size() > 1 ? " (or the others)" : "");
    return false;
  }
  // contains_all first: on another source's line it costs one scan (the first literal
  // missing), where `contains` scans the line once per literal.
  for (const std::string& x : m.contains_all)
    if (!has_text(msg, x)) {
      if (why) *why = "message does not contain '" + x + "'";
      return false;
    }
  if (!m.contains.empty() &&
      std::none_of(m.contains.begin(), m.contains.end(), [&](const std::string& x) { return has_text(msg, x); })) {
    if (why) *why = "message contains none of '" + m.contains.front() + "'" + (m.contains.size() > 1 ? " ..." : "");
    return false;
  }
  if (m.regex && !RE2::PartialMatch(msg, *m.regex)) {
    if (why) *why = "message does not match /" + m.regex->pattern() + "/";
    return false;
  }
  return true;
}

// Extraction and conditions: true when the pack takes the line; `chosen` is its case.
bool extract_and_choose(const Pack& p, const LineInput& in, Scratch& s, Arena& arena, const EventCase*& chosen,
                        std::string* why) {
  s.record.clear();
  s.record.use_slots(&p.key_slots);
  if (p.match.json) {
    if (!s.json_done) {
      s.json_done = true;
      s.json.clear();
      s.json_ok = flatten_json(in.message, s, s.json, arena);
    }
    if (!s.json_ok) {
      if (why) *why = "message is not valid JSON";
      return false;
    }
    s.record.fields = s.json.fields;
    for (const std::string& root : p.match.json_roots)
      for (RecordField& f : s.record.fields)
        if (f.key.size() > root.size() && f.key[root.size()] == '.' && f.key.starts_with(root))
          f.key.remove_prefix(root.size() + 1);
    s.record.forget_index();
    for (const std::string& k : p.match.json_has)
      if (!s.record.has(k)) {
        if (why) *why = "JSON has no '" + k + "'";
        return false;
      }
  }
  for (const ExtractStep& st : p.extract) {
    if (!run_step(st, in, s, arena, p.match.whole_line) && !st.optional) {
      if (why) *why = std::string(step_name(st.kind)) + " step (line " + std::to_string(st.line) + ") found nothing";
      return false;
    }
  }
  for (const Condition& c : p.match.require)
    if (!holds(c, s.record, in)) {
      if (why) *why = "require: " + describe(c) + " does not hold";
      return false;
    }
  chosen = nullptr;
  for (const EventCase& c : p.cases) {
    if (std::all_of(c.when.begin(), c.when.end(), [&](const Condition& x) { return holds(x, s.record, in); })) {
      chosen = &c;
      break;
    }
  }
  if (chosen)
    for (const ExtractStep& st : chosen->extract) run_step(st, in, s, arena, p.match.whole_line);
  return true;
}

// ---- writing the event ----------------------------------------------------------

struct Writer {
  const Pack& pack;
  const LineInput& in;
  Scratch& s;
  EventBatch& out;
  PackOutcome& outcome;
  int64_t activity = -1;
  int64_t klass = -1;  // class_uid a mapping wrote (a source that names its own OCSF class)

  // Which targets are written, in O(1): a stamp per field id, this line's generation
  // (the outcome points at the same stamps for the caller).
  static std::vector<uint32_t>& stamps() {
    thread_local std::vector<uint32_t> s;
    return s;
  }
  uint32_t generation = next_generation();
  std::vector<uint32_t>& stamp = stamps();  // the thread's, looked up once per line
  const Ids& known = ids();
  static uint32_t next_generation() {
    thread_local uint32_t g = 0;
    if (++g == 0) {  // wrapped: old stamps could collide
      stamps().assign(stamps().size(), 0);
      g = 1;
    }
    return g;
  }
  bool wrote(FieldId id) const { return id < stamp.size() && stamp[id] == generation; }
  // Typed writes go straight into the batch (EventBatch's typed adders, no Value
  // temporary to copy) and stamp the target as written.
  [[gnu::always_inline]] void mark_written(FieldId id) {
    if (id >= stamp.size()) [[unlikely]] stamp.resize(std::max<size_t>(id + 1, stamp.size() * 2), 0);
    stamp[id] = generation;
  }
  [[gnu::always_inline]] void write_string(FieldId id, sv v) { out.add_string_ref(id, v), mark_written(id); }
  [[gnu::always_inline]] void write_int(FieldId id, int64_t v) { out.add_int(id, v), mark_written(id); }

  [[gnu::always_inline]] bool is_null(sv v) const {
    if (v.empty()) return true;
    if (v.size() > pack.null_value_max) return false;  // most values: no compare at all
    for (const std::string& n : pack.null_values)
      if (same_text(v, n)) return true;
    return false;
  }

  // The texts a mapping may read, best first: the joined fields, each `from` field
  // present, the constant, the default. The first that converts is written.
  void candidates(const FieldMapping& m, std::vector<std::pair<sv, RecordField*>>& out, std::string& joined) {
    if (!m.join.empty()) {
      joined.clear();
      for (size_t j = 0; j < m.join.size(); ++j)
        if (RecordField* f = join_source(m, j); f && !is_null(f->value)) {
          if (!joined.empty()) joined += m.join_with;
          joined.append(f->value);
        }
      if (!joined.empty()) out.push_back({out_copy(joined), &joined_marker});
    }
    if (!m.join_all.empty()) {
      joined.clear();
      for (const RecordField& f : s.record.fields)
        if (f.key == m.join_all && !is_null(f.value)) {
          if (!joined.empty()) joined += m.join_with;
          joined.append(f.value);
        }
      if (!joined.empty()) out.push_back({out_copy(joined), &joined_marker});
    }
    for (size_t i = 0; i < m.from.size(); ++i) {
      RecordField* f = find_source(s.record, m, i);
      if (f && !is_null(f->value)) out.push_back({f->value, f});
    }
    if (m.has_constant) out.push_back({m.constant, nullptr});
  }
  sv out_copy(sv t) { return out.arena().copy(t); }
  RecordField* join_source(const FieldMapping& m, size_t j) {
    return j < m.join_slot.size() ? s.record.find_slot(m.join_slot[j]) : s.record.find(m.join[j]);
  }
  RecordField joined_marker;  // marks the joined text: it is in the batch arena

  void apply(const FieldMapping& m) {
    if (wrote(m.target_id)) return;  // the case's mapping of a target wins over the pack's
    if (m.join.empty() && m.join_all.empty()) {
      // The common mapping: its sources in order, each looked up only when the ones
      // before it were absent or did not convert (what candidates() would list).
      bool any = false;
      for (size_t i = 0; i < m.from.size(); ++i) {
        RecordField* f = find_source(s.record, m, i);
        if (!f || is_null(f->value)) continue;
        any = true;
        if (try_text(m, f->value, f)) return;
      }
      if (m.has_constant) {
        any = true;
        if (try_text(m, m.constant, nullptr)) return;
      }
      if (!any && m.has_default) try_text(m, m.default_value, nullptr);
      return;
    }
    thread_local std::vector<std::pair<sv, RecordField*>> texts;
    thread_local std::string joined;
    texts.clear();
    candidates(m, texts, joined);
    if (texts.empty() && m.has_default) texts.push_back({m.default_value, nullptr});
    for (auto [text, field] : texts)
      if (try_text(m, text, field)) return;
  }

  // One candidate text of a mapping through its lookup and conversion; true when written.
  bool try_text(const FieldMapping& m, sv text, RecordField* field) {
    bool ours = field != nullptr;  // in the raw or the batch arena; else held by the pack
    if (!m.lookup.empty()) {
      auto table = pack.lookups.find(m.lookup);
      char low[128];
      const size_t n = std::min(text.size(), sizeof low);
      for (size_t i = 0; i < n; ++i) low[i] = lower(text[i]);
      auto hit = table->second.find(sv(low, n));
      if (hit != table->second.end()) text = hit->second, ours = false;
      else if (m.has_default) text = m.default_value, ours = false;
    }
    if (!convert_and_write(m, text, ours)) return false;
    if (field && field != &joined_marker) field->used = true;
    for (size_t j = 0; j < m.join.size(); ++j)
      if (RecordField* f = join_source(m, j)) f->used = true;
    if (!m.join_all.empty() && field == &joined_marker)
      for (RecordField& f : s.record.fields)
        if (f.key == m.join_all) f.used = true;
    return true;
  }

  // Writes `text` as the target's type; false when it does not convert.
  bool convert_and_write(const FieldMapping& m, sv text, bool ours) {
    const Conversion type = m.type;  // resolved by the loader
    const FieldId id = m.target_id;
    switch (type) {
      case Conversion::String:
      case Conversion::Auto:
        // Text of the pack (constants, lookups) is copied: the pack may be reloaded away.
        write_string(id, ours ? text : out.arena().copy(text));
        return true;
      case Conversion::Int: {
        int64_t v = 0;
        sv t = text;
        int base = 10;
        if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2), base = 16;
        auto r = std::from_chars(t.data(), t.data() + t.size(), v, base);
        if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return false;  // stays under unmapped.*
        write_int(id, v);
        if (id == known.activity_id) activity = v;
        if (id == known.class_uid) klass = v;
        return true;
      }
      case Conversion::Float: {
        double v = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
        out.add_float(id, v), mark_written(id);
        return true;
      }
      case Conversion::Bool: {
        bool v;
        if (iequals(text, "true") || text == "1" || iequals(text, "yes")) v = true;
        else if (iequals(text, "false") || text == "0" || iequals(text, "no")) v = false;
        else return false;
        out.add_bool(id, v), mark_written(id);
        return true;
      }
      case Conversion::Ip: {
        auto ip = parse_ip(text);
        if (!ip) return false;
        out.add_ip(id, *ip), mark_written(id);
        return true;
      }
      case Conversion::Time: {
        int32_t offset = 0;
        if (!m.timezone.empty())
          if (auto o = parse_utc_offset(m.timezone)) offset = *o;
        if (!m.timezone_from.empty())
          if (RecordField* z = m.timezone_slot >= 0 ? s.record.find_slot(m.timezone_slot) : s.record.find(m.timezone_from))
            if (auto o = parse_utc_offset(z->value)) offset = *o, z->used = true;
        auto t = parse_time_text(text, m.time_format, offset, in.receive_time);
        if (!t) return false;
        out.add_time(id, *t), mark_written(id);
        if (id == known.time) out.set_time(*t);
        return true;
      }
    }
    return false;
  }


  void add_unmapped() {
    thread_local UnmappedIds cache;
    char buf[FieldDictionary::kMaxNameBytes];
    constexpr sv kPrefix = "unmapped.";
    const bool indexed = s.record.hashed();
    const uint32_t pack_hash = UnmappedIds::pack_hash(pack.name, pack.keep_names);
    static_assert(Record::kNoRememberedId == kNoField);
    for (size_t i = 0; i < s.record.fields.size(); ++i) {
      RecordField& f = s.record.fields[i];
      if (f.used || is_null(f.value)) continue;
      // The id the last line had at this place, when its key was the same: no look-up.
      uint32_t* remembered = s.record.remembered_id(i);
      FieldId id = remembered ? *remembered : kNoField;
      const uint32_t key_hash = indexed ? f.hash : Record::key_hash(f.key);
      if (id == kNoField) id = cache.find(pack.name, pack.keep_names, pack_hash, f.key, key_hash);
      if (id == kNoField) {  // first sight of this key on this thread: build the name
        size_t n = 0;
        if (pack.keep_names) {
          if (f.key.size() > sizeof buf) continue;
          std::memcpy(buf, f.key.data(), f.key.size());
          n = f.key.size();
        } else {
          n = kPrefix.size() + pack.name.size() + 1 + f.key.size();
          if (n > sizeof buf) continue;  // too long a name for the dictionary: raw keeps it
          std::memcpy(buf, kPrefix.data(), kPrefix.size());
          std::memcpy(buf + kPrefix.size(), pack.name.data(), pack.name.size());
          buf[kPrefix.size() + pack.name.size()] = '.';
          std::memcpy(buf + kPrefix.size() + pack.name.size() + 1, f.key.data(), f.key.size());
        }
        const sv name(buf, n);
        id = field_dictionary().find(name);
        if (id == kNoField) {
          if (field_dictionary().size() >= 100'000) continue;  // a sender inventing keys: raw keeps them
          id = field_dictionary().intern(name);
          if (id == kNoField) continue;
        }
        cache.insert(pack.name, pack.keep_names, pack_hash, f.key, key_hash, id);
      }
      if (remembered) *remembered = id;
      if (f.kind == RecordKind::Number) {
        int64_t v;
        auto r = std::from_chars(f.value.data(), f.value.data() + f.value.size(), v);
        if (r.ec == std::errc() && r.ptr == f.value.data() + f.value.size()) {
          out.add_int(id, v);
          continue;
        }
        double d;
        auto rd = std::from_chars(f.value.data(), f.value.data() + f.value.size(), d);
        if (rd.ec == std::errc() && rd.ptr == f.value.data() + f.value.size()) {
          out.add_float(id, d);
          continue;
        }
      } else if (f.kind == RecordKind::Bool) {
        out.add_bool(id, f.value == "true");
        continue;
      }
      // An address keeps its type even unmapped, so address searches and CIDR filters find it.
      // An IPv6 literal has its first ':' within five bytes ("fe80:", "::"), so no value
      // is searched to its end.
      if (f.value.size() >= 7 && f.value.size() <= 39 &&
          ((f.value[0] >= '0' && f.value[0] <= '9') || f.value.substr(0, 5).find(':') != sv::npos))
        if (auto ip = parse_ip(f.value)) {
          out.add_ip(id, *ip);
          continue;
        }
      out.add_string_ref(id, f.value);
    }
  }

  void finish(int class_uid) {
    const Ids& f = ids();
    if (klass >= 0 && klass <= 999'999) class_uid = static_cast<int>(klass);
    outcome.class_uid = class_uid;
    if (!wrote(f.class_uid)) write_int(f.class_uid, class_uid);
    if (!wrote(f.category_uid)) write_int(f.category_uid, class_uid / 1000);
    if (!wrote(f.activity_id)) {
      activity = 99;  // Other: the pack knows the event but names no activity
      write_int(f.activity_id, activity);
    }
    // OCSF activities are 0-99; a source's out-of-range one must not overflow type_uid.
    if (!wrote(f.type_uid)) write_int(f.type_uid, int64_t{class_uid} * 100 + (activity >= 0 && activity <= 99 ? activity : 99));
    if (!pack.product.empty() && !wrote(f.product_name)) write_string(f.product_name, out.arena().copy(pack.product));
    if (!pack.vendor.empty() && !wrote(f.vendor_name)) write_string(f.vendor_name, out.arena().copy(pack.vendor));
    if (!wrote(f.log_provider)) write_string(f.log_provider, out.arena().copy(pack.name));
    if (pack.keep_unmapped) add_unmapped();
  }
};

bool uses_builtin(const Pack& p) {
  return std::any_of(p.extract.begin(), p.extract.end(), [](const ExtractStep& s) { return s.kind == ExtractKind::Builtin; });
}

// Runs a builtin pack (C++ mapper) straight into the event.
bool run_builtin(const Pack& p, const LineInput& in, EventBatch& out, PackOutcome& outcome) {
  if (!in.syslog) return false;
  int class_uid = map_linux_auth_class(*in.syslog, out);
  if (class_uid == 0) return false;
  outcome.pack = &p;
  outcome.class_uid = class_uid;
  const Ids& f = ids();
  outcome.written = {f.class_uid, f.category_uid, f.activity_id, f.type_uid, f.severity_id};
  if (!p.product.empty()) out.add_string(f.product_name, p.product);
  if (!p.vendor.empty()) out.add_string(f.vendor_name, p.vendor);
  out.add_string(f.log_provider, p.name);
  return true;
}

}  // namespace

PackSet::PackSet(std::vector<std::shared_ptr<const Pack>> packs) : packs_(std::move(packs)) {
  std::stable_sort(packs_.begin(), packs_.end(), [](const auto& a, const auto& b) {
    return a->priority != b->priority ? a->priority < b->priority : a->name < b->name;
  });
  for (const auto& p : packs_)
    if (p->match.programs.empty()) any_program_.push_back(p.get());
  for (const auto& p : packs_)
    for (const std::string& prog : p->match.programs) by_program_[prog];
  // Each program's list: its own packs and the program-free ones, in priority order.
  for (auto& [prog, list] : by_program_)
    for (const auto& p : packs_)
      if (p->match.programs.empty() || std::find(p->match.programs.begin(), p->match.programs.end(), prog) != p->match.programs.end())
        list.push_back(p.get());
}

const Pack* PackSet::find(std::string_view name) const {
  for (const auto& p : packs_)
    if (p->name == name) return p.get();
  return nullptr;
}

const std::vector<const Pack*>& PackSet::candidates(std::string_view program) const {
  if (!program.empty() && !by_program_.empty() && program.size() <= 64) {
    char low[64];
    for (size_t i = 0; i < program.size(); ++i) low[i] = lower(program[i]);
    if (auto it = by_program_.find(std::string(low, program.size())); it != by_program_.end()) return it->second;
  }
  return any_program_;
}

PackOutcome PackSet::apply(const LineInput& in, EventBatch& out, std::string_view only) const {
  PackOutcome outcome;
  Scratch& s = scratch();
  s.json_done = false;
  const Pack* single = only.empty() ? nullptr : find(only);
  if (!only.empty() && !single) return outcome;
  std::vector<const Pack*> one;
  if (single) one.push_back(single);
  const std::vector<const Pack*>& list = single ? one : candidates(in.program);
  for (const Pack* p : list) {
    if (!text_matches(*p, in, nullptr)) continue;
    if (uses_builtin(*p)) {
      if (run_builtin(*p, in, out, outcome)) return outcome;
      continue;
    }
    const EventCase* chosen = nullptr;
    if (!extract_and_choose(*p, in, s, out.arena(), chosen, nullptr)) continue;
    outcome.pack = p;
    s.record.prepare_lookups();  // mappings look up dozens of keys: hash them once
    Writer w{*p, in, s, out, outcome};
    outcome.stamps = &Writer::stamps();
    outcome.generation = w.generation;
    if (chosen)
      for (const FieldMapping& m : chosen->fields) w.apply(m);
    for (const FieldMapping& m : p->fields) w.apply(m);
    w.finish(chosen ? chosen->class_uid : 0);
    return outcome;
  }
  return outcome;
}

std::vector<PackVerdict> PackSet::explain(const LineInput& in, EventBatch& scratch_batch) const {
  std::vector<PackVerdict> verdicts;
  Scratch& s = scratch();
  s.json_done = false;
  bool taken = false;
  for (const auto& sp : packs_) {
    const Pack* p = sp.get();
    PackVerdict v{p->name, p->file, false, {}};
    if (!text_matches(*p, in, &v.reason)) {
      verdicts.push_back(std::move(v));
      continue;
    }
    if (uses_builtin(*p)) {
      scratch_batch.begin_event(Provenance{.receive_time = in.receive_time});
      PackOutcome o;
      v.matched = run_builtin(*p, in, scratch_batch, o);
      scratch_batch.end_event();
      v.reason = v.matched ? "builtin mapper took it (class " + std::to_string(o.class_uid) + ")"
                           : "builtin mapper does not know this message";
    } else {
      const EventCase* chosen = nullptr;
      v.matched = extract_and_choose(*p, in, s, scratch_batch.arena(), chosen, &v.reason);
      if (v.matched) {
        v.reason = chosen ? "case '" + (chosen->name.empty() ? "#" + std::to_string(chosen->line) : chosen->name) +
                                "' (line " + std::to_string(chosen->line) + "), class " + std::to_string(chosen->class_uid)
                          : "no case holds: Base Event (class 0)";
        v.reason += "; " + std::to_string(s.record.fields.size()) + " fields extracted";
      }
    }
    if (v.matched && taken) v.reason = "would match, but an earlier pack took the line; " + v.reason;
    if (v.matched) taken = true;
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

}  // namespace vigil
