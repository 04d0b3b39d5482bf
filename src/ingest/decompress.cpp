// Bounded gzip / zstd decoding of HTTP bodies (see decompress.h). Output grows in
// steps and the decoder is never handed room past max_output_bytes + 1, so a bomb
// costs at most the limit in memory and is stopped as soon as it crosses it.
#include "ingest/decompress.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace vigil {
namespace {

constexpr size_t kFirstChunk = 64 * 1024;

// The output buffer: `data` holds `produced` decoded bytes and spare room after them.
struct Output {
  std::string data;
  size_t produced = 0;
  size_t cap;  // max_output_bytes + 1: one byte past the limit is how we see it crossed

  explicit Output(size_t max_output_bytes, size_t input_size)
      : cap(max_output_bytes == SIZE_MAX ? SIZE_MAX : max_output_bytes + 1) {
    data.resize(std::min(cap, std::max(kFirstChunk, input_size / 2 * 4)));
  }
  // Makes room for more output; false when the limit leaves none.
  bool grow() {
    if (produced < data.size()) return true;
    if (data.size() >= cap) return false;
    data.resize(data.size() > cap / 2 ? cap : std::max(kFirstChunk, data.size() * 2));
    return true;
  }
  bool over(size_t max_output_bytes) const { return produced > max_output_bytes; }
  std::string take() {
    data.resize(produced);
    return std::move(data);
  }
};

Status too_big(size_t max_output_bytes, BodyError& why) {
  why = BodyError::TooLarge;
  return Status::error("decompressed body exceeds " + std::to_string(max_output_bytes) + " bytes");
}

Result<std::string> gunzip(std::string_view body, size_t max_output_bytes, BodyError& why) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Status::error("gzip: cannot initialise zlib");  // 16: gzip header
  std::unique_ptr<z_stream, int (*)(z_streamp)> guard(&zs, inflateEnd);
  Output out(max_output_bytes, body.size());
  const unsigned char* in = reinterpret_cast<const unsigned char*>(body.data());
  size_t in_left = body.size();
  for (;;) {
    if (!out.grow()) return too_big(max_output_bytes, why);
    // zlib counts in uInt: feed and drain at most UINT_MAX bytes per call.
    uInt in_now = static_cast<uInt>(std::min<size_t>(in_left, UINT_MAX));
    uInt out_now = static_cast<uInt>(std::min<size_t>(out.data.size() - out.produced, UINT_MAX));
    zs.next_in = const_cast<unsigned char*>(in);
    zs.avail_in = in_now;
    zs.next_out = reinterpret_cast<unsigned char*>(out.data.data() + out.produced);
    zs.avail_out = out_now;
    int rc = inflate(&zs, Z_NO_FLUSH);
    in += in_now - zs.avail_in;
    in_left -= in_now - zs.avail_in;
    out.produced += out_now - zs.avail_out;
    if (out.over(max_output_bytes)) return too_big(max_output_bytes, why);
    switch (rc) {
      case Z_STREAM_END:
        if (in_left == 0) return out.take();
        inflateReset(&zs);  // another gzip member follows (multi-member stream)
        break;
      case Z_OK:
        break;
      case Z_BUF_ERROR:  // no progress: out of input (truncated) or of output (grow)
        if (zs.avail_out != 0) return Status::error("gzip body is truncated");
        break;
      case Z_MEM_ERROR:
        return Status::error("gzip: out of memory");
      default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
        return Status::error(std::string("corrupt gzip body: ") + (zs.msg ? zs.msg : "invalid data"));
    }
    if (rc == Z_OK && in_left == 0 && zs.avail_out != 0) return Status::error("gzip body is truncated");
  }
}

// Window memory limit: enough for every standard level (8 MiB) and for any window the
// allowed output could need, never past zstd's own default cap of 128 MiB.
int window_log_max(size_t max_output_bytes) {
  constexpr int kZstdDefaultLimit = 27;  // ZSTD_WINDOWLOG_LIMIT_DEFAULT (static-linking-only API)
  int bits = 23;
  while (bits < kZstdDefaultLimit && (size_t{1} << bits) < max_output_bytes) ++bits;
  return bits;
}

Result<std::string> unzstd(std::string_view body, size_t max_output_bytes, BodyError& why) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::error("zstd: out of memory");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log_max(max_output_bytes));
  Output out(max_output_bytes, body.size());
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  for (;;) {
    if (!out.grow()) return too_big(max_output_bytes, why);
    ZSTD_outBuffer ob{out.data.data() + out.produced, out.data.size() - out.produced, 0};
    size_t rc = ZSTD_decompressStream(dctx.get(), &ob, &in);
    if (ZSTD_isError(rc)) {
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
        return Status::error("zstd frame needs a window larger than the body limit allows");
      return Status::error(std::string("corrupt zstd body: ") + ZSTD_getErrorName(rc));
    }
    out.produced += ob.pos;
    if (out.over(max_output_bytes)) return too_big(max_output_bytes, why);
    if (in.pos == in.size) {
      if (rc == 0) return out.take();  // every frame complete (0 = frame done and flushed)
      if (ob.pos < ob.size) return Status::error("zstd body is truncated");
    }
  }
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

}  // namespace

Result<std::string> decompress_body(std::string_view body, std::string_view content_encoding,
                                    size_t max_output_bytes, BodyError* why_out) {
  BodyError local;
  BodyError& why = why_out ? *why_out : local;
  why = BodyError::None;
  std::string_view enc = content_encoding;
  while (!enc.empty() && (enc.front() == ' ' || enc.front() == '\t')) enc.remove_prefix(1);
  while (!enc.empty() && (enc.back() == ' ' || enc.back() == '\t')) enc.remove_suffix(1);

  enum { kIdentity, kGzip, kZstd } kind;
  if (enc.empty() || iequals(enc, "identity")) kind = kIdentity;
  else if (iequals(enc, "gzip") || iequals(enc, "x-gzip")) kind = kGzip;
  else if (iequals(enc, "zstd")) kind = kZstd;
  else {
    std::string shown(enc.substr(0, 64));
    if (enc.size() > 64) shown += "...";
    why = BodyError::UnsupportedEncoding;
    return Status::error("unsupported Content-Encoding '" + shown + "' (use gzip, zstd or identity)");
  }

  if (body.empty()) return std::string();
  Result<std::string> out = Status::error("unreachable");
  switch (kind) {
    case kIdentity:
      if (body.size() > max_output_bytes) return too_big(max_output_bytes, why);
      return std::string(body);
    case kGzip:
      out = gunzip(body, max_output_bytes, why);
      break;
    case kZstd:
      out = unzstd(body, max_output_bytes, why);
      break;
  }
  if (!out.ok() && why == BodyError::None) why = BodyError::Corrupt;
  return out;
}

}  // namespace vigil
