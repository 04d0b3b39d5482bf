// Glob patterns of names (tenants, inputs, Sigma search identifiers): `*` matches
// any run of characters (also none), `?` exactly one; everything else literally,
// case-sensitive.
#pragma once

#include <string_view>

namespace vigil {

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace vigil
