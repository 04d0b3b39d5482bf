// Reads the sample lines of Wazuh's ruleset tests ("log N pass = <line>" in an .ini
// file) so the conformance tests and the normalization bench read them one way.
// No std::regex: GCC 12 at -O1 with sanitizers warns inside <regex> (-Werror in CI).
#pragma once

#include <cctype>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::test_support {

// The <line> of "log <digits> pass|fail = <line>", or false when the text is not one.
inline bool wazuh_log_line(std::string_view text, std::string& out) {
  if (!text.starts_with("log ")) return false;
  size_t i = 4;
  const size_t digits = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits || i >= text.size() || text[i] != ' ') return false;
  std::string_view rest = text.substr(i + 1);
  for (std::string_view verdict : {"pass = ", "fail = "}) {
    if (rest.starts_with(verdict)) {
      out.assign(rest.substr(verdict.size()));
      return true;
    }
  }
  return false;
}

// Every sample line of one .ini file (a missing file gives none).
inline std::vector<std::string> wazuh_lines(const std::string& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line, sample;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (wazuh_log_line(line, sample)) out.push_back(sample);
  }
  return out;
}

}  // namespace vigil::test_support
