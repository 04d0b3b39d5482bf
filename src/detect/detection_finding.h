// Alerts as events: each match of an alerting rule, and each firing of a
// correlation, becomes an OCSF Detection Finding (class 2004) with the rule's id,
// title, level and ATT&CK tags, the entities of the event (user, host, addresses,
// process) and the matching event's raw bytes, so alerts are stored, searched and
// kept like any other event.
//
// Fields: class_uid 2004, category_uid 2, activity_id 1, type_uid 200401,
// severity_id (informational 1 .. critical 5) and severity, time (the event's),
// finding_info.{uid,title,desc}, finding_info.analytic.{uid,name,type},
// finding_info.attacks.technique.uid / tactic.name (repeated, from attack.* tags),
// finding_info.first_seen_time / last_seen_time, actor.user.name, device.hostname,
// src_endpoint.ip, dst_endpoint.ip, process.cmd_line, process.file.path,
// process.parent_process.file.path, metadata.product.name "Vigil",
// metadata.log_name "alerts", unmapped.sigma.{file,level,tags,kind},
// unmapped.correlation.{count,value,group.<name>} and unmapped.event.{input,source}.
#pragma once

#include <string_view>

#include "core/event_batch.h"
#include "detect/correlator.h"
#include "detect/rule_set.h"

namespace vigil::detect {

constexpr int64_t kDetectionFindingClass = 2004;

int64_t severity_id_of_level(std::string_view level);

// Appends the finding for `rule` matching event `event` of `batch` to `alerts`.
void append_rule_finding(const RuleMeta& rule, const EventBatch& batch, uint32_t event, EventBatch& alerts);

// Appends the finding for a correlation firing. `batch` is the batch of the match that
// completed it (entities are taken from that event) when firing.event is set.
void append_correlation_finding(const CompiledCorrelation& c, const CorrelationFiring& firing, const EventBatch* batch,
                                EventBatch& alerts);

}  // namespace vigil::detect
