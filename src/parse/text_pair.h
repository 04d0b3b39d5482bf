// TextPair: one extracted key and its value, as views into the input text or into
// the scratch arena when the value had to be unescaped.
#pragma once

#include <string_view>

namespace vigil {

struct TextPair {
  std::string_view key;
  std::string_view value;
};

}  // namespace vigil
