// Grouping and aggregation for `| stats`; see stats.h.
#include "query/stats.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "query/search.h"
#include "query/value_eval.h"

namespace vigil::query {

namespace {

void append_key_part(std::string& key, const Value* v, TextBuffer& buf) {
  if (!v) {
    key += '\0';
    return;
  }
  std::string_view text = value_text(*v, buf);
  uint32_t n = static_cast<uint32_t>(text.size());
  key += '\1';
  key += static_cast<char>(v->type);  // a key keeps its type: 22 sorts before 100
  key.append(reinterpret_cast<const char*>(&n), sizeof n);
  key += text;
}

// The typed value of a key part written by append_key_part().
ResultValue key_value(FieldType type, std::string text) {
  ResultValue v = ResultValue::string(std::move(text));
  v.type = type;
  const char* b = v.text.data();
  const char* e = b + v.text.size();
  switch (type) {
    case FieldType::Int64: std::from_chars(b, e, v.i64); v.text.clear(); break;
    case FieldType::Float64: std::from_chars(b, e, v.f64); v.text.clear(); break;
    case FieldType::Bool: v.i64 = v.text == "true"; v.text.clear(); break;
    case FieldType::Timestamp: v.i64 = parse_rfc3339(v.text).value_or(0); break;
    case FieldType::String:
    case FieldType::Ip: break;
  }
  return v;
}

}  // namespace

StatsAccumulator::StatsAccumulator(const StatsStage& stage, bool first_value_only)
    : stage_(stage), first_value_only_(first_value_only) {
  for (const std::string& f : stage_.by) by_ids_.push_back(field_dictionary().intern(f));
  for (const Aggregate& a : stage_.aggregates)
    agg_ids_.push_back(a.field.empty() ? kNoField : field_dictionary().intern(a.field));
  values_.resize(by_ids_.size());
  odometer_.resize(by_ids_.size());
  text_.resize(by_ids_.size());
}

void StatsAccumulator::add(const EventBatch& batch, const Event& event) {
  for (size_t i = 0; i < by_ids_.size(); ++i) {
    std::vector<const Value*>& vals = values_[i];
    vals.clear();
    if (by_ids_[i] != kNoField) {
      for (const Field& f : batch.fields(event)) {
        if (f.id != by_ids_[i]) continue;
        bool seen = false;
        for (const Value* v : vals) seen = seen || same_value(*v, f.value);
        if (!seen) vals.push_back(&f.value);
        if (first_value_only_) break;
      }
    }
    if (vals.empty()) vals.push_back(nullptr);  // the null group
    odometer_[i] = 0;
  }
  // One group per combination of the by-fields' values (one, unless repeated).
  while (true) {
    add_group(batch, event);
    size_t i = 0;
    for (; i < odometer_.size(); ++i) {
      if (++odometer_[i] < values_[i].size()) break;
      odometer_[i] = 0;
    }
    if (i == odometer_.size()) break;
  }
}

uint32_t StatsAccumulator::group_of_key() {
  auto it = index_.find(std::string_view(key_));
  if (it != index_.end()) return it->second;
  uint32_t g = static_cast<uint32_t>(groups_.size());
  index_.emplace(key_, g);
  keys_.push_back(key_);
  groups_.emplace_back(stage_.aggregates.size());
  group_bytes_ += key_.size() * 2 + 96 + stage_.aggregates.size() * sizeof(AggState);
  return g;
}

void StatsAccumulator::add_group(const EventBatch& batch, const Event& event) {
  key_.clear();
  for (size_t i = 0; i < by_ids_.size(); ++i) append_key_part(key_, values_[i][odometer_[i]], text_[i]);
  std::vector<AggState>& states = groups_[group_of_key()];
  for (size_t a = 0; a < stage_.aggregates.size(); ++a) {
    switch (stage_.aggregates[a].kind) {
      case AggKind::Count:
        if (stage_.aggregates[a].field.empty()) {
          ++states[a].count;
        } else if (agg_ids_[a] != kNoField) {
          // count(field): events that have the field, as in Splunk.
          for (const Field& f : batch.fields(event)) {
            if (f.id == agg_ids_[a]) {
              ++states[a].count;
              break;
            }
          }
        }
        break;
      default: break;  // refused by search.cpp until the executor has them
    }
  }
}

bool StatsAccumulator::takes_blocks() const {
  if (by_ids_.size() > 1) return false;
  for (const Aggregate& a : stage_.aggregates) {
    if (a.kind != AggKind::Count || !a.field.empty()) return false;
  }
  return true;
}

void StatsAccumulator::add_count(const Value* value, uint64_t n) {
  key_.clear();
  if (!by_ids_.empty()) append_key_part(key_, value, text_[0]);
  for (AggState& st : groups_[group_of_key()]) st.count += n;
}

void StatsAccumulator::add_block(const BlockView& block) {
  if (by_ids_.empty()) {
    add_count(nullptr, block.selected_count);
    return;
  }
  std::vector<const ColumnSlice*> cols;
  for (const ColumnSlice& c : block.columns) {
    if (c.id == by_ids_[0] && (!first_value_only_ || c.occurrence == 0)) cols.push_back(&c);
  }
  auto selected = [&](uint32_t r) { return !block.selected || block.selected[r]; };
  if (cols.empty()) {
    add_count(nullptr, block.selected_count);
    return;
  }
  if (cols.size() == 1 && cols[0]->constant) {
    add_count(&cols[0]->constant_value, block.selected_count);
    return;
  }
  if (cols.size() > 1) {
    // A repeated by-field: each distinct value of a row counts once, as add() does.
    std::vector<const Value*> vals;
    for (uint32_t r = 0; r < block.rows; ++r) {
      if (!selected(r)) continue;
      vals.clear();
      for (const ColumnSlice* c : cols) {
        const Value* v = c->constant ? &c->constant_value : (c->present[r] ? &c->values[r] : nullptr);
        if (!v) continue;
        bool seen = false;
        for (const Value* w : vals) seen = seen || same_value(*v, *w);
        if (!seen) vals.push_back(v);
        // (a field of two types in one event: the columns' order, not the event's, says which is first)
        if (first_value_only_) break;
      }
      if (vals.empty()) add_count(nullptr, 1);
      for (const Value* v : vals) add_count(v, 1);
    }
    return;
  }
  // One column: count per distinct value in a table keyed by the value's bits, so
  // that the text key of add_count() is built once per value, not once per row.
  const ColumnSlice& c = *cols[0];
  uint64_t nulls = 0;
  if (c.type == FieldType::String) {
    std::unordered_map<std::string_view, std::pair<uint32_t, uint64_t>> counts;  // value -> (first row, n)
    for (uint32_t r = 0; r < block.rows; ++r) {
      if (!selected(r)) continue;
      if (!c.present[r]) {
        ++nulls;
        continue;
      }
      auto [it, added] = counts.try_emplace(c.values[r].as_string(), r, 0);
      ++it->second.second;
    }
    for (const auto& [text, first_n] : counts) add_count(&c.values[first_n.first], first_n.second);
  } else if (c.ips.bytes) {
    add_packed_ips(block, c, nulls);
  } else {
    // 8 bytes identify ints, times, floats and bools; IPv4 is its 4 bytes. IPv6 needs
    // 16: those rows go one by one (rare in practice).
    FlatCounter& counts = typed_[static_cast<size_t>(c.type)];
    for (uint32_t r = 0; r < block.rows; ++r) {
      if (!selected(r)) continue;
      if (!c.present[r]) {
        ++nulls;
        continue;
      }
      const Value& v = c.values[r];
      uint64_t key;
      if (v.type == FieldType::Ip) {
        if (!v.ip_v4) {
          add_count(&v, 1);
          continue;
        }
        uint32_t a;
        std::memcpy(&a, v.ip + 12, 4);
        key = a;
      } else {
        std::memcpy(&key, &v.i64, 8);
      }
      counts.add(key);
    }
  }
  if (nulls) add_count(nullptr, nulls);
}

// Addresses as stored: an IPv4 one is keyed by its 4 bytes; the k-th present row owns
// the k-th address. IPv6 ones go one by one (rare in practice).
void StatsAccumulator::add_packed_ips(const BlockView& block, const ColumnSlice& c, uint64_t& nulls) {
  FlatCounter& counts = typed_[static_cast<size_t>(FieldType::Ip)];
  const uint8_t* bytes = c.ips.bytes;
  const size_t width = c.ips.width, skip = width - 4;  // IPv4 in 16 bytes: v4-mapped, last 4
  uint32_t k = 0;
  auto add_row = [&](uint32_t r, bool selected) {
    if (!c.present[r]) {
      nulls += selected;
      return;
    }
    const uint32_t at = k++;
    if (!selected) return;
    if (width == 16 && !((c.ips.v4_bits[at >> 3] >> (at & 7)) & 1)) {
      IpAddress a;
      std::memcpy(a.bytes.data(), bytes + 16 * size_t{at}, 16);
      Value v = Value::ip_address(a);
      add_count(&v, 1);
      return;
    }
    uint32_t key;
    std::memcpy(&key, bytes + width * at + skip, 4);
    counts.add(key);
  };
  if (!block.selected) {
    for (uint32_t r = 0; r < block.rows; ++r) add_row(r, true);
  } else {
    for (uint32_t r = 0; r < block.rows; ++r) add_row(r, block.selected[r]);
  }
}

void StatsAccumulator::flush_typed() {
  for (size_t t = 0; t < typed_.size(); ++t) {
    typed_[t].for_each([&](uint64_t key, uint64_t n) {
      Value v;
      v.type = static_cast<FieldType>(t);
      if (v.type == FieldType::Ip) {
        IpAddress a;
        a.is_v4 = true;
        a.bytes[10] = a.bytes[11] = 0xff;
        std::memcpy(a.bytes.data() + 12, &key, 4);
        v = Value::ip_address(a);
      } else {
        std::memcpy(&v.i64, &key, 8);
      }
      add_count(&v, n);
    });
    typed_[t].clear();
  }
}

size_t StatsAccumulator::bytes() const {
  size_t b = group_bytes_;
  for (const FlatCounter& c : typed_) b += c.bytes();
  return b;
}

size_t StatsAccumulator::groups() const {
  size_t n = keys_.size();
  for (const FlatCounter& c : typed_) n += c.size();
  return n;
}

void StatsAccumulator::merge(StatsAccumulator& other) {
  other.flush_typed();
  for (size_t g = 0; g < other.keys_.size(); ++g) {
    key_ = other.keys_[g];
    std::vector<AggState>& states = groups_[group_of_key()];
    for (size_t a = 0; a < states.size(); ++a) states[a].count += other.groups_[g][a].count;
  }
}

void StatsAccumulator::finish(SearchResult& result) {
  flush_typed();
  result.is_table = true;
  result.columns.clear();
  for (const std::string& f : stage_.by) result.columns.push_back(f);
  for (const Aggregate& a : stage_.aggregates) result.columns.push_back(a.name);

  // Without `by` there is always exactly one row, even when nothing matched.
  const std::vector<std::vector<AggState>>* groups = &groups_;
  const std::vector<std::string>* keys = &keys_;
  std::vector<std::vector<AggState>> zero_group;
  std::vector<std::string> zero_key;
  if (stage_.by.empty() && groups_.empty()) {
    zero_group.emplace_back(stage_.aggregates.size());
    zero_key.emplace_back();
    groups = &zero_group;
    keys = &zero_key;
  }

  std::vector<std::vector<ResultValue>> rows;
  rows.reserve(groups->size());
  for (size_t g = 0; g < groups->size(); ++g) {
    std::vector<ResultValue> row;
    std::string_view k = (*keys)[g];
    for (size_t i = 0; i < stage_.by.size(); ++i) {
      if (k[0] == '\0') {
        row.push_back(ResultValue::null());
        k.remove_prefix(1);
      } else {
        const auto type = static_cast<FieldType>(k[1]);
        uint32_t n;
        std::memcpy(&n, k.data() + 2, sizeof n);
        row.push_back(key_value(type, std::string(k.substr(2 + sizeof n, n))));
        k.remove_prefix(2 + sizeof n + n);
      }
    }
    for (size_t a = 0; a < stage_.aggregates.size(); ++a) {
      switch (stage_.aggregates[a].kind) {
        case AggKind::Count: row.push_back(ResultValue::int64(static_cast<int64_t>((*groups)[g][a].count))); break;
        default: row.push_back(ResultValue::null()); break;  // refused by search.cpp until the executor has them
      }
    }
    rows.push_back(std::move(row));
  }

  const size_t nby = stage_.by.size();
  auto less_key = [](const ResultValue& a, const ResultValue& b) {
    if (a.is_null != b.is_null) return b.is_null;  // nulls last
    if (a.is_null) return false;
    return compare_results(a, b) < 0;
  };
  std::sort(rows.begin(), rows.end(), [&](const std::vector<ResultValue>& a, const std::vector<ResultValue>& b) {
    if (!stage_.aggregates.empty() && a[nby].i64 != b[nby].i64) return a[nby].i64 > b[nby].i64;
    for (size_t i = 0; i < nby; ++i) {
      if (less_key(a[i], b[i])) return true;
      if (less_key(b[i], a[i])) return false;
    }
    return false;
  });
  result.rows = std::move(rows);
}

}  // namespace vigil::query
