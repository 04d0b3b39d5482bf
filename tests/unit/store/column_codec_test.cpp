// Column chunks: every type and encoding round-trips, and damaged chunks are errors.
#include "store/column_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace vigil::column {
namespace {

struct Chunk {
  std::vector<uint32_t> rows;
  std::vector<Value> values;
};

// Encodes `c` over `n` rows and decodes it back; returns the bytes for inspection.
std::string round_trip(FieldType type, uint32_t n, const Chunk& c, const RowContext& ctx = {},
                       bool* uses_raw_out = nullptr) {
  std::string bytes;
  ChunkStats st;
  bool uses_raw = false;
  encode_chunk(type, n, c.rows, c.values, ctx, bytes, st, uses_raw);
  if (uses_raw_out) *uses_raw_out = uses_raw;
  EXPECT_EQ(st.present, c.values.size());
  std::vector<uint8_t> present;
  std::vector<Value> values;
  Status s = decode_chunk(type, bytes, n, ctx, present, values);
  EXPECT_TRUE(s.ok()) << s.message();
  size_t k = 0;
  for (uint32_t r = 0; r < n; ++r) {
    bool want = k < c.rows.size() && c.rows[k] == r;
    EXPECT_EQ(present[r] != 0, want) << "row " << r;
    if (!want) continue;
    const Value& a = c.values[k++];
    const Value& b = values[r];
    EXPECT_EQ(a.type, b.type);
    switch (type) {
      case FieldType::String: EXPECT_EQ(a.as_string(), b.as_string()); break;
      case FieldType::Float64: EXPECT_EQ(a.f64, b.f64); break;
      case FieldType::Bool: EXPECT_EQ(a.b, b.b); break;
      case FieldType::Ip: EXPECT_EQ(a.as_ip(), b.as_ip()); break;
      default: EXPECT_EQ(a.i64, b.i64); break;
    }
  }
  return bytes;
}

TEST(ColumnCodec, IntegersAllPresentAndSparse) {
  Chunk all, sparse;
  for (uint32_t r = 0; r < 100; ++r) {
    all.rows.push_back(r);
    all.values.push_back(Value::int64(r % 7 == 0 ? INT64_MIN : static_cast<int64_t>(r) * 1000 - 5));
    if (r % 3 == 0) {
      sparse.rows.push_back(r);
      sparse.values.push_back(Value::int64(INT64_MAX - r));
    }
  }
  round_trip(FieldType::Int64, 100, all);
  round_trip(FieldType::Int64, 100, sparse);
  round_trip(FieldType::Int64, 100, Chunk{});
}

TEST(ColumnCodec, TimestampsAgainstEventTimeOrAsDeltas) {
  std::vector<TimeNs> times;
  Chunk same, receive;
  for (uint32_t r = 0; r < 1000; ++r) {
    times.push_back(1'700'000'000'000'000'000 + r * 1'000'000'000ll);
    same.rows.push_back(r);
    same.values.push_back(Value::timestamp(times.back()));
    receive.rows.push_back(r);
    receive.values.push_back(Value::timestamp(1'800'000'000'000'000'000));  // constant, far from event time
  }
  RowContext ctx{times, {}};
  std::string against = round_trip(FieldType::Timestamp, 1000, same, ctx);
  EXPECT_EQ(against[1], 1);  // offsets from the event time: all zero
  EXPECT_LT(against.size(), 1100u);
  std::string chain = round_trip(FieldType::Timestamp, 1000, receive, ctx);
  EXPECT_EQ(chain[1], 0);  // a delta chain of a constant is smaller
  // Offsets without the event times are an error, not garbage.
  std::vector<uint8_t> present;
  std::vector<Value> values;
  EXPECT_FALSE(decode_chunk(FieldType::Timestamp, against, 1000, {}, present, values).ok());
}

TEST(ColumnCodec, FloatsBoolsIps) {
  Chunk f, b, v4, mixed;
  for (uint32_t r = 0; r < 50; ++r) {
    f.rows.push_back(r);
    f.values.push_back(Value::float64(r * 0.25 - 3));
    b.rows.push_back(r);
    b.values.push_back(Value::boolean(r % 3 == 0));
    v4.rows.push_back(r);
    v4.values.push_back(Value::ip_address(IpAddress::v4(10, 0, static_cast<uint8_t>(r), 1)));
    mixed.rows.push_back(r);
    mixed.values.push_back(Value::ip_address(r % 2 ? *IpAddress::parse("fe80::1") : IpAddress::v4(1, 2, 3, 4)));
  }
  round_trip(FieldType::Float64, 50, f);
  round_trip(FieldType::Bool, 50, b);
  std::string packed = round_trip(FieldType::Ip, 50, v4);
  EXPECT_LT(packed.size(), 50u * 4 + 8);  // 4 bytes an IPv4 address
  round_trip(FieldType::Ip, 50, mixed);
}

TEST(ColumnCodec, StringsDictionaryPlainAndRawSlices) {
  std::vector<std::string> storage;
  for (int i = 0; i < 200; ++i) storage.push_back("unique value number " + std::to_string(i * 7919));
  Chunk low, high;
  for (uint32_t r = 0; r < 200; ++r) {
    low.rows.push_back(r);
    low.values.push_back(Value::string(r % 2 ? "sshd" : "CRON"));
    high.rows.push_back(r);
    high.values.push_back(Value::string(storage[r]));
  }
  std::string dict = round_trip(FieldType::String, 200, low);
  EXPECT_EQ(dict[1], 1);
  std::string plain = round_trip(FieldType::String, 200, high);
  EXPECT_EQ(plain[1], 0);

  // Values cut out of the raw text are stored as references into it.
  std::vector<std::string> raws_storage;
  std::vector<std::string_view> raws;
  for (int i = 0; i < 200; ++i) raws_storage.push_back("host sshd[" + std::to_string(i) + "]: message " + std::to_string(i));
  for (const auto& s : raws_storage) raws.push_back(s);
  Chunk slices;
  for (uint32_t r = 0; r < 200; ++r) {
    slices.rows.push_back(r);
    std::string_view raw = raws[r];
    slices.values.push_back(Value::string(r == 5 ? std::string_view("not a slice") : raw.substr(raw.find("message"))));
  }
  bool uses_raw = false;
  std::string refs = round_trip(FieldType::String, 200, slices, RowContext{{}, raws}, &uses_raw);
  EXPECT_TRUE(uses_raw);
  EXPECT_EQ(refs[1], 2);
  std::vector<uint8_t> present;
  std::vector<Value> values;
  EXPECT_FALSE(decode_chunk(FieldType::String, refs, 200, {}, present, values).ok());
}

TEST(ColumnCodec, DamagedChunksAreErrorsNeverCrashes) {
  Chunk c;
  for (uint32_t r = 0; r < 64; r += 2) {
    c.rows.push_back(r);
    c.values.push_back(Value::string(r % 4 ? "a" : "bb"));
  }
  std::string bytes;
  ChunkStats st;
  bool uses_raw;
  encode_chunk(FieldType::String, 64, c.rows, c.values, {}, bytes, st, uses_raw);
  std::mt19937 rng(7);
  std::vector<uint8_t> present;
  std::vector<Value> values;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_chunk(FieldType::String, bytes.substr(0, cut), 64, {}, present, values).ok()) << cut;
  }
  for (int i = 0; i < 2000; ++i) {
    std::string b = bytes;
    b[rng() % b.size()] = static_cast<char>(rng());
    (void)decode_chunk(static_cast<FieldType>(rng() % 6), b, 64, {}, present, values);  // must not crash
  }
}

}  // namespace
}  // namespace vigil::column
