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

  void clear() { fields.clear(); }
  void add(std::string_view key, std::string_view value, RecordKind kind = RecordKind::String) {
    fields.push_back(RecordField{key, value, kind, false});
  }
  // The last value of `key` (a later extractor overrides an earlier one), or nullptr.
  RecordField* find(std::string_view key) {
    for (size_t i = fields.size(); i-- > 0;)
      if (fields[i].key == key) return &fields[i];
    return nullptr;
  }
  // True when `key` or any key below it ("gcp" for "gcp.severity") is present.
  bool has(std::string_view key) const {
    for (const RecordField& f : fields)
      if (f.key.size() >= key.size() && f.key.compare(0, key.size(), key) == 0 &&
          (f.key.size() == key.size() || f.key[key.size()] == '.'))
        return true;
    return false;
  }
};

}  // namespace vigil
