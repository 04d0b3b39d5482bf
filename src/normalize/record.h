// Record: the fields a parser pack extracted from one line, before they are mapped
// onto OCSF — keys and values as text (slices of the line or of the batch arena),
// with the JSON kind of the value so unmapped numbers stay numbers.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

enum class RecordKind : uint8_t { String = 0, Number = 1, Bool = 2 };

// Equality of two short texts (keys) inline, eight bytes at a time: a memcmp call costs
// more than the compare itself for the 5-20 byte keys every field is matched by.
[[gnu::always_inline]] inline bool same_text(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n >= 8) {
    uint64_t x, y;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&x, p + i, 8);
      std::memcpy(&y, q + i, 8);
      if (x != y) return false;
    }
    if (i == n) return true;
    std::memcpy(&x, p + n - 8, 8);  // the tail, overlapping bytes already compared
    std::memcpy(&y, q + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x1, y1, x2, y2;
    std::memcpy(&x1, p, 4);
    std::memcpy(&y1, q, 4);
    std::memcpy(&x2, p + n - 4, 4);
    std::memcpy(&y2, q + n - 4, 4);
    return x1 == y1 && x2 == y2;
  }
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

struct RecordField {
  std::string_view key;
  std::string_view value;
  RecordKind kind = RecordKind::String;
  bool used = false;  // read by a mapping: not repeated under unmapped.*
  uint32_t hash = 0;  // key_hash(key), set by build_index()
};

class KeySlots;

struct Record {
  std::vector<RecordField> fields;

  void clear() {
    fields.clear();
    indexed_ = 0;
    slotted_ = 0;
    key_slots_ = nullptr;
  }
  void add(std::string_view key, std::string_view value, RecordKind kind = RecordKind::String) {
    fields.push_back(RecordField{key, value, kind, false, 0});
  }
  // The last value of `key` (a later extractor overrides an earlier one), or nullptr.
  // Fields added since the last look-up are hashed into the index first, so each key is
  // hashed once however many mappings and conditions ask for it.
  RecordField* find(std::string_view key) { return find(key, key_hash(key)); }
  // The same, with `hash` = key_hash(key) worked out once (when the pack was loaded).
  RecordField* find(std::string_view key, uint32_t hash) {
    if (indexed_ != fields.size()) build_index();
    if (indexed_ && indexed_ == fields.size()) return find_indexed(key, hash);
    for (size_t i = fields.size(); i-- > 0;)
      if (fields[i].key == key) return &fields[i];
    return nullptr;
  }
  // Brings the index up to date with the fields added since it was last built (all of
  // them after clear() or forget_index()). Records of more than half the table's slots
  // keep the linear search.
  void build_index() {
    if (fields.empty() || fields.size() > kSlots / 2) {
      indexed_ = 0;
      return;
    }
    if (slots_.size() != kSlots) slots_.assign(kSlots, Slot{});
    if (indexed_ == 0 || indexed_ > fields.size()) {
      indexed_ = 0;
      // Generations spare clearing the table per line; on wrap it is cleared once.
      if (++generation_ == 0) {
        slots_.assign(kSlots, Slot{});
        generation_ = 1;
      }
    }
    for (size_t i = indexed_; i < fields.size(); ++i) {
      RecordField& f = fields[i];
      f.hash = key_hash(f.key);
      size_t h = f.hash & kMask;
      while (slots_[h].generation == generation_ && !same_key(fields[slots_[h].index], f.key, f.hash)) h = (h + 1) & kMask;
      slots_[h] = Slot{generation_, static_cast<uint32_t>(i)};  // a later duplicate replaces the earlier
    }
    indexed_ = fields.size();
  }
  // After keys were changed in place: the next look-up indexes every field again.
  void forget_index() {
    indexed_ = 0;
    if (key_slots_) use_slots(key_slots_);
  }
  // True while each field's hash is set (by the index or the slots).
  bool hashed() const {
    return !fields.empty() && ((indexed_ == fields.size()) || (key_slots_ && slotted_ == fields.size()));
  }

  // Before a run of look-ups: hashes (and slots or indexes) every field added so far.
  void prepare_lookups() {
    if (key_slots_) {
      if (slotted_ != fields.size()) assign_slots();
    } else {
      build_index();
    }
  }

  // Look-ups by slot number (KeySlots, the keys one pack reads): after use_slots(), each
  // field added is matched to its slot once, and a mapping reads its source by number.
  void use_slots(const KeySlots* slots);
  // The last field of the slot's key, or nullptr.
  // A field id the caller keeps for the field at `i` while its key stays the one at that
  // place on the lines before (the pack writer: its unmapped.* id), or nullptr when the
  // place is not remembered. Valid once every field is slotted (prepare_lookups).
  static constexpr uint32_t kNoRememberedId = 0xFFFFFFFFu;
  uint32_t* remembered_id(size_t i) {
    return key_slots_ && slotted_ == fields.size() && i < shape_.size() ? &shape_[i].field_id : nullptr;
  }

  [[gnu::always_inline]] RecordField* find_slot(int slot) {
    if (slotted_ != fields.size()) [[unlikely]] assign_slots();
    const int32_t i = slot_field_[static_cast<size_t>(slot)];
    return i >= 0 ? &fields[static_cast<size_t>(i)] : nullptr;
  }
  // True when `key` or any key below it ("gcp" for "gcp.severity") is present.
  bool has(std::string_view key) const {
    for (const RecordField& f : fields)
      if (f.key.size() >= key.size() && f.key.compare(0, key.size(), key) == 0 &&
          (f.key.size() == key.size() || f.key[key.size()] == '.'))
        return true;
    return false;
  }

  // A hash of a short key, eight bytes at a time: keys are the bulk of what a mapping
  // looks up, and a byte-at-a-time hash cost more than the look-ups themselves.
  static uint32_t key_hash(std::string_view k) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ k.size();
    const char* p = k.data();
    size_t n = k.size();
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
      p += 8;
      n -= 8;
    }
    if (n) {
      // The last 1-7 bytes in at most two loads (overlapping when n is 5-7).
      uint64_t w;
      if (n >= 4) {
        uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        w = (uint64_t{a} << 32) | b;
      } else {
        w = uint64_t(static_cast<uint8_t>(p[0])) << 16 | uint64_t(static_cast<uint8_t>(p[n / 2])) << 8 |
            static_cast<uint8_t>(p[n - 1]);
      }
      h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    }
    h ^= h >> 29;
    return static_cast<uint32_t>(h);
  }

 private:
  void assign_slots();  // record.cpp: out of line, so find_slot() inlines to an array read
  // Lines of one source repeat their keys in the same order: the key at each position of
  // the last line slotted, with its hash and slot, spares a hash and a probe per field
  // whose key is the same as the one before it at its place.
  struct ShapeEntry {
    std::string key;
    uint32_t hash = 0;
    int32_t slot = -1;
    uint32_t field_id = kNoRememberedId;  // what the pack writer stored: remembered_id()
  };
  std::vector<ShapeEntry> shape_;
  uint64_t shape_of_ = 0;  // KeySlots::id() the shape was taken with
  const KeySlots* key_slots_ = nullptr;
  std::vector<int32_t> slot_field_;  // per slot: index of its field, -1 when absent
  size_t slotted_ = 0;               // fields matched to slots so far
  struct Slot {
    uint32_t generation = 0;
    uint32_t index = 0;
  };
  static constexpr size_t kSlots = 512;
  static constexpr size_t kMask = kSlots - 1;
  static bool same_key(const RecordField& f, std::string_view key, uint32_t hash) {
    return f.hash == hash && same_text(f.key, key);
  }
  RecordField* find_indexed(std::string_view key, uint32_t hash) {
    // Open addressing over the keys' hashes; a slot of another generation is empty.
    for (size_t h = hash & kMask;; h = (h + 1) & kMask) {
      const Slot s = slots_[h];
      if (s.generation != generation_) return nullptr;
      if (same_key(fields[s.index], key, hash)) return &fields[s.index];
    }
  }
  std::vector<Slot> slots_;
  uint32_t generation_ = 0;
  size_t indexed_ = 0;
};

// The keys one pack reads, numbered: the loader gives every key a mapping, condition
// or step names a slot, so per line each field is matched to a slot once (one hash and
// one compare) and every read after that is an array index.
class KeySlots {
 public:
  // The key's slot, added when new.
  int add(std::string_view key) {
    if (int s = find(key, Record::key_hash(key)); s >= 0) return s;
    keys_.emplace_back(key);
    hashes_.push_back(Record::key_hash(key));
    id_ = next_id();
    rehash();
    return static_cast<int>(keys_.size() - 1);
  }
  // The slot of `key` (hash = Record::key_hash(key)), or -1 when the pack reads no such key.
  int find(std::string_view key, uint32_t hash) const {
    if (table_.empty()) return -1;
    const size_t mask = table_.size() - 1;
    for (size_t h = hash & mask;; h = (h + 1) & mask) {
      const Entry e = table_[h];
      if (e.slot < 0) return -1;
      if (e.hash == hash && same_text(keys_[static_cast<size_t>(e.slot)], key)) return e.slot;
    }
  }
  size_t size() const { return keys_.size(); }
  // Unique to this set of keys (a new key makes a new id): what a record remembers of
  // slots it looked up is valid only while the id is the same.
  uint64_t id() const { return id_; }

 private:
  static uint64_t next_id() {
    static std::atomic<uint64_t> n{0};
    return ++n;
  }
  uint64_t id_ = next_id();
  void rehash() {
    size_t n = 16;
    while (n < keys_.size() * 4) n *= 2;  // a quarter full: a miss (most of a line's keys) ends at once
    table_.assign(n, Entry{});
    for (size_t i = 0; i < keys_.size(); ++i) {
      size_t h = hashes_[i] & (n - 1);
      while (table_[h].slot >= 0) h = (h + 1) & (n - 1);
      table_[h] = Entry{hashes_[i], static_cast<int32_t>(i)};
    }
  }
  struct Entry {
    uint32_t hash = 0;
    int32_t slot = -1;  // -1: empty
  };
  std::vector<std::string> keys_;
  std::vector<uint32_t> hashes_;
  std::vector<Entry> table_;
};

inline void Record::use_slots(const KeySlots* slots) {
  key_slots_ = slots;
  slotted_ = 0;
  slot_field_.assign(slots ? slots->size() : 0, -1);
}

}  // namespace vigil
