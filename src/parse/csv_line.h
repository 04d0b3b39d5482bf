// One CSV record on one line (Palo Alto, pfSense filterlog): fields split by a
// delimiter, optionally "quoted" with "" for a quote inside.
#pragma once

#include <string_view>
#include <vector>

#include "core/arena.h"

namespace vigil {

// Appends the fields of `line` to `out`. Quoted fields with "" are unescaped into
// `scratch`. Returns false when a quote never closes (the field runs to the end).
bool split_csv(std::string_view line, char delimiter, Arena& scratch, std::vector<std::string_view>& out);

}  // namespace vigil
