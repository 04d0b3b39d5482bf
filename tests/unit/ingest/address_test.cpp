#include "ingest/address.h"

#include <gtest/gtest.h>

namespace vigil {

TEST(Address, ParsesHostPortForms) {
  auto a = parse_host_port("127.0.0.1:5514");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 5514);
  auto b = parse_host_port("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(format_host_port(*b), "[::1]:0");
  auto c = parse_host_port(":514");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "0.0.0.0");
}

TEST(Address, RejectsWithReason) {
  EXPECT_NE(parse_host_port("127.0.0.1").error().find("missing port"), std::string::npos);
  EXPECT_NE(parse_host_port("h:99999").error().find("0 to 65535"), std::string::npos);
  EXPECT_NE(parse_host_port("::1:80").error().find("brackets"), std::string::npos);
  EXPECT_FALSE(parse_host_port("[::1]").ok());
  EXPECT_FALSE(parse_host_port("h:8x").ok());
}

}  // namespace vigil
