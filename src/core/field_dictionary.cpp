#include "core/field_dictionary.h"

#include <mutex>

namespace vigil {

FieldId FieldDictionary::intern(std::string_view name) {
  {
    std::shared_lock lock(mu_);
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
  }
  if (name.size() > kMaxNameBytes) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return kNoField;
  }
  std::unique_lock lock(mu_);
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  if (names_.size() >= kMaxFields) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return kNoField;
  }
  FieldId id = static_cast<FieldId>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

FieldId FieldDictionary::find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = ids_.find(name);
  return it == ids_.end() ? kNoField : it->second;
}

std::string_view FieldDictionary::name(FieldId id) const {
  std::shared_lock lock(mu_);
  return id < names_.size() ? std::string_view(names_[id]) : std::string_view();
}

size_t FieldDictionary::size() const {
  std::shared_lock lock(mu_);
  return names_.size();
}

FieldDictionary& field_dictionary() {
  static FieldDictionary dict;
  return dict;
}

}  // namespace vigil
