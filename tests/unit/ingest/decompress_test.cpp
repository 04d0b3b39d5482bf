// Tests of HTTP body decompression: round trips through zlib and zstd, multi-member
// and multi-frame bodies, bombs stopped at the limit, corrupt and truncated input.
#include "ingest/decompress.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

namespace vigil {
namespace {

std::string gzip(std::string_view data, int level = 6) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd_frame(std::string_view data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A frame written by the streaming API without a pledged size: no content size in
// its header, as produced by streaming clients.
std::string zstd_stream(std::string_view data) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(data.size()) + 128, '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  for (size_t pos = 0; pos < data.size(); pos += 65536) {  // fed in pieces, as a client streams
    std::string_view piece = data.substr(pos, 65536);
    ZSTD_inBuffer in{piece.data(), piece.size(), 0};
    while (in.pos < in.size) EXPECT_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_continue)));
  }
  ZSTD_inBuffer none{nullptr, 0, 0};
  size_t rc;
  do {
    rc = ZSTD_compressStream2(cctx, &ob, &none, ZSTD_e_end);
    EXPECT_FALSE(ZSTD_isError(rc));
  } while (rc != 0);
  ZSTD_freeCCtx(cctx);
  out.resize(ob.pos);
  EXPECT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  return out;
}

std::string sample(size_t n) {
  std::mt19937 rng(42);
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    s += "{\"time\":" + std::to_string(1700000000000 + rng() % 100000) + ",\"user\":\"u" +
         std::to_string(rng() % 50) + "\"}\n";
  }
  s.resize(n);
  return s;
}

TEST(Decompress, IdentityPassesThrough) {
  for (std::string_view enc : {"", "identity", "IDENTITY", " identity "}) {
    auto r = decompress_body("{\"a\":1}\n", enc, 100);
    ASSERT_TRUE(r.ok()) << enc << ": " << r.error();
    EXPECT_EQ(*r, "{\"a\":1}\n");
  }
  auto big = decompress_body(std::string(101, 'x'), "", 100);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error(), "decompressed body exceeds 100 bytes");
}

TEST(Decompress, GzipRoundTrip) {
  for (size_t n : {size_t{1}, size_t{1000}, size_t{70'000}, size_t{3'000'000}}) {
    std::string data = sample(n);
    for (std::string_view enc : {"gzip", "x-gzip", "GZip"}) {
      auto r = decompress_body(gzip(data), enc, 10'000'000);
      ASSERT_TRUE(r.ok()) << n << " " << enc << ": " << r.error();
      EXPECT_EQ(*r, data);
    }
  }
}

TEST(Decompress, GzipMultiMember) {
  std::string a = sample(5000), b = sample(300), c = "tail\n";
  auto r = decompress_body(gzip(a) + gzip(b, 1) + gzip(c, 9), "gzip", 1 << 20);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, a + b + c);
}

TEST(Decompress, ZstdRoundTripWithAndWithoutContentSize) {
  for (size_t n : {size_t{1}, size_t{1000}, size_t{200'000}, size_t{3'000'000}}) {
    std::string data = sample(n);
    auto r1 = decompress_body(zstd_frame(data), "zstd", 10'000'000);
    ASSERT_TRUE(r1.ok()) << r1.error();
    EXPECT_EQ(*r1, data);
    auto r2 = decompress_body(zstd_stream(data), "ZSTD", 10'000'000);
    ASSERT_TRUE(r2.ok()) << r2.error();
    EXPECT_EQ(*r2, data);
  }
}

TEST(Decompress, ZstdMultipleFrames) {
  std::string a = sample(10'000), b = sample(777);
  auto r = decompress_body(zstd_frame(a) + zstd_stream(b) + zstd_frame(""), "zstd", 1 << 20);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, a + b);
}

TEST(Decompress, ExactlyAtTheLimitIsAccepted) {
  std::string data = sample(4096);
  auto g = decompress_body(gzip(data), "gzip", 4096);
  ASSERT_TRUE(g.ok()) << g.error();
  EXPECT_EQ(*g, data);
  auto z = decompress_body(zstd_stream(data), "zstd", 4096);
  ASSERT_TRUE(z.ok()) << z.error();
  EXPECT_EQ(*z, data);
  EXPECT_EQ(decompress_body(gzip(data), "gzip", 4095).error(), "decompressed body exceeds 4095 bytes");
  EXPECT_EQ(decompress_body(zstd_stream(data), "zstd", 4095).error(), "decompressed body exceeds 4095 bytes");
}

TEST(Decompress, BombsStopAtTheLimit) {
  // 1 GiB of zeros compresses to about 1 MiB (gzip) or a few tens of KiB (zstd);
  // decoding must stop at the 8 MiB limit instead of allocating the whole of it.
  std::string zeros(64 << 20, '\0');
  std::string g = gzip(zeros, 9);
  std::string gbomb;
  for (int i = 0; i < 16; ++i) gbomb += g;  // 16 members x 64 MiB
  auto r = decompress_body(gbomb, "gzip", 8 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "decompressed body exceeds 8388608 bytes");

  std::string z = zstd_stream(zeros);
  std::string zbomb;
  for (int i = 0; i < 16; ++i) zbomb += z;
  EXPECT_LT(zbomb.size(), 200'000u);
  auto rz = decompress_body(zbomb, "zstd", 8 << 20);
  ASSERT_FALSE(rz.ok());
  EXPECT_EQ(rz.error(), "decompressed body exceeds 8388608 bytes");
  // A frame that declares its (huge) content size is stopped the same way.
  auto rf = decompress_body(zstd_frame(zeros), "zstd", 1 << 20);
  ASSERT_FALSE(rf.ok());
  EXPECT_EQ(rf.error(), "decompressed body exceeds 1048576 bytes");
}

TEST(Decompress, CorruptInput) {
  auto g = decompress_body("this is not gzip at all", "gzip", 1 << 20);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().rfind("corrupt gzip body: ", 0), 0u) << g.error();

  std::string data = sample(20'000);
  std::string bad = gzip(data);
  bad[bad.size() / 2] ^= 0x55;
  bad[bad.size() / 2 + 1] ^= 0x55;
  auto g2 = decompress_body(bad, "gzip", 1 << 20);
  ASSERT_FALSE(g2.ok());
  EXPECT_EQ(g2.error().rfind("corrupt gzip body: ", 0), 0u) << g2.error();

  // A good member followed by garbage.
  auto g3 = decompress_body(gzip(data) + "garbage", "gzip", 1 << 20);
  ASSERT_FALSE(g3.ok());
  EXPECT_EQ(g3.error().rfind("corrupt gzip body: ", 0), 0u) << g3.error();

  auto z = decompress_body("this is not zstd", "zstd", 1 << 20);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().rfind("corrupt zstd body: ", 0), 0u) << z.error();

  std::string zbad = zstd_frame(data);
  for (size_t i = 20; i < zbad.size(); i += 7) zbad[i] ^= 0x5a;
  auto z2 = decompress_body(zbad, "zstd", 1 << 20);
  ASSERT_FALSE(z2.ok());
  EXPECT_EQ(z2.error().rfind("corrupt zstd body: ", 0), 0u) << z2.error();
}

TEST(Decompress, TruncatedInput) {
  std::string data = sample(50'000);
  std::string g = gzip(data);
  for (size_t cut : {size_t{5}, g.size() / 2, g.size() - 4, g.size() - 1}) {
    auto r = decompress_body(std::string_view(g).substr(0, cut), "gzip", 1 << 20);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error(), "gzip body is truncated") << cut;
  }
  std::string z = zstd_stream(data);
  for (size_t cut : {size_t{3}, z.size() / 2, z.size() - 1}) {
    auto r = decompress_body(std::string_view(z).substr(0, cut), "zstd", 1 << 20);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error(), "zstd body is truncated") << cut;
  }
}

TEST(Decompress, UnknownEncoding) {
  auto r = decompress_body("x", "br", 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unsupported Content-Encoding 'br' (use gzip, zstd or identity)");
  EXPECT_EQ(decompress_body("x", "gzip, zstd", 100).error(),
            "unsupported Content-Encoding 'gzip, zstd' (use gzip, zstd or identity)");
  EXPECT_EQ(decompress_body("x", "deflate", 100).error(),
            "unsupported Content-Encoding 'deflate' (use gzip, zstd or identity)");
}

TEST(Decompress, ReportsTheKindOfFailure) {
  BodyError why = BodyError::Corrupt;
  ASSERT_TRUE(decompress_body(gzip("fine"), "gzip", 100, &why).ok());
  EXPECT_EQ(why, BodyError::None);
  EXPECT_FALSE(decompress_body("x", "br", 100, &why).ok());
  EXPECT_EQ(why, BodyError::UnsupportedEncoding);
  EXPECT_FALSE(decompress_body(gzip(sample(5000)), "gzip", 100, &why).ok());
  EXPECT_EQ(why, BodyError::TooLarge);
  EXPECT_FALSE(decompress_body(zstd_frame(sample(5000)), "zstd", 100, &why).ok());
  EXPECT_EQ(why, BodyError::TooLarge);
  EXPECT_FALSE(decompress_body(std::string(200, 'x'), "identity", 100, &why).ok());
  EXPECT_EQ(why, BodyError::TooLarge);
  EXPECT_FALSE(decompress_body("not gzip", "gzip", 100, &why).ok());
  EXPECT_EQ(why, BodyError::Corrupt);
  EXPECT_FALSE(decompress_body("not zstd", "zstd", 100, &why).ok());
  EXPECT_EQ(why, BodyError::Corrupt);
}

TEST(Decompress, EmptyBodyIsEmptyForAnyKnownEncoding) {
  for (std::string_view enc : {"", "gzip", "zstd"}) {
    auto r = decompress_body("", enc, 100);
    ASSERT_TRUE(r.ok()) << enc;
    EXPECT_EQ(*r, "");
  }
}

TEST(Decompress, ZeroLimit) {
  EXPECT_EQ(decompress_body(gzip("a"), "gzip", 0).error(), "decompressed body exceeds 0 bytes");
  auto empty = decompress_body(gzip(""), "gzip", 0);
  ASSERT_TRUE(empty.ok()) << empty.error();
  EXPECT_EQ(*empty, "");
}

}  // namespace
}  // namespace vigil
