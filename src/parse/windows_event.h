// Windows event records as fields named the way Sigma's Windows taxonomy names them,
// the same whichever reader saw the record (EVTX via libevtx, evtx_dump JSON):
//
//   System children by name    EventID Version Level Task Opcode EventRecordID (int64),
//                              Keywords Channel Computer ... (string)
//   their attributes           <Element>_<Attr>: Provider_Name, Provider_Guid,
//                              Security_UserID, TimeCreated_SystemTime, ... (string);
//                              Execution_ProcessID, Execution_ThreadID,
//                              EventID_Qualifiers (int64)
//   EventData <Data Name="X">  X (string, always, even when it looks numeric)
//   unnamed <Data>, <Binary>   Data (repeated), Binary
//   UserData leaves            by their own element name (string)
//
// Other attributes (EventData's own Name, xmlns, attributes inside UserData) are not
// fields; the raw keeps them.
//
// The event time is TimeCreated's SystemTime. Values are brought to Windows' own
// rendering where a renderer differs from it (see windows_event.cpp), so a rule
// written against Event Viewer's XML matches either source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event_batch.h"

namespace vigil {

// What the readers of Windows events report.
struct WindowsReadStats {
  size_t records = 0;        // events appended (good and bad)
  size_t errors = 0;         // events stored raw with kFlagParseError, plus 1 when the
                             // input as a whole could not be read (then no event is added)
  size_t recovered = 0;      // EVTX: events from recovered records (also in `records`)
  std::string first_error;   // "record 3: unexpected end of XML"
};

// Who rendered the text of a record's values. libevtx and evtx_dump print a few value
// types unlike Windows: libevtx pads hex numbers to their width (0x00000000001eba8),
// evtx_dump drops a GUID's braces; both print TimeCreated with their own precision.
enum class WindowsRendering : uint8_t { Libevtx, EvtxDump };

// Adds one record's pieces to the open event of `out`, named as above. Strings are
// copied into the batch unless they already lie inside the open event's raw.
class WindowsEventWriter {
 public:
  WindowsEventWriter(EventBatch& out, WindowsRendering rendering) : out_(out), rendering_(rendering) {}

  // Text of System child `element` (<EventID>4624</EventID>); empty text adds nothing.
  void system_text(std::string_view element, std::string_view text);
  // Attribute of a System child (<Provider Name="...">); empty values add nothing.
  void system_attribute(std::string_view element, std::string_view attribute, std::string_view value);
  // An EventData or UserData value under its field name: the Data element's Name, the
  // element's own name otherwise; unnamed Data elements pass "Data".
  void data(std::string_view name, std::string_view value);

  // Ends the record: without a usable TimeCreated the event is flagged kFlagNoTimestamp.
  void finish();

 private:
  void add_text(FieldId id, std::string_view value);
  void add_int_or_text(FieldId id, std::string_view text);

  EventBatch& out_;
  WindowsRendering rendering_;
  bool has_time_ = false;
};

}  // namespace vigil
