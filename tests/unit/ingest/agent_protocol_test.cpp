// Tests of the agent protocol codecs: JSON round trips (with hostile strings), clear
// refusals of missing keys, wrong types and over-long values, and zstd batches round
// tripped, refused when corrupt, and stopped at the limit when they are bombs.
#include "ingest/agent_protocol.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

#include "core/batch_codec.h"
#include "core/field_dictionary.h"

namespace vigil {
namespace {

TEST(AgentProtocol, EnrollRequestRoundTripsHostileStrings) {
  EnrollRequest r;
  r.token = "tok-_123";
  r.hostname = std::string("h\"o\\s\nt\x01\x7f") + "\xc3\xa9";  // quote, backslash, controls, é
  r.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
  std::string json = encode_enroll_request(r);
  EXPECT_EQ(json.find('\n'), std::string::npos) << json;  // raw newlines escaped
  Result<EnrollRequest> back = decode_enroll_request(json);
  ASSERT_TRUE(back.ok()) << back.error() << " in " << json;
  EXPECT_EQ(back->token, r.token);
  EXPECT_EQ(back->hostname, r.hostname);
  EXPECT_EQ(back->csr_pem, r.csr_pem);
}

TEST(AgentProtocol, InvalidUtf8IsReplacedNotPassedThrough) {
  EnrollRequest r{"t", "bad\xff\xc3", "csr"};
  std::string json = encode_enroll_request(r);
  Result<EnrollRequest> back = decode_enroll_request(json);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->hostname, "bad\xef\xbf\xbd\xef\xbf\xbd");  // two U+FFFD
}

TEST(AgentProtocol, EnrollRequestRefusals) {
  auto err = [](std::string_view json) {
    Result<EnrollRequest> r = decode_enroll_request(json);
    EXPECT_FALSE(r.ok()) << json;
    return r.error();
  };
  EXPECT_EQ(err(R"({"hostname":"h","csr_pem":"c"})"), "enroll request has no \"token\"");
  EXPECT_EQ(err(R"({"token":7,"hostname":"h","csr_pem":"c"})"),
            "enroll request \"token\" must be a string, found a number");
  EXPECT_EQ(err(R"({"token":"","hostname":"h","csr_pem":"c"})"), "enroll request \"token\" is empty");
  EXPECT_EQ(err(R"({"token":"t","hostname":null,"csr_pem":"c"})"),
            "enroll request \"hostname\" must be a string, found null");
  EXPECT_EQ(err("[1,2]"), "enroll request must be a JSON object, found an array");
  EXPECT_NE(err("{\"token\":\"t\""), "");
  EXPECT_NE(err("").find("is not valid JSON"), std::string::npos);
  EXPECT_NE(err("not json").find("is not valid JSON"), std::string::npos);

  std::string long_host = R"({"token":"t","csr_pem":"c","hostname":")" + std::string(256, 'a') + "\"}";
  EXPECT_EQ(err(long_host), "enroll request \"hostname\" is longer than 255 bytes");
  std::string ok_host = R"({"token":"t","csr_pem":"c","hostname":")" + std::string(255, 'a') + "\"}";
  EXPECT_TRUE(decode_enroll_request(ok_host).ok());
  std::string long_csr = R"({"token":"t","hostname":"h","csr_pem":")" + std::string(64 * 1024 + 1, 'A') + "\"}";
  EXPECT_EQ(err(long_csr), "enroll request \"csr_pem\" is longer than 65536 bytes");
  // Unknown keys are ignored (a newer agent may send more).
  EXPECT_TRUE(decode_enroll_request(R"({"token":"t","hostname":"h","csr_pem":"c","labels":{"a":1}})").ok());
}

TEST(AgentProtocol, EnrollResponseRoundTripAndRefusals) {
  EnrollResponse r{"agt-0123456789abcdef", "-----BEGIN CERTIFICATE-----\nX\n", "-----BEGIN CERTIFICATE-----\nY\n"};
  Result<EnrollResponse> back = decode_enroll_response(encode_enroll_response(r));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->agent_id, r.agent_id);
  EXPECT_EQ(back->certificate_pem, r.certificate_pem);
  EXPECT_EQ(back->ca_pem, r.ca_pem);

  Result<EnrollResponse> missing = decode_enroll_response(R"({"agent_id":"a","certificate_pem":"c"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "enroll response has no \"ca_pem\"");
  Result<EnrollResponse> long_id =
      decode_enroll_response(R"({"agent_id":")" + std::string(65, 'a') + R"(","certificate_pem":"c","ca_pem":"c"})");
  ASSERT_FALSE(long_id.ok());
  EXPECT_EQ(long_id.error(), "enroll response \"agent_id\" is longer than 64 bytes");
}

TEST(AgentProtocol, AgentHealthRoundTrip) {
  AgentHealth h;
  h.version = "0.7.0";
  h.hostname = "web-01";
  h.os = "Debian GNU/Linux 12 (bookworm), kernel 6.1.0";
  h.spool_bytes = UINT64_MAX;  // above INT64_MAX: must stay exact
  h.spool_batches = 17;
  h.dropped_events = 3;
  h.dropped_batches = 1;
  h.events_collected = 123456789012ull;
  h.events_sent = 123456789000ull;
  h.cpu_percent = 1.375;
  h.rss_bytes = 21 << 20;
  h.uptime_s = -5;  // a clock step: signed, kept as is
  Result<AgentHealth> back = decode_agent_health(encode_agent_health(h));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->version, h.version);
  EXPECT_EQ(back->hostname, h.hostname);
  EXPECT_EQ(back->os, h.os);
  EXPECT_EQ(back->spool_bytes, UINT64_MAX);
  EXPECT_EQ(back->spool_batches, 17u);
  EXPECT_EQ(back->dropped_events, 3u);
  EXPECT_EQ(back->dropped_batches, 1u);
  EXPECT_EQ(back->events_collected, 123456789012ull);
  EXPECT_EQ(back->events_sent, 123456789000ull);
  EXPECT_EQ(back->cpu_percent, 1.375);
  EXPECT_EQ(back->rss_bytes, 21u << 20);
  EXPECT_EQ(back->uptime_s, -5);

  h.cpu_percent = 0.1 + 0.2;  // not a short decimal: still exact
  EXPECT_EQ(decode_agent_health(encode_agent_health(h))->cpu_percent, 0.1 + 0.2);
  // Integral doubles, small and past 2^64 (found by the fuzzer: printed as bare digits
  // they read back as an integer, or as no number at all).
  for (double v : {0.0, 2.0, 1e15, 18446744073709551616.0, 1e300}) {
    h.cpu_percent = v;
    Result<AgentHealth> r = decode_agent_health(encode_agent_health(h));
    ASSERT_TRUE(r.ok()) << v << ": " << r.error();
    EXPECT_EQ(r->cpu_percent, v);
  }
}

TEST(AgentProtocol, AgentHealthDefaultsAndRefusals) {
  Result<AgentHealth> minimal = decode_agent_health(R"({"version":"1","hostname":"h"})");
  ASSERT_TRUE(minimal.ok()) << minimal.error();
  EXPECT_EQ(minimal->spool_bytes, 0u);
  EXPECT_EQ(minimal->os, "");
  EXPECT_EQ(minimal->cpu_percent, 0.0);
  Result<AgentHealth> integral_cpu = decode_agent_health(R"({"version":"1","hostname":"h","cpu_percent":2})");
  ASSERT_TRUE(integral_cpu.ok());
  EXPECT_EQ(integral_cpu->cpu_percent, 2.0);

  auto err = [](std::string_view json) {
    Result<AgentHealth> r = decode_agent_health(json);
    EXPECT_FALSE(r.ok()) << json;
    return r.error();
  };
  EXPECT_EQ(err(R"({"hostname":"h"})"), "agent health has no \"version\"");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","spool_bytes":-1})"),
            "agent health \"spool_bytes\" must not be negative");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","spool_bytes":"12"})"),
            "agent health \"spool_bytes\" must be a whole number, found a string");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","rss_bytes":1.5})"),
            "agent health \"rss_bytes\" must be a whole number, found a number");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","cpu_percent":true})"),
            "agent health \"cpu_percent\" must be a number, found a boolean");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","cpu_percent":-3})"),
            "agent health \"cpu_percent\" must not be negative");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","uptime_s":18446744073709551615})"),
            "agent health \"uptime_s\" is out of range");
  EXPECT_EQ(err(R"({"version":"1","hostname":"h","os":7})"), "agent health \"os\" must be a string, found a number");
  EXPECT_NE(err(R"({"version":"1","hostname":"h","spool_bytes":99999999999999999999999})"), "");
}

TEST(AgentProtocol, BatchAckRoundTripAndRefusals) {
  for (BatchAck a : {BatchAck{42, 1000, false}, BatchAck{UINT64_MAX, 0, true}}) {
    Result<BatchAck> back = decode_batch_ack(encode_batch_ack(a));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back->seq, a.seq);
    EXPECT_EQ(back->stored, a.stored);
    EXPECT_EQ(back->duplicate, a.duplicate);
  }
  EXPECT_EQ(encode_batch_ack({7, 3, false}), R"({"seq":7,"stored":3,"duplicate":false})");
  Result<BatchAck> no_seq = decode_batch_ack(R"({"stored":1})");
  ASSERT_FALSE(no_seq.ok());
  EXPECT_EQ(no_seq.error(), "batch acknowledgement has no \"seq\"");
  Result<BatchAck> bad_dup = decode_batch_ack(R"({"seq":1,"stored":1,"duplicate":"yes"})");
  ASSERT_FALSE(bad_dup.ok());
  EXPECT_EQ(bad_dup.error(), "batch acknowledgement \"duplicate\" must be true or false, found a string");
  Result<BatchAck> no_dup = decode_batch_ack(R"({"seq":1,"stored":0})");
  ASSERT_TRUE(no_dup.ok());
  EXPECT_FALSE(no_dup->duplicate);
}

EventBatch sample_batch(int events) {
  EventBatch b;
  FieldId cmd = field_id("process.cmd_line"), pid = field_id("process.pid"), cls = field_id("class_uid");
  for (int i = 0; i < events; ++i) {
    std::string raw = "exec " + std::to_string(i) + " /usr/bin/curl -s http://example.org/" + std::to_string(i * 7);
    b.begin_event({.receive_time = 1'700'000'000'000'000'000 + i, .raw = raw, .source = "agt-00000000000000aa",
                   .input = "agent"});
    b.add_int(cls, 1007);
    b.add_int(pid, 1000 + i);
    b.add_string(cmd, raw.substr(7));
    b.set_time(1'700'000'000'000'000'000 + i * 1000);
    b.end_event();
  }
  return b;
}

TEST(AgentProtocol, BatchRoundTrip) {
  EventBatch b = sample_batch(500);
  std::string body = "prefix";  // appended after what is there
  encode_agent_batch(b, body);
  ASSERT_TRUE(body.starts_with("prefix"));
  std::string_view frame = std::string_view(body).substr(6);
  std::string plain;
  encode_batch(b, plain);
  // It is zstd of encode_batch, and it compresses these repetitive events.
  EXPECT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), plain.size());
  EXPECT_LT(frame.size(), plain.size() / 3);

  Result<EventBatch> back = decode_agent_batch(frame, plain.size());
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), 500u);
  FieldId cmd = field_id("process.cmd_line"), pid = field_id("process.pid");
  for (size_t i : {size_t{0}, size_t{250}, size_t{499}}) {
    const Event& e = (*back)[i];
    std::string raw = "exec " + std::to_string(i) + " /usr/bin/curl -s http://example.org/" + std::to_string(i * 7);
    EXPECT_EQ(e.raw, raw);
    EXPECT_EQ(e.source, "agt-00000000000000aa");
    EXPECT_EQ(e.time, 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 1000);
    ASSERT_NE(back->find(e, pid), nullptr);
    EXPECT_EQ(back->find(e, pid)->i64, 1000 + static_cast<int64_t>(i));
    EXPECT_EQ(back->find(e, cmd)->as_string(), raw.substr(7));
  }
  // One byte under the decoded size: refused up front from the declared size.
  Result<EventBatch> small = decode_agent_batch(frame, plain.size() - 1);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().find("over the limit"), std::string::npos) << small.error();

  EventBatch empty;
  std::string empty_body;
  encode_agent_batch(empty, empty_body);
  Result<EventBatch> none = decode_agent_batch(empty_body, 1 << 20);
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(none->size(), 0u);
}

TEST(AgentProtocol, BatchRefusals) {
  EXPECT_EQ(decode_agent_batch("", 1 << 20).error(), "agent batch is empty");
  EXPECT_EQ(decode_agent_batch("plain text, not zstd", 1 << 20).error(), "agent batch is not a zstd frame");

  EventBatch b = sample_batch(50);
  std::string body;
  encode_agent_batch(b, body);
  Result<EventBatch> truncated = decode_agent_batch(std::string_view(body).substr(0, body.size() / 2), 1 << 20);
  ASSERT_FALSE(truncated.ok());
  EXPECT_TRUE(truncated.error().starts_with("agent batch: ")) << truncated.error();

  std::string corrupt = body;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  EXPECT_FALSE(decode_agent_batch(corrupt, 1 << 20).ok());

  // Valid zstd whose content is not a batch.
  std::string text = "this is not an encoded batch";
  std::string z(ZSTD_compressBound(text.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), text.data(), text.size(), 3));
  Result<EventBatch> not_batch = decode_agent_batch(z, 1 << 20);
  ASSERT_FALSE(not_batch.ok());
  EXPECT_TRUE(not_batch.error().starts_with("agent batch: ")) << not_batch.error();
}

// A frame of 64 MiB of zeros that declares no content size (streamed), so only the
// bounded decoder can stop it.
std::string zstd_bomb_without_size(size_t bytes) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string zeros(1 << 20, '\0');
  std::string out;
  std::string buf(ZSTD_CStreamOutSize(), '\0');
  for (size_t done = 0; done < bytes; done += zeros.size()) {
    ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
    ZSTD_EndDirective mode = done + zeros.size() >= bytes ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
      size_t left = ZSTD_compressStream2(cctx, &ob, &in, mode);
      out.append(buf.data(), ob.pos);
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) break;
    }
  }
  ZSTD_freeCCtx(cctx);
  return out;
}

TEST(AgentProtocol, ZstdBombIsRefused) {
  std::string bomb = zstd_bomb_without_size(64 << 20);
  ASSERT_LT(bomb.size(), 64u * 1024);  // tiny body, huge output
  ASSERT_EQ(ZSTD_getFrameContentSize(bomb.data(), bomb.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  Result<EventBatch> r = decode_agent_batch(bomb, 4 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("exceeds 4194304 bytes"), std::string::npos) << r.error();

  // The same with a declared size: refused before decoding.
  std::string zeros(8 << 20, '\0');
  std::string declared(ZSTD_compressBound(zeros.size()), '\0');
  declared.resize(ZSTD_compress(declared.data(), declared.size(), zeros.data(), zeros.size(), 3));
  Result<EventBatch> d = decode_agent_batch(declared, 4 << 20);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error(), "agent batch declares 8388608 decoded bytes, over the limit of 4194304");
}

}  // namespace
}  // namespace vigil
