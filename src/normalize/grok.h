// Named patterns in the manner of grok: %{IP:src_ip} in a pack's regex becomes the
// RE2 group (?P<src_ip>...) with the text of pattern IP, so packs share one definition
// of an address, a syslog timestamp or a quoted string.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace vigil {

using PatternTable = std::map<std::string, std::string, std::less<>>;

// The built-in patterns (IP, IPV4, IPV6, INT, NUMBER, WORD, NOTSPACE, DATA,
// GREEDYDATA, HOSTNAME, USER, PORT, MAC, PATH, QS, SYSLOGTIMESTAMP,
// TIMESTAMP_ISO8601, HTTPDATE, URIPATH, URIPARAM, LOGLEVEL).
const PatternTable& builtin_patterns();

// Expands every %{NAME} and %{NAME:field} of `regex`; `extra` (a pack's own patterns)
// wins over the built-ins, and patterns may use other patterns (10 levels at most).
// Returns false with `error` set for an unknown name or a field name RE2 cannot take.
bool expand_patterns(std::string_view regex, const PatternTable& extra, std::string& out, std::string& error);

}  // namespace vigil
