// Record's slot assignment, out of line: it runs once per line over every field, while
// find_slot() (inline in record.h) runs for every mapping.
#include "normalize/record.h"

namespace vigil {

void Record::assign_slots() {
  constexpr size_t kMaxShape = 256;  // positions remembered; fields past them are looked up
  const uint64_t id = key_slots_ ? key_slots_->id() : 0;
  if (shape_of_ != id) {
    shape_.clear();
    shape_of_ = id;
  }
  for (size_t i = slotted_; i < fields.size(); ++i) {
    RecordField& f = fields[i];
    int s;
    if (i < shape_.size() && same_text(shape_[i].key, f.key)) {
      f.hash = shape_[i].hash;
      s = shape_[i].slot;
    } else {
      f.hash = key_hash(f.key);
      s = key_slots_ ? key_slots_->find(f.key, f.hash) : -1;
      if (i < kMaxShape) {
        if (i >= shape_.size()) shape_.resize(i + 1);
        ShapeEntry& e = shape_[i];
        e.key.assign(f.key.data(), f.key.size());
        e.hash = f.hash;
        e.slot = s;
        e.field_id = kNoRememberedId;
      }
    }
    if (s >= 0) slot_field_[static_cast<size_t>(s)] = static_cast<int32_t>(i);
  }
  slotted_ = fields.size();
}

}  // namespace vigil
