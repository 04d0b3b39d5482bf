// Partition keys: naming, parsing, and the partition of an event (see partition.h).
#include "store/partition.h"

#include <fmt/format.h>

#include <charconv>

#include "core/time.h"

namespace vigil {
namespace {

constexpr int64_t kNsPerDay = int64_t{86'400} * 1'000'000'000;

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

// Floor division that cannot overflow, even for kMinTime.
int64_t day_of(TimeNs t) { return t / kNsPerDay - (t % kNsPerDay < 0 ? 1 : 0); }

TimeNs PartitionKey::day_start() const { return day * kNsPerDay; }
TimeNs PartitionKey::day_end() const { return day * kNsPerDay + (kNsPerDay - 1); }

std::string PartitionKey::name() const {
  int64_t y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  std::string cls = class_uid < 0 ? "-" : std::to_string(class_uid);
  return fmt::format("{}/{:04}-{:02}-{:02}/{}/{}", tenant, y, m, d, cls, input.empty() ? "-" : input);
}

Result<PartitionKey> PartitionKey::parse(std::string_view name) {
  auto bad = [&] { return Status::error(fmt::format("bad partition name '{}'", name)); };
  std::string_view parts[4];
  size_t n = 0;
  while (n < 3) {
    size_t slash = name.find('/');
    if (slash == std::string_view::npos) return bad();
    parts[n++] = name.substr(0, slash);
    name.remove_prefix(slash + 1);
  }
  parts[3] = name;
  PartitionKey k;
  k.tenant = std::string(parts[0]);
  std::string_view date = parts[1];
  int64_t y;
  unsigned m, d;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-' || !parse_number(date.substr(0, 4), y) ||
      !parse_number(date.substr(5, 2), m) || !parse_number(date.substr(8, 2), d) || m < 1 || m > 12 || d < 1 ||
      d > 31) {
    return bad();
  }
  k.day = days_from_civil(y, m, d);
  if (parts[2] != "-" && !parse_number(parts[2], k.class_uid)) return bad();
  k.input = parts[3] == "-" ? "" : std::string(parts[3]);
  if (k.tenant.empty()) return bad();
  return k;
}

PartitionKey partition_of(const EventBatch& batch, const Event& e) {
  static const FieldId kClassUid = field_id("class_uid");
  PartitionKey k;
  k.tenant = std::string(e.tenant.empty() ? std::string_view("default") : e.tenant);
  k.day = day_of(e.time);
  const Value* v = batch.find(e, kClassUid);
  if (v && v->type == FieldType::Int64) k.class_uid = v->i64;
  k.input = std::string(e.input);
  return k;
}

}  // namespace vigil
