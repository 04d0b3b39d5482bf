// How `vigil hunt` prints its alerts, sorted by time:
//   table  aligned columns for reading: time, level, rule title, rule id, host, user,
//          source IP, details (the command line; for a correlation its count and
//          group), origin (file:line, file#record, or input and source of stored events)
//   csv    the same as columns with a header, nothing cut
//   json   one JSON object per alert (JSON lines): the Detection Finding in the shape
//          `vigil search --format ndjson` gives events (time, raw, source, input,
//          tenant, fields, types), with unmapped.event.line / unmapped.event.record
//          added when the event came from a file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "cli/hunt_alerts.h"
#include "detect/rule_set.h"

namespace vigil {

enum class HuntFormat { Table, Csv, Json };
std::optional<HuntFormat> parse_hunt_format(std::string_view name);

// Writes the alerts of severity_id >= min_severity (detection_finding.h's scale; 0:
// all) in the order they are in (sort_by_time first). Returns how many it wrote.
size_t write_hunt_alerts(const detect::RuleSet& rules, const HuntAlerts& alerts, HuntFormat format,
                         int64_t min_severity, std::FILE* out);

// The same into a string (tests).
std::string format_hunt_alerts(const detect::RuleSet& rules, const HuntAlerts& alerts, HuntFormat format,
                               int64_t min_severity = 0);

}  // namespace vigil
