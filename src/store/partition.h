// Partition: the unit that retention drops whole. Every sealed segment holds events
// of exactly one partition, named by tenant, UTC day of the event time, OCSF class
// and input, so a policy such as "authentication 400 days, network flows 30 days"
// or "syslog-udp 90 days" never has to rewrite a segment.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/status.h"

namespace vigil {

struct PartitionKey {
  std::string tenant = "default";
  int64_t day = 0;         // days since 1970-01-01 (UTC) of the event time
  int64_t class_uid = -1;  // OCSF class_uid, -1 when the event has none
  std::string input;       // "syslog-udp", "http", "agent", ...

  // "default/2026-11-22/3002/syslog-udp" ("-" for a missing class or input).
  std::string name() const;
  static Result<PartitionKey> parse(std::string_view name);
  TimeNs day_start() const;  // first nanosecond of the day
  TimeNs day_end() const;    // last nanosecond of the day
  int64_t category_uid() const { return class_uid < 0 ? -1 : class_uid / 1000; }

  auto operator<=>(const PartitionKey&) const = default;
};

// The partition event `e` of `batch` belongs to.
PartitionKey partition_of(const EventBatch& batch, const Event& e);
int64_t day_of(TimeNs t);

}  // namespace vigil
