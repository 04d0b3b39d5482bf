// The rule files and folders a command was given, without repeats: the same folder
// twice, or a file inside a folder also given, would load its rules twice and refuse
// the copies as duplicate ids.
#pragma once

#include <string>
#include <vector>

namespace vigil {

// Keeps the first of equal paths and drops paths inside another given folder; order
// and spelling of the kept ones are as given.
std::vector<std::string> distinct_rule_paths(const std::vector<std::string>& paths);

}  // namespace vigil
