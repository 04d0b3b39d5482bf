// EventBatch: the unit of work of every pipeline stage — thousands of events,
// their typed fields and their raw bytes, all owned by one arena.
//
// Fields of all events sit in one flat vector; an event is a [first, first+count)
// range of it, so an event is built front to back:
//
//   batch.begin_event({.receive_time = t, .raw = line, .source = peer, .input = "syslog-udp"});
//   batch.add_string(kHost, host);          // copied into the arena
//   batch.add_int(kClassUid, 3002);
//   batch.end_event();
//
// Nothing allocates per field: strings go to the arena, fields to amortized vectors.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/field_buffer.h"
#include "core/field_dictionary.h"
#include "core/value.h"

namespace vigil {

// Why an event is not a clean parse. Kept with the event; never a reason to drop it.
enum EventFlag : uint32_t {
  kFlagParseError = 1u << 0,  // the parser could not understand the bytes; raw kept as-is
  kFlagTruncated = 1u << 1,   // the line exceeded the input's size limit and was cut
  kFlagNoTimestamp = 1u << 2, // no usable time in the event; `time` is the receive time
};

struct Field {
  FieldId id;
  Value value;
};

// Where an event came from. Strings are copied into the batch arena by begin_event().
struct Provenance {
  TimeNs receive_time = 0;
  std::string_view raw;     // the original bytes as received
  std::string_view source;  // peer address "10.0.0.5:514", file path, agent id
  std::string_view input;   // "syslog-udp", "syslog-tcp", "http", "file", ...
  std::string_view tenant = "default";
};

struct Event {
  uint32_t first_field = 0;
  uint32_t field_count = 0;
  TimeNs time = 0;          // event time (OCSF `time`); receive time when the source has none
  TimeNs receive_time = 0;
  uint32_t flags = 0;       // EventFlag bits
  std::string_view raw;
  std::string_view source;
  std::string_view input;
  std::string_view tenant;
  std::string_view parse_error;  // why kFlagParseError was set
};

class EventBatch {
 public:
  EventBatch() = default;
  EventBatch(EventBatch&&) noexcept = default;
  EventBatch& operator=(EventBatch&&) noexcept = default;

  // Starts a new event; time defaults to the receive time until set_time().
  Event& begin_event(const Provenance& p);
  // Ends the event started last. Fields added after this belong to no event.
  void end_event();
  // Drops the open event and its fields (its bytes stay in the arena until the batch
  // goes): for a reader that finds, part-way, that the line is another reader's.
  void abandon_event() {
    fields_.resize(events_.back().first_field);
    events_.pop_back();
  }

  // Adders for the open event. add_string copies; add_string_ref expects bytes
  // that already live in this batch's arena (e.g. a slice of the event's raw).
  // They write the field where it lives: a Value built in a temporary and copied in was
  // stored piecewise and reloaded whole, a store-forwarding stall on every field.
  // A field whose name the dictionary refused (kNoField) is not added: see FieldDictionary.
  void add_string(FieldId id, std::string_view s) {
    if (id != kNoField) add_string_ref(id, arena_.copy(s));
  }
  void add_string_ref(FieldId id, std::string_view s) {
    if (Value* v = new_value(id, FieldType::String)) [[likely]] {
      v->str_size = static_cast<uint32_t>(s.size());
      v->str = s.data();
    }
  }
  void add_int(FieldId id, int64_t x) {
    if (Value* v = new_value(id, FieldType::Int64)) [[likely]] v->i64 = x;
  }
  void add_float(FieldId id, double x) {
    if (Value* v = new_value(id, FieldType::Float64)) [[likely]] v->f64 = x;
  }
  void add_bool(FieldId id, bool x) {
    if (Value* v = new_value(id, FieldType::Bool)) [[likely]] {
      v->i64 = 0;
      v->b = x;
    }
  }
  void add_time(FieldId id, TimeNs x) {
    if (Value* v = new_value(id, FieldType::Timestamp)) [[likely]] v->ts = x;
  }
  void add_ip(FieldId id, const IpAddress& a) {
    if (Value* v = new_value(id, FieldType::Ip)) [[likely]] {
      v->ip_v4 = a.is_v4;
      std::memcpy(v->ip, a.bytes.data(), 16);
    }
  }
  void add(FieldId id, const Value& v) {
    if (id != kNoField) [[likely]] fields_.push_back(Field{id, v});
  }

  // The open event (between begin_event and end_event).
  Event& current() { return events_.back(); }
  // Opens the last event again so a normalizer can add to what a parser ended (its
  // fields are the last ones); end_event() closes it again.
  void reopen_last_event() { events_.back().field_count = 0; }
  // The fields of the last event so far, open or ended. Invalidated by the next add.
  std::span<const Field> last_event_fields() const {
    return {fields_.data() + events_.back().first_field, fields_.size() - events_.back().first_field};
  }
  void set_time(TimeNs t) { events_.back().time = t; }
  void set_flag(uint32_t flag) { events_.back().flags |= flag; }
  void set_parse_error(std::string_view why) {
    events_.back().flags |= kFlagParseError;
    events_.back().parse_error = arena_.copy(why);
  }

  size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  const Event& operator[](size_t i) const { return events_[i]; }
  const std::vector<Event>& events() const { return events_; }
  std::span<const Field> fields(const Event& e) const {
    return {fields_.data() + e.first_field, e.field_count};
  }
  // First value of field `id` in `e`, or nullptr.
  const Value* find(const Event& e, FieldId id) const;

  // Earliest and latest event time in the batch (0,0 when empty).
  TimeNs min_time() const;
  TimeNs max_time() const;

  Arena& arena() { return arena_; }
  void reserve(size_t events, size_t fields) {
    events_.reserve(events);
    fields_.reserve(fields);
  }
  // Approximate memory held, for backpressure and flush decisions.
  size_t memory_bytes() const {
    return arena_.bytes_reserved() + events_.capacity() * sizeof(Event) + fields_.capacity() * sizeof(Field);
  }

 private:
  // A new field of the open event, its value's type set and the rest for the caller.
  [[gnu::always_inline]] Value* new_value(FieldId id, FieldType type) {
    if (id == kNoField) [[unlikely]] return nullptr;
    Field* f = fields_.append();
    f->id = id;
    f->value.type = type;
    f->value.ip_v4 = false;
    f->value.str_size = 0;
    return &f->value;
  }

  Arena arena_;
  std::vector<Event> events_;
  FieldBuffer<Field> fields_;
};

// Appends a copy of event `e` of `from` to `to`: raw bytes, provenance, time, flags
// and fields, all owned by `to` (for reordering events, keeping a subset of a batch,
// or adding alerts to the batch of their events).
void copy_event(const EventBatch& from, const Event& e, EventBatch& to);

}  // namespace vigil
