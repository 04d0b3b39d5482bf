// Windows events as Wazuh's eventchannel collector writes them, one JSON object per
// line: {"win":{"system":{"providerName":..,"eventID":"4624","systemTime":..,
// "computer":..,"channel":..},"eventdata":{"targetUserName":..,"ipAddress":..}}},
// into events with the names of windows_event.h, as the EVTX reader gives them:
//
//   system      eventID version level task opcode eventRecordID -> EventID ... (int64
//               when decimal), keywords channel computer -> Keywords Channel Computer,
//               providerName providerGuid -> Provider_Name Provider_Guid, systemTime ->
//               TimeCreated_SystemTime (the event time), processID threadID ->
//               Execution_ProcessID Execution_ThreadID; message (Wazuh's rendering,
//               its surrounding quotes dropped) -> message; anything else ->
//               unmapped.win.system.<key>
//   eventdata   and other sections (ruleAndFileData, logFileCleared ...): keys with the
//               first letter upper-cased, as Windows names its Data (commandLine ->
//               CommandLine, user -> User, dSName -> DSName); paramN stays as it is
//
// Values are text, as in the EVTX reader; eventdata values, which Wazuh escapes a
// second time (C:\\Windows), are unescaped once more. A line that is not such an
// object is still an event: raw kept, kFlagParseError set.
#pragma once

#include <string_view>

#include "core/event_batch.h"
#include "parse/windows_event.h"

namespace vigil {

// One event per non-blank line of `text`; each raw is its line.
WindowsReadStats read_windows_event_wazuh(std::string_view text, const Provenance& base, EventBatch& out);

// Whether `line` is a JSON object whose first key is "win" (a cheap test, not a parse).
bool looks_like_wazuh_windows(std::string_view line);

}  // namespace vigil
