// The agent protocol's codecs (see agent_protocol.h): JSON messages written by a small
// writer and read with simdjson's DOM; batches as zstd of the core batch codec.
//
// Decisions the header leaves open:
// - Unknown keys are ignored, so either end may be newer than the other. Required keys:
//   every field of EnrollRequest and EnrollResponse, AgentHealth's version and
//   hostname, BatchAck's seq and stored; the other counters default to 0 (false).
//   A key present with the wrong type is always an error, never a default.
// - Limits, in bytes: PEM texts 64 KiB, hostname 255, token 256, agent id 64,
//   version 128, os 1024, whole message 1 MiB.
// - The writer emits valid JSON whatever the bytes: control characters are escaped
//   and invalid UTF-8 becomes U+FFFD, so a strange hostname cannot break a message.
// - encode_agent_batch appends to `out`, as encode_batch does.
// - decode_agent_batch refuses a frame that declares a content size over the limit
//   before decoding anything, then decodes with decompress_body's bounded streaming
//   decoder, which also stops frames that declare no size (or lie about it).
#include "ingest/agent_protocol.h"

#include <simdjson.h>
#include <zstd.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/batch_codec.h"
#include "core/event_json.h"
#include "ingest/decompress.h"
#include "parse/json_type_name.h"

namespace vigil {
namespace {

namespace dom = simdjson::dom;

constexpr size_t kMaxMessage = 1 << 20;
constexpr size_t kMaxPem = 64 * 1024;
constexpr size_t kMaxHostname = 255;
constexpr size_t kMaxToken = 256;
constexpr size_t kMaxAgentId = 64;
constexpr size_t kMaxVersion = 128;
constexpr size_t kMaxOs = 1024;

// ---- writing ----

// Builds one flat JSON object: {"k":v,...}.
class ObjectWriter {
 public:
  ObjectWriter() { out_.push_back('{'); }
  void string(std::string_view key, std::string_view v) {
    this->key(key);
    append_json_string(out_, v);
  }
  template <typename Int>
  void integer(std::string_view key, Int v) {
    this->key(key);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void number(std::string_view key, double v) {
    if (!std::isfinite(v)) v = 0;  // JSON has no NaN or infinity
    this->key(key);
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    if (std::string_view(buf, r.ptr - buf).find_first_of(".e") == std::string_view::npos) {
      // An integral double printed as digits alone would read back as an integer, and
      // past 2^64 as no number at all: give it an exponent or a fraction.
      if (r.ptr - buf > 15) r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
      else *r.ptr++ = '.', *r.ptr++ = '0';
    }
    out_.append(buf, r.ptr);
  }
  void boolean(std::string_view key, bool v) {
    this->key(key);
    out_ += v ? "true" : "false";
  }
  std::string finish() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void key(std::string_view k) {
    if (out_.size() > 1) out_.push_back(',');
    append_json_string(out_, k);
    out_.push_back(':');
  }
  std::string out_;
};

// ---- reading ----

// One message being decoded: its root object and the message name for errors.
class Reader {
 public:
  explicit Reader(const char* what) : what_(what) {}

  Status parse(std::string_view json) {
    if (json.size() > kMaxMessage)
      return error("is larger than " + std::to_string(kMaxMessage) + " bytes");
    thread_local dom::parser parser;
    dom::element root;
    simdjson::error_code err = parser.parse(json.data(), json.size(), true).get(root);
    if (err) return error(std::string("is not valid JSON (") + simdjson::error_message(err) + ")");
    if (root.type() != dom::element_type::OBJECT)
      return error(std::string("must be a JSON object, found ") + json_type_article(root.type()));
    object_ = dom::object(root);
    return Status();
  }

  // A string at `key` of at most `max_bytes`; absent leaves `out` as it is when Optional.
  enum Need { Optional, Required, NonEmpty };
  Status string(std::string_view key, size_t max_bytes, Need need, std::string& out) {
    dom::element e;
    if (object_.at_key(key).get(e)) return need == Optional ? Status() : error("has no \"" + std::string(key) + "\"");
    std::string_view s;
    if (e.get_string().get(s)) return wrong_type(key, e, "a string");
    if (s.size() > max_bytes)
      return error("\"" + std::string(key) + "\" is longer than " + std::to_string(max_bytes) + " bytes");
    if (need == NonEmpty && s.empty()) return error("\"" + std::string(key) + "\" is empty");
    out.assign(s);
    return Status();
  }

  // An unsigned integer at `key`; absent leaves `out` as it is unless `required`.
  Status unsigned_int(std::string_view key, bool required, uint64_t& out) {
    dom::element e;
    if (object_.at_key(key).get(e)) return required ? error("has no \"" + std::string(key) + "\"") : Status();
    if (e.type() == dom::element_type::UINT64) {
      out = e.get_uint64().value_unsafe();
      return Status();
    }
    if (e.type() == dom::element_type::INT64) {
      int64_t v = e.get_int64().value_unsafe();
      if (v < 0) return error("\"" + std::string(key) + "\" must not be negative");
      out = static_cast<uint64_t>(v);
      return Status();
    }
    return wrong_type(key, e, "a whole number");
  }

  Status signed_int(std::string_view key, int64_t& out) {
    dom::element e;
    if (object_.at_key(key).get(e)) return Status();
    if (e.type() == dom::element_type::INT64) {
      out = e.get_int64().value_unsafe();
      return Status();
    }
    if (e.type() == dom::element_type::UINT64)
      return error("\"" + std::string(key) + "\" is out of range");
    return wrong_type(key, e, "a whole number");
  }

  Status number(std::string_view key, double& out) {
    dom::element e;
    if (object_.at_key(key).get(e)) return Status();
    double v;
    if (e.get_double().get(v)) return wrong_type(key, e, "a number");  // accepts integers too
    out = v;
    return Status();
  }

  Status boolean(std::string_view key, bool& out) {
    dom::element e;
    if (object_.at_key(key).get(e)) return Status();
    if (e.get_bool().get(out)) return wrong_type(key, e, "true or false");
    return Status();
  }

 private:
  Status error(const std::string& why) const { return Status::error(std::string(what_) + " " + why); }
  Status wrong_type(std::string_view key, dom::element e, const char* want) const {
    return error("\"" + std::string(key) + "\" must be " + want + ", found " + json_type_article(e.type()));
  }

  const char* what_;
  dom::object object_;
};

}  // namespace

std::string encode_enroll_request(const EnrollRequest& r) {
  ObjectWriter w;
  w.string("token", r.token);
  w.string("hostname", r.hostname);
  w.string("csr_pem", r.csr_pem);
  return w.finish();
}

Result<EnrollRequest> decode_enroll_request(std::string_view json) {
  Reader in("enroll request");
  EnrollRequest r;
  if (Status s = in.parse(json); !s) return s;
  if (Status s = in.string("token", kMaxToken, Reader::NonEmpty, r.token); !s) return s;
  if (Status s = in.string("hostname", kMaxHostname, Reader::Required, r.hostname); !s) return s;
  if (Status s = in.string("csr_pem", kMaxPem, Reader::NonEmpty, r.csr_pem); !s) return s;
  return r;
}

std::string encode_enroll_response(const EnrollResponse& r) {
  ObjectWriter w;
  w.string("agent_id", r.agent_id);
  w.string("certificate_pem", r.certificate_pem);
  w.string("ca_pem", r.ca_pem);
  return w.finish();
}

Result<EnrollResponse> decode_enroll_response(std::string_view json) {
  Reader in("enroll response");
  EnrollResponse r;
  if (Status s = in.parse(json); !s) return s;
  if (Status s = in.string("agent_id", kMaxAgentId, Reader::NonEmpty, r.agent_id); !s) return s;
  if (Status s = in.string("certificate_pem", kMaxPem, Reader::NonEmpty, r.certificate_pem); !s) return s;
  if (Status s = in.string("ca_pem", kMaxPem, Reader::NonEmpty, r.ca_pem); !s) return s;
  return r;
}

std::string encode_agent_health(const AgentHealth& h) {
  ObjectWriter w;
  w.string("version", h.version);
  w.string("hostname", h.hostname);
  w.string("os", h.os);
  w.integer("spool_bytes", h.spool_bytes);
  w.integer("spool_batches", h.spool_batches);
  w.integer("dropped_events", h.dropped_events);
  w.integer("dropped_batches", h.dropped_batches);
  w.integer("events_collected", h.events_collected);
  w.integer("events_sent", h.events_sent);
  w.number("cpu_percent", h.cpu_percent);
  w.integer("rss_bytes", h.rss_bytes);
  w.integer("uptime_s", h.uptime_s);
  return w.finish();
}

Result<AgentHealth> decode_agent_health(std::string_view json) {
  Reader in("agent health");
  AgentHealth h;
  if (Status s = in.parse(json); !s) return s;
  if (Status s = in.string("version", kMaxVersion, Reader::Required, h.version); !s) return s;
  if (Status s = in.string("hostname", kMaxHostname, Reader::Required, h.hostname); !s) return s;
  // os is optional: an agent that cannot tell its OS still reports its health.
  if (Status s = in.string("os", kMaxOs, Reader::Optional, h.os); !s) return s;
  for (auto [key, field] : {std::pair{"spool_bytes", &h.spool_bytes}, std::pair{"spool_batches", &h.spool_batches},
                            std::pair{"dropped_events", &h.dropped_events},
                            std::pair{"dropped_batches", &h.dropped_batches},
                            std::pair{"events_collected", &h.events_collected},
                            std::pair{"events_sent", &h.events_sent}, std::pair{"rss_bytes", &h.rss_bytes}})
    if (Status s = in.unsigned_int(key, false, *field); !s) return s;
  if (Status s = in.number("cpu_percent", h.cpu_percent); !s) return s;
  if (h.cpu_percent < 0) return Status::error("agent health \"cpu_percent\" must not be negative");
  if (Status s = in.signed_int("uptime_s", h.uptime_s); !s) return s;
  return h;
}

std::string encode_batch_ack(const BatchAck& a) {
  ObjectWriter w;
  w.integer("seq", a.seq);
  w.integer("stored", a.stored);
  w.boolean("duplicate", a.duplicate);
  return w.finish();
}

Result<BatchAck> decode_batch_ack(std::string_view json) {
  Reader in("batch acknowledgement");
  BatchAck a;
  if (Status s = in.parse(json); !s) return s;
  if (Status s = in.unsigned_int("seq", true, a.seq); !s) return s;
  if (Status s = in.unsigned_int("stored", true, a.stored); !s) return s;
  if (Status s = in.boolean("duplicate", a.duplicate); !s) return s;
  return a;
}

void encode_agent_batch(const EventBatch& batch, std::string& out) {
  thread_local std::string plain;  // reused: no allocation per batch once grown
  plain.clear();
  encode_batch(batch, plain);
  size_t start = out.size();
  out.resize(start + ZSTD_compressBound(plain.size()));
  size_t n = ZSTD_compress(out.data() + start, out.size() - start, plain.data(), plain.size(), 3);
  // Compressing into compressBound bytes cannot fail short of memory exhaustion.
  out.resize(ZSTD_isError(n) ? start : start + n);
}

Result<EventBatch> decode_agent_batch(std::string_view body, size_t max_decoded_bytes) {
  if (body.empty()) return Status::error("agent batch is empty");
  unsigned long long declared = ZSTD_getFrameContentSize(body.data(), body.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::error("agent batch is not a zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_decoded_bytes)
    return Status::error("agent batch declares " + std::to_string(declared) + " decoded bytes, over the limit of " +
                         std::to_string(max_decoded_bytes));
  Result<std::string> plain = decompress_body(body, "zstd", max_decoded_bytes);
  if (!plain) return Status::error("agent batch: " + plain.error());
  Result<EventBatch> batch = decode_batch(*plain);
  if (!batch) return Status::error("agent batch: " + batch.error());
  return batch;
}

}  // namespace vigil
