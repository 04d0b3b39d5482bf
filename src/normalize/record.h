// Record: the fields a parser pack extracted from one line, before they are mapped
// onto OCSF — keys and values as text (slices of the line or of the batch arena),
// with the JSON kind of the value so unmapped numbers stay numbers.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vigil {

enum class RecordKind : uint8_t { String = 0, Number = 1, Bool = 2 };

struct RecordField {
  std::string_view key;
  std::string_view value;
  RecordKind kind = RecordKind::String;
  bool used = false;  // read by a mapping: not repeated under unmapped.*
};

struct Record {
  std::vector<RecordField> fields;

  void clear() {
    fields.clear();
    indexed_ = 0;
  }
  void add(std::string_view key, std::string_view value, RecordKind kind = RecordKind::String) {
    fields.push_back(RecordField{key, value, kind, false});
  }
  // The last value of `key` (a later extractor overrides an earlier one), or nullptr.
  RecordField* find(std::string_view key) {
    if (indexed_ && indexed_ == fields.size()) {
      // Open addressing over the keys' hashes; slots hold index + 1 (0: empty).
      for (size_t h = hash(key) & kMask;; h = (h + 1) & kMask) {
        const uint16_t slot = slots_[h];
        if (slot == 0) return nullptr;
        if (fields[slot - 1].key == key) return &fields[slot - 1];
      }
    }
    for (size_t i = fields.size(); i-- > 0;)
      if (fields[i].key == key) return &fields[i];
    return nullptr;
  }
  // Hashes every key once, so the many find() calls of a mapping are O(1). Records
  // of more than half the table's slots keep the linear search. Adding a field after
  // this turns the index off until the next build_index().
  void build_index() {
    indexed_ = 0;
    if (fields.empty() || fields.size() > kSlots / 2) return;
    slots_.assign(kSlots, 0);
    for (size_t i = 0; i < fields.size(); ++i) {
      size_t h = hash(fields[i].key) & kMask;
      while (slots_[h] != 0 && fields[slots_[h] - 1].key != fields[i].key) h = (h + 1) & kMask;
      slots_[h] = static_cast<uint16_t>(i + 1);  // a later duplicate replaces the earlier
    }
    indexed_ = fields.size();
  }
  // True when `key` or any key below it ("gcp" for "gcp.severity") is present.
  bool has(std::string_view key) const {
    for (const RecordField& f : fields)
      if (f.key.size() >= key.size() && f.key.compare(0, key.size(), key) == 0 &&
          (f.key.size() == key.size() || f.key[key.size()] == '.'))
        return true;
    return false;
  }

 private:
  static constexpr size_t kSlots = 512;
  static constexpr size_t kMask = kSlots - 1;
  static size_t hash(std::string_view k) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a: keys are short
    for (unsigned char c : k) h = (h ^ c) * 1099511628211ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  std::vector<uint16_t> slots_;
  size_t indexed_ = 0;
};

}  // namespace vigil
