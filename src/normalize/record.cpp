// Record's slot assignment, out of line: it runs once per line over every field, while
// find_slot() (inline in record.h) runs for every mapping.
#include "normalize/record.h"

namespace vigil {

void Record::assign_slots() {
  for (size_t i = slotted_; i < fields.size(); ++i) {
    RecordField& f = fields[i];
    f.hash = key_hash(f.key);
    if (const int s = key_slots_ ? key_slots_->find(f.key, f.hash) : -1; s >= 0) slot_field_[static_cast<size_t>(s)] = static_cast<int32_t>(i);
  }
  slotted_ = fields.size();
}

}  // namespace vigil
