// Windows event records (Security, Sysmon, System; from EVTX, evtx_dump JSON, OTRF's
// flat JSON lines, Wazuh's eventchannel JSON) mapped onto OCSF: fields are ADDED
// beside the record's own (Sigma's Windows names: EventID, Channel, Image,
// TargetUserName ...), which stay exactly as they are because Sigma rules read them.
//
// Names first: OTRF's Hostname is Computer, SourceName is Provider_Name, and its
// lower-case "security" channel is Security.
//
// Always: metadata.product.name ("Sysmon" / "Microsoft Windows"),
// metadata.product.vendor_name "Microsoft", metadata.log_provider (Provider_Name),
// metadata.event_code (EventID as text), metadata.log_name (the channel, unless the
// event has one), device.hostname, device.os.type_id 100, class_uid, category_uid,
// activity_id, type_uid (class_uid * 100 + activity_id), severity_id (from Level).
//
//   Security 4624 4625 4634 4647 4648 4768 4769 4771 4776   Authentication 3002
//   Security 4688 4689 / Sysmon 1 5 8 10                    Process Activity 1007
//   Security 4720 4722-4726 4738 4740 4767                  Account Change 3001
//   Security 4728 4729 4732 4733 4756 4757                  Group Management 3006
//   Security 4656 4660 4663 5145 (file objects) / Sysmon 11 23 26   File System Activity 1001
//   Security 1102, System 104 (log cleared)                 Event Log Activity 1008
//   Security 4697, System 7045 (service installed)          Windows Service Activity 201004
//   Sysmon 3                                                Network Activity 4001
//   Sysmon 7                                                Module Activity 1005
//   Sysmon 22                                               DNS Activity 4003
//   Sysmon 12 13 14                                         Registry Key / Value Activity 201001 / 201002
//   any other Windows record                                Base Event 0, activity 99
//
// One rule decides every value: content/sigma/fields.yaml makes the matcher read the
// OCSF path before the Sigma name, so an OCSF field a mapping names holds exactly the
// Sigma field's text (User stays "NT AUTHORITY\SYSTEM"), or is left out — never a
// different value. Hence: IPs are typed only when their text is the address's
// canonical form ("0:0:0:0:0:0:0:1" keeps to its Sigma name), "-" and empty values
// add nothing, a group change's member name goes to user.ldap_person.ldap_dn (Sigma's
// TargetUserName, the group, maps to user.name), a registry value's path to
// reg_value.path only (TargetObject maps to reg_key.path).
#pragma once

#include "core/event_batch.h"

namespace vigil {

// Adds OCSF fields to the LAST event of `batch` (ended or still open; it is left
// ended). Returns the class_uid chosen (0 for Base Event), or -1, adding nothing, when
// the event is not a Windows record (no EventID with a channel or provider) or
// already carries a class_uid.
int add_windows_ocsf(EventBatch& batch);

// Whether add_windows_ocsf would map event `e` (a cheap test, for skipping a copy).
bool is_windows_record(const EventBatch& batch, const Event& e);

// Appends a copy of every event of `in` to `out`, Windows records with OCSF fields
// added. Returns how many were Windows records.
size_t windows_to_ocsf(const EventBatch& in, EventBatch& out);

}  // namespace vigil
