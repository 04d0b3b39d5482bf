// Partition keys: naming, parsing, and the partition of an event (see partition.h).
#include "store/partition.h"

#include <fmt/format.h>

#include <charconv>

#include "core/time.h"

namespace vigil {
namespace {

constexpr int64_t kNsPerDay = int64_t{86'400} * 1'000'000'000;

// Days since the epoch to a civil date (Howard Hinnant's algorithm).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int64_t day_of(TimeNs t) { return t >= 0 ? t / kNsPerDay : (t - kNsPerDay + 1) / kNsPerDay; }

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
