// Loading parser packs from YAML (content/parsers/*.yaml; format in docs/parsers.md).
// A broken pack is refused with "file:line: reason" and never stops the others.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/pack.h"

namespace vigil {

struct PackLoad {
  std::vector<std::shared_ptr<const Pack>> packs;
  std::vector<std::string> refusals;  // "content/parsers/x.yaml:12: unknown extractor 'kvv'"
};

// One pack from YAML text; `file` names it in messages. Appends to `into`.
void load_pack_text(std::string_view yaml, const std::string& file, PackLoad& into);
// Every *.yaml / *.yml in `dir` (not recursive), in name order. A missing directory is
// one refusal. Pack names must be unique: a second pack with a name is refused.
PackLoad load_pack_dir(const std::string& dir);

// The project's parser packs: $VIGIL_CONTENT/parsers, else content/parsers next to the
// binary's source tree (as default_content_dir() of detect does).
std::string default_parsers_dir();

}  // namespace vigil
