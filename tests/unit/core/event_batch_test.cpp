#include "core/event_batch.h"

#include <gtest/gtest.h>

#include "core/batch_codec.h"

namespace vigil {

namespace {
EventBatch sample_batch() {
  EventBatch b;
  FieldId user = field_id("actor.user.name"), ip = field_id("src_endpoint.ip"),
          port = field_id("src_endpoint.port"), ok = field_id("test.ok"), f = field_id("test.score"),
          t = field_id("time");
  for (int i = 0; i < 3; ++i) {
    std::string raw = "line " + std::to_string(i);
    b.begin_event({.receive_time = 1000 + i, .raw = raw, .source = "127.0.0.1:9", .input = "test"});
    b.add_string(user, "alice");
    b.add_ip(ip, *IpAddress::parse(i == 1 ? "::1" : "10.1.2.3"));
    b.add_int(port, -22 - i);
    b.add_bool(ok, i % 2 == 0);
    b.add_float(f, 0.5 * i);
    b.add_time(t, 5000 + i);
    b.set_time(5000 + i);
    if (i == 2) b.set_parse_error("bad things");
    b.end_event();
  }
  return b;
}
}  // namespace

TEST(EventBatch, BuildAndFind) {
  EventBatch b = sample_batch();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].raw, "line 0");
  EXPECT_EQ(b[0].field_count, 6u);
  const Value* v = b.find(b[1], field_id("src_endpoint.ip"));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->to_string(), "::1");
  EXPECT_EQ(b.find(b[1], field_id("nope")), nullptr);
  EXPECT_EQ(b.min_time(), 5000);
  EXPECT_EQ(b.max_time(), 5002);
  EXPECT_TRUE(b[2].flags & kFlagParseError);
  EXPECT_EQ(b[2].parse_error, "bad things");
  EXPECT_EQ(b[0].tenant, "default");
}

TEST(BatchCodec, RoundTrip) {
  EventBatch b = sample_batch();
  std::string bytes;
  encode_batch(b, bytes);
  auto d = decode_batch(bytes);
  ASSERT_TRUE(d.ok()) << d.error();
  ASSERT_EQ(d->size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ((*d)[i].raw, b[i].raw);
    EXPECT_EQ((*d)[i].time, b[i].time);
    EXPECT_EQ((*d)[i].receive_time, b[i].receive_time);
    EXPECT_EQ((*d)[i].flags, b[i].flags);
    EXPECT_EQ((*d)[i].parse_error, b[i].parse_error);
    auto fa = b.fields(b[i]);
    auto fb = d->fields((*d)[i]);
    ASSERT_EQ(fa.size(), fb.size());
    for (size_t j = 0; j < fa.size(); ++j) {
      EXPECT_EQ(fa[j].id, fb[j].id);
      EXPECT_EQ(fa[j].value.type, fb[j].value.type);
      EXPECT_EQ(fa[j].value.to_string(), fb[j].value.to_string());
    }
  }
}

TEST(BatchCodec, RejectsEveryTruncation) {
  EventBatch b = sample_batch();
  std::string bytes;
  encode_batch(b, bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_batch(std::string_view(bytes).substr(0, n)).ok()) << "prefix " << n;
  }
}

TEST(FieldDictionary, RefusesOverlongNamesAndCountsThem) {
  FieldDictionary dict;
  EXPECT_EQ(dict.intern("a.b"), dict.intern("a.b"));
  std::string long_name(FieldDictionary::kMaxNameBytes + 1, 'x');
  EXPECT_EQ(dict.intern(long_name), kNoField);
  EXPECT_EQ(dict.refused(), 1u);
  EXPECT_NE(dict.intern(long_name.substr(1)), kNoField);

  EventBatch b;
  b.begin_event({.raw = "x"});
  b.add_string(kNoField, "dropped");
  b.add_int(kNoField, 1);
  b.add_int(field_id("kept"), 2);
  b.end_event();
  EXPECT_EQ(b[0].field_count, 1u);
}

TEST(IpAddress, ParseAndNetworks) {
  auto a = IpAddress::parse("192.168.1.77");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4);
  EXPECT_EQ(a->to_string(), "192.168.1.77");
  EXPECT_TRUE(a->in_network(*IpAddress::parse("192.168.0.0"), 16));
  EXPECT_FALSE(a->in_network(*IpAddress::parse("192.169.0.0"), 16));
  EXPECT_TRUE(a->in_network(*IpAddress::parse("192.168.1.64"), 26));
  EXPECT_FALSE(a->in_network(*IpAddress::parse("::"), 0));
  auto b = IpAddress::parse("[2001:db8::1]");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->is_v4);
  EXPECT_EQ(b->to_string(), "2001:db8::1");
  EXPECT_TRUE(b->in_network(*IpAddress::parse("2001:db8::"), 32));
  EXPECT_FALSE(IpAddress::parse("999.1.1.1"));
  EXPECT_FALSE(IpAddress::parse("host.example"));
}

TEST(Arena, LargeAndSmall) {
  Arena a(1024);
  std::string big(5000, 'x');
  auto s1 = a.copy("hello");
  auto s2 = a.copy(big);
  auto s3 = a.copy("world");
  EXPECT_EQ(s1, "hello");
  EXPECT_EQ(s2, big);
  EXPECT_EQ(s3, "world");
  char* p = a.allocate(8, 8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
}

}  // namespace vigil
