// The collectors a config's `collectors:` section asks for, each built from its own
// keys (an unknown key or a bad value is an error naming it, like the rest of the
// config). docs/agent.md lists every collector and its keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <vector>

#include "agent/collector.h"
#include "core/status.h"

namespace vigil {

Result<std::vector<std::unique_ptr<Collector>>> make_collectors(const YAML::Node& section);

}  // namespace vigil
