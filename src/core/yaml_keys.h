// Reading YAML configuration the same way everywhere: an unknown key is an error that
// names it and lists the keys that are allowed; a bad value names its key and line.
// Include only where YAML is read (yaml-cpp is heavy).
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "core/status.h"

namespace vigil {

// `where` is the dotted path of `node` ("" at the top): errors say "unknown key 'a.b'".
inline Status check_yaml_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) return Status::error((where.empty() ? std::string("the file") : "'" + where + "'") + ": expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Status::error("unknown key '" + (where.empty() ? key : where + "." + key) + "' at line " +
                           std::to_string(kv.first.Mark().line + 1) + " (expected one of: " + list + ")");
    }
  }
  return {};
}

// Reads node into out when the node is there; `key` is its dotted path for the error.
template <typename T>
Status read_yaml(const YAML::Node& node, const std::string& key, T& out) {
  if (!node) return {};
  try {
    out = node.as<T>();
  } catch (const YAML::Exception&) {
    return Status::error("key '" + key + "' at line " + std::to_string(node.Mark().line + 1) + ": bad value '" +
                         (node.IsScalar() ? node.Scalar() : std::string("(not a single value)")) + "'");
  }
  return {};
}

}  // namespace vigil
