#include "server/api.h"

#include <gtest/gtest.h>

namespace vigil {

TEST(Api, ErrorMessageOfAnErrorAnswer) {
  EXPECT_EQ(api_error_message(R"({"error":"col 19: expected a field name after 'by'"})"),
            "col 19: expected a field name after 'by'");
  EXPECT_EQ(api_error_message(R"({"error":"a \"quoted\" word"})"), "a \"quoted\" word");
  // Not an error answer: the body as it is.
  EXPECT_EQ(api_error_message("<html>502 Bad Gateway</html>"), "<html>502 Bad Gateway</html>");
  EXPECT_EQ(api_error_message(R"({"message":"x"})"), R"({"message":"x"})");
  EXPECT_EQ(api_error_message(R"({"error":42})"), R"({"error":42})");
}

}  // namespace vigil
