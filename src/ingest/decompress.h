// HTTP request body decompression for the ingest endpoints (NDJSON, HEC-style, agent
// batches): Content-Encoding gzip or zstd, bounded so that a small compressed body
// (a "zip bomb") cannot expand past the limit or exhaust memory while decoding.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil {

// Decodes `body` by its Content-Encoding header value: "" or "identity" (returned as
// is), "gzip" / "x-gzip" (one or more gzip members), "zstd" (one or more frames, with
// or without a content size). Names are case-insensitive; surrounding blanks ignored.
// Errors: "unsupported Content-Encoding 'br' (use gzip, zstd or identity)",
// "decompressed body exceeds N bytes" (checked while decoding, never after), and a
// message naming the encoding for corrupt or truncated input. An empty body decodes
// to an empty result whatever the encoding.
// `why`, when given, tells callers the kind of failure without reading the message
// (the HTTP API answers 415, 413 and 400 for them).
enum class BodyError { None, UnsupportedEncoding, TooLarge, Corrupt };
Result<std::string> decompress_body(std::string_view body, std::string_view content_encoding,
                                    size_t max_output_bytes, BodyError* why = nullptr);

}  // namespace vigil
