// WAL records and the recovery reader: torn tails versus corruption of acknowledged data.
#include "store/wal.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/crc32c.h"

namespace vigil {
namespace {

TEST(Crc32c, StandardCheckValues) {
  EXPECT_EQ(crc32c::value("123456789"), 0xe3069283u);
  EXPECT_EQ(crc32c::value(""), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::value(zeros), 0x8a9136aau);  // RFC 3720 B.4
  // Unaligned tails go through the byte path; the result must not depend on the split.
  std::string s = "The quick brown fox jumps over the lazy dog, twice over.";
  EXPECT_EQ(crc32c::extend(crc32c::extend(0, s.data(), 13), s.data() + 13, s.size() - 13), crc32c::value(s));
  EXPECT_EQ(crc32c::unmask(crc32c::mask(0x12345678u)), 0x12345678u);
}

std::string three_records(std::vector<size_t>* offsets = nullptr) {
  std::string out;
  for (std::string p : {"first payload", "second, a little longer payload", "third"}) {
    if (offsets) offsets->push_back(out.size());
    wal::append_record(out, p);
  }
  return out;
}

std::vector<std::string> read_all(std::string_view data, Result<wal::ReadResult>* result) {
  std::vector<std::string> got;
  *result = wal::read_records(data, "test.log", [&](std::string_view p, uint64_t) {
    got.emplace_back(p);
    return Status();
  });
  return got;
}

TEST(Wal, RoundTrip) {
  std::string data = three_records();
  Result<wal::ReadResult> r = Status::error("unset");
  auto got = read_all(data, &r);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(got, (std::vector<std::string>{"first payload", "second, a little longer payload", "third"}));
  EXPECT_EQ(r->valid_bytes, data.size());
  EXPECT_EQ(r->records, 3u);
}

TEST(Wal, EveryTruncationIsATornTail) {
  std::vector<size_t> offsets;
  std::string data = three_records(&offsets);
  for (size_t n = 0; n < data.size(); ++n) {
    Result<wal::ReadResult> r = Status::error("unset");
    auto got = read_all(std::string_view(data).substr(0, n), &r);
    ASSERT_TRUE(r.ok()) << "prefix " << n << ": " << r.error();
    size_t whole = 0;
    while (whole + 1 < offsets.size() && offsets[whole + 1] <= n) ++whole;
    EXPECT_EQ(got.size(), whole) << "prefix " << n;
    EXPECT_EQ(r->valid_bytes, offsets[whole]) << "prefix " << n;
  }
}

TEST(Wal, GarbageOrZerosAfterTheLastRecordAreATornTail) {
  std::string data = three_records();
  for (std::string tail : {std::string(4096, '\0'), std::string("\x07garbage\xff\xfe bytes of a half write")}) {
    Result<wal::ReadResult> r = Status::error("unset");
    auto got = read_all(data + tail, &r);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(got.size(), 3u);
    EXPECT_EQ(r->valid_bytes, data.size());
    EXPECT_EQ(r->file_bytes, data.size() + tail.size());
  }
}

TEST(Wal, DamageBeforeAnIntactRecordIsAnError) {
  std::vector<size_t> offsets;
  std::string clean = three_records(&offsets);
  // Flip one byte anywhere in the first two records: the third is intact after it.
  for (size_t i = 0; i < offsets[2]; ++i) {
    std::string data = clean;
    data[i] ^= 0x20;
    Result<wal::ReadResult> r = Status::error("unset");
    read_all(data, &r);
    ASSERT_FALSE(r.ok()) << "flipped byte " << i;
    size_t damaged = i < offsets[1] ? 0 : offsets[1];
    EXPECT_NE(r.error().find("test.log is corrupt at offset " + std::to_string(damaged)), std::string::npos)
        << r.error();
  }
}

}  // namespace
}  // namespace vigil
