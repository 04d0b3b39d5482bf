// One Windows event in its XML form (<Event><System>..</System><EventData>..</EventData>
// </Event>, as libevtx, Event Viewer or Get-WinEvent print it) into fields named as
// windows_event.h says.
//
// A minimal XML reader for this known shape: elements, attributes, text, CDATA,
// comments, the five predefined entities and character references (&#NN; &#xNN;).
// No DTDs, no namespaces beyond keeping prefixed names as they are. Children of Event
// other than System, EventData and UserData (RenderingInfo, ProcessingErrorData) are
// not read into fields (the raw keeps them).
#pragma once

#include <string_view>

#include "core/event_batch.h"
#include "parse/windows_event.h"

namespace vigil {

// Adds the fields of the event in `xml` to the open event of `out` and sets its time.
// Returns nullptr, or why the XML is not a readable event; then nothing was added.
// Values that are slices of the open event's raw are not copied again, so pass the
// event's raw (out.current().raw) when it holds this XML.
const char* read_windows_event_xml(std::string_view xml, WindowsRendering rendering, EventBatch& out);

}  // namespace vigil
