// Fuzz target: bytes as a Sigma rule file (YAML through the loader, with every check
// of modifiers, regexes, networks and the condition) and as a condition over fixed
// search identifiers.
// Checks: no crash, bounded recursion, and that a parsed condition prints to text
// that parses back to the same condition.
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/sigma_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::detect;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_sigma_rule(text, "fuzz.yml");
  static const std::vector<std::string> ids = {"selection", "sel_a", "sel-b", "filter.x", "_hidden", "keywords"};
  auto c = parse_condition(text, ids);
  if (c.ok()) {
    const std::string printed = to_string(*c);
    auto again = parse_condition(printed, ids);
    if (!again.ok() || to_string(*again) != printed) __builtin_trap();
  }
  return 0;
}
